// Why this shim exists: SwiftPM system-library targets need a header to import; this one pulls
// in Zydis' public API from Debian's libzydis-dev.
#include <Zydis/Zydis.h>
