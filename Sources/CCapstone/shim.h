// Why this shim exists: SwiftPM system-library targets need a header to import; this one pulls
// in Capstone's public API from Debian's libcapstone-dev.
#include <capstone/capstone.h>
