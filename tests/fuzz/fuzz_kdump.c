/* libFuzzer target: any byte sequence as a kdump-compressed file, plain or
 * flattened (seeds in each page compression, tests/fuzz/make-kdump-seeds.sh;
 * dictionary kdump.dict).  The same walk as fuzz_core (open, segments,
 * notes decoded, validate, reads) plus the kdump headers and a read of
 * every page of the first runs, so that descriptors, bitmaps and each
 * decompressor meet hostile bytes. */
#define FUZZ_EVERY_PAGE 1
#include "fuzz_core.c"
