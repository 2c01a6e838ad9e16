// zlib, for reading gzip-compressed traces (Debian: zlib1g-dev).
#include <zlib.h>
