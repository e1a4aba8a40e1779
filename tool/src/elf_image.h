/*
 * Program images: reading static x86_64 ELF64 executables with libelf, and patching
 * variables in their loaded data (setvar). Only what the tool needs is kept: the entry
 * point, the PT_LOAD segments with their bytes, and the symbol table.
 */
#ifndef BASTION_TOOL_ELF_IMAGE_H
#define BASTION_TOOL_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_segment {
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t filesz; /* bytes of `data`; the rest up to memsz is zero */
    uint8_t perms;   /* PERM_R/W/X of model.h */
    uint8_t *data;
};

/* What a symbol names (its ELF type, STT_*), as far as setvar cares. */
enum elf_symbol_kind {
    ELF_SYMBOL_OBJECT, /* STT_OBJECT: a variable */
    ELF_SYMBOL_FUNC,   /* STT_FUNC */
    ELF_SYMBOL_TLS,    /* STT_TLS: a thread-local variable; value is an offset, not an address */
    ELF_SYMBOL_OTHER,  /* STT_NOTYPE, sections, files, ... */
};

struct elf_symbol {
    char *name;
    uint64_t value;
    uint64_t size;
    enum elf_symbol_kind kind;
    bool global; /* STB_GLOBAL or STB_WEAK; false for file-local (static) symbols */
};

struct elf_image {
    uint64_t entry;
    struct elf_segment *segments;
    size_t segment_count;
    struct elf_symbol *symbols;
    size_t symbol_count;
};

/*
 * Loads the image at `path`. On failure returns NULL and writes into `why` a sentence
 * that says what is wrong and how to fix it.
 */
struct elf_image *elf_image_load(const char *path, char *why, size_t why_size);
void elf_image_free(struct elf_image *img);

/* The symbol called `name`, or NULL; a global one is preferred to file-local namesakes. */
const struct elf_symbol *elf_find_symbol(const struct elf_image *img, const char *name);

/*
 * Writes the 8-byte little-endian `value` at `vaddr`. The address must lie inside a
 * segment; a variable in .bss makes the segment's file part grow to cover it. Returns
 * false when no segment holds all 8 bytes.
 */
bool elf_patch_u64(struct elf_image *img, uint64_t vaddr, uint64_t value);

#endif
