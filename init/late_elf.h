/*
 * The ELF check of a late image (docs/late-loading.md), apart from the rest of the load so
 * that it runs on the host too (init/tests/host_late_elf.c, suite host-init-late-elf). Pure:
 * it reads only the bytes it is given and writes only *out.
 */
#ifndef INIT_LATE_ELF_H
#define INIT_LATE_ELF_H

#include <stdint.h>

#include "elf64.h"

#define LATE_MAX_LOADS 16u /* loadable segments an image may have */
#define LATE_PAGE_SIZE 4096u
#define LATE_PF_X      1u
#define LATE_PF_W      2u
#define LATE_PF_R      4u

/* What the check found in an image it accepts. */
struct late_elf {
    struct elf64_phdr loads[LATE_MAX_LOADS]; /* its PT_LOAD segments with memsz > 0 */
    unsigned nloads;
    uint64_t entry;
};

enum late_elf_verdict {
    LATE_ELF_OK,      /* loadable */
    LATE_ELF_NOT_ELF, /* not an x86_64 static ELF64 executable init can load */
    LATE_ELF_OUTSIDE, /* a segment outside [lo, hi), or two segments share a page */
};

/* Check the headers of an image of `length` bytes whose first `head_length` bytes (at most
 * one page; every header must lie in them) are `head`, for a child whose described range is
 * [lo, hi) (page aligned, lo < hi). Accepted: ELF64, little-endian, ET_EXEC, x86_64; no
 * PT_INTERP or PT_DYNAMIC; 1 to LATE_MAX_LOADS readable PT_LOAD segments (memsz > 0), each
 * with its file bytes inside the image (filesz <= memsz) and its memory inside [lo, hi),
 * no two sharing a page; the entry inside an executable one. On LATE_ELF_OK, *out holds
 * the segments and the entry. */
enum late_elf_verdict late_elf_check(const uint8_t *head, uint64_t head_length, uint64_t length,
                                     uint64_t lo, uint64_t hi, struct late_elf *out);

#endif
