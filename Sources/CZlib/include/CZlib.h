// Exposes the system zlib (zlib1g-dev) to Swift; Foundation on Linux has no zlib API.
#include <zlib.h>
