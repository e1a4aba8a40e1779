/*
 * The ELF check of a late image (late_elf.h). Every field it reads is the image's, so
 * every sum is bounded before it is formed.
 */
#include "late_elf.h"

#define PT_LOAD    1u
#define PT_DYNAMIC 2u
#define PT_INTERP  3u

static int ident_ok(const struct elf64_ehdr *e)
{
    return e->ident[0] == 0x7f && e->ident[1] == 'E' && e->ident[2] == 'L' && e->ident[3] == 'F' &&
           e->ident[4] == 2 /* 64-bit */ && e->ident[5] == 1 /* LE */ &&
           e->type == 2 /* ET_EXEC */ && e->machine == 62 /* x86_64 */ &&
           e->phentsize == sizeof(struct elf64_phdr);
}

/* Segment `ph` shares a page with one already accepted (at most LATE_MAX_LOADS: pairs are
 * cheap). */
static int shares_page(const struct late_elf *out, const struct elf64_phdr *ph)
{
    uint64_t a0 = ph->vaddr & ~(uint64_t)(LATE_PAGE_SIZE - 1), a1 = ph->vaddr + ph->memsz;
    for (unsigned k = 0; k < out->nloads; k++) {
        uint64_t b0 = out->loads[k].vaddr & ~(uint64_t)(LATE_PAGE_SIZE - 1);
        uint64_t b1 = out->loads[k].vaddr + out->loads[k].memsz;
        if (a0 < b1 && b0 < a1)
            return 1;
    }
    return 0;
}

enum late_elf_verdict late_elf_check(const uint8_t *head, uint64_t head_length, uint64_t length,
                                     uint64_t lo, uint64_t hi, struct late_elf *out)
{
    struct elf64_ehdr e;
    if (head_length > length)
        head_length = length;
    if (head_length > LATE_PAGE_SIZE)
        head_length = LATE_PAGE_SIZE;
    if (head_length < sizeof(e))
        return LATE_ELF_NOT_ELF;
    __builtin_memcpy(&e, head, sizeof(e));
    if (!ident_ok(&e) || e.phoff > head_length ||
        e.phnum > (head_length - e.phoff) / sizeof(struct elf64_phdr))
        return LATE_ELF_NOT_ELF;
    int entry_ok = 0;
    out->nloads = 0;
    for (unsigned i = 0; i < e.phnum; i++) {
        struct elf64_phdr ph;
        __builtin_memcpy(&ph, head + e.phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type == PT_INTERP || ph.type == PT_DYNAMIC)
            return LATE_ELF_NOT_ELF;
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (out->nloads == LATE_MAX_LOADS || ph.filesz > ph.memsz || ph.offset > length ||
            ph.filesz > length - ph.offset || !(ph.flags & LATE_PF_R))
            return LATE_ELF_NOT_ELF;
        if (ph.vaddr < lo || ph.vaddr >= hi || ph.memsz > hi - ph.vaddr)
            return LATE_ELF_OUTSIDE;
        if (shares_page(out, &ph))
            return LATE_ELF_OUTSIDE;
        if ((ph.flags & LATE_PF_X) && e.entry >= ph.vaddr && e.entry - ph.vaddr < ph.memsz)
            entry_ok = 1;
        out->loads[out->nloads++] = ph;
    }
    if (out->nloads == 0 || !entry_ok)
        return LATE_ELF_NOT_ELF;
    out->entry = e.entry;
    return LATE_ELF_OK;
}
