/* What a core may hold, in one place: the writer (core/lib/dump) writes no
 * more than the reader (core/lib/read) reads, so every core guestcore
 * writes opens in inspect, validate, read and convert. */
#ifndef GUESTCORE_CORE_LIMITS_H
#define GUESTCORE_CORE_LIMITS_H

#define GC_MAX_PHDRS (1u << 24)          /* program headers of an ELF core */
#define GC_MAX_RANGES (GC_MAX_PHDRS - 1) /* a source's ranges: a PT_LOAD each, beside the PT_NOTE */
#define GC_MAX_NOTES (1u << 20)          /* notes of a core */
/* Their bytes, all together: the VirtualBox and QEMU notes of 4096 vCPUs
 * (the most guestcore takes, more than QEMU's q35 runs) are 38 MiB. */
#define GC_MAX_NOTE_BYTES (64u << 20)

#endif
