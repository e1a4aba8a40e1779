/*
 * Reading ELF64 executables (the root task's image): just enough to check one and walk
 * its loadable segments. Every field is checked against the file's size before use.
 */
#ifndef BASTION_ELF_H
#define BASTION_ELF_H

#include "ktypes.h"

struct PACKED elf64_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_header) == 64, "ELF64 header");

struct PACKED elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

#define ELF_PT_LOAD 1
#define ELF_PF_X    1
#define ELF_PF_W    2
#define ELF_PF_R    4

struct elf_image {
    const uint8_t *bytes;
    uint64_t size;
    const struct elf64_header *header;
};

/* Check that `bytes` is a static x86_64 (or this architecture's) ELF64 executable whose
 * program headers and loadable segments lie inside the file and below `user_top`.
 * Returns NULL when it is, else what is wrong. */
const char *elf_check(struct elf_image *img, const void *bytes, uint64_t size, uint16_t machine,
                      uint64_t user_top);

/* Program header i (i < header->phnum) of a checked image. */
const struct elf64_phdr *elf_phdr(const struct elf_image *img, unsigned i);

#endif
