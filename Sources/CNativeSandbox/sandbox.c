// Placeholder until the native sandbox lands (issue 5).
#include "CNativeSandbox.h"
int cnativesandbox_placeholder(void) { return 0; }
