// Why this shim exists: SwiftPM system-library targets need a header to import; this one pulls
// in Unicorn's public API from Debian's libunicorn-dev.
#include <unicorn/unicorn.h>
