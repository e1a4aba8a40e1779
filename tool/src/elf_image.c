/*
 * ELF64 reader and setvar patcher (see elf.h). The image must be an x86_64 ET_EXEC file
 * without a program interpreter or dynamic section, with at least one PT_LOAD segment
 * whose file bytes lie inside the file.
 */
#include "elf_image.h"
#include "model.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t segment_perms(uint32_t flags)
{
    return (uint8_t)(((flags & PF_R) ? PERM_R : 0) | ((flags & PF_W) ? PERM_W : 0) |
                     ((flags & PF_X) ? PERM_X : 0));
}

/* Checks the ELF header; writes the reason to `why` and returns false when unsuitable. */
static bool check_header(Elf *elf, GElf_Ehdr *eh, char *why, size_t n)
{
    if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, eh)) {
        snprintf(why, n, "not an ELF file; give the linked program");
        return false;
    }
    if (gelf_getclass(elf) != ELFCLASS64 || eh->e_machine != EM_X86_64) {
        snprintf(why, n, "not an x86_64 ELF64 program; build it for x86_64");
        return false;
    }
    if (eh->e_type != ET_EXEC) {
        snprintf(why, n,
                 "not a static executable (ELF type %u, need ET_EXEC); link it with -static "
                 "-no-pie",
                 (unsigned)eh->e_type);
        return false;
    }
    return true;
}

/* Copies the PT_LOAD segments; false (with reason) for dynamic or malformed images. */
static bool load_segments(Elf *elf, const char *raw, size_t raw_size, struct elf_image *img,
                          char *why, size_t n)
{
    size_t count;
    if (elf_getphdrnum(elf, &count) != 0 || count > 4096) {
        snprintf(why, n, "cannot read the program headers; the file is damaged");
        return false;
    }
    img->segments = xcalloc(count, sizeof(*img->segments));
    for (size_t i = 0; i < count; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            snprintf(why, n, "cannot read program header %zu; the file is damaged", i);
            return false;
        }
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) {
            snprintf(why, n, "dynamically linked; link it with -static -nostdlib");
            return false;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > raw_size ||
            ph.p_filesz > raw_size - ph.p_offset || add_overflows(ph.p_vaddr, ph.p_memsz)) {
            snprintf(why, n, "segment %zu lies outside the file; the file is damaged", i);
            return false;
        }
        struct elf_segment *s = &img->segments[img->segment_count++];
        s->vaddr = ph.p_vaddr;
        s->memsz = ph.p_memsz;
        s->filesz = ph.p_filesz;
        s->perms = segment_perms(ph.p_flags);
        s->data = xmalloc(ph.p_filesz);
        memcpy(s->data, raw + ph.p_offset, ph.p_filesz);
    }
    if (img->segment_count == 0) {
        snprintf(why, n, "has no loadable segment; nothing to run");
        return false;
    }
    return true;
}

static enum elf_symbol_kind symbol_kind(unsigned type)
{
    switch (type) {
    case STT_OBJECT:
        return ELF_SYMBOL_OBJECT;
    case STT_FUNC:
        return ELF_SYMBOL_FUNC;
    case STT_TLS:
        return ELF_SYMBOL_TLS;
    default:
        return ELF_SYMBOL_OTHER;
    }
}

/* Copies the named symbols of every symbol table. */
static void load_symbols(Elf *elf, struct elf_image *img)
{
    struct vec syms = {0};
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        size_t count = data ? data->d_size / sh.sh_entsize : 0;
        for (size_t i = 0; i < count; i++) {
            GElf_Sym sym;
            const char *name;
            if (!gelf_getsym(data, (int)i, &sym) ||
                !(name = elf_strptr(elf, sh.sh_link, sym.st_name)) || !name[0])
                continue;
            struct elf_symbol *s = vec_push(&syms, sizeof(*s));
            unsigned bind = GELF_ST_BIND(sym.st_info);
            *s = (struct elf_symbol){xstrdup(name), sym.st_value, sym.st_size,
                                     symbol_kind(GELF_ST_TYPE(sym.st_info)),
                                     bind == STB_GLOBAL || bind == STB_WEAK};
        }
    }
    img->symbols = syms.items;
    img->symbol_count = syms.count;
}

struct elf_image *elf_image_load(const char *path, char *why, size_t why_size)
{
    size_t size;
    char *raw = read_file(path, &size);
    if (!raw) {
        snprintf(why, why_size, "cannot be read");
        return NULL;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        free(raw);
        snprintf(why, why_size, "libelf is unusable");
        return NULL;
    }
    struct elf_image *img = xcalloc(1, sizeof(*img));
    Elf *elf = elf_memory(raw, size);
    GElf_Ehdr eh;
    bool ok = elf && check_header(elf, &eh, why, why_size) &&
              load_segments(elf, raw, size, img, why, why_size);
    if (!elf)
        snprintf(why, why_size, "not an ELF file; give the linked program");
    if (ok) {
        img->entry = eh.e_entry;
        load_symbols(elf, img);
    }
    if (elf)
        elf_end(elf);
    free(raw);
    if (!ok) {
        elf_image_free(img);
        return NULL;
    }
    return img;
}

void elf_image_free(struct elf_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->segment_count; i++)
        free(img->segments[i].data);
    for (size_t i = 0; i < img->symbol_count; i++)
        free(img->symbols[i].name);
    free(img->segments);
    free(img->symbols);
    free(img);
}

const struct elf_symbol *elf_find_symbol(const struct elf_image *img, const char *name)
{
    const struct elf_symbol *local = NULL;
    for (size_t i = 0; i < img->symbol_count; i++) {
        if (strcmp(img->symbols[i].name, name) != 0)
            continue;
        if (img->symbols[i].global)
            return &img->symbols[i];
        if (!local)
            local = &img->symbols[i];
    }
    return local;
}

bool elf_patch_u64(struct elf_image *img, uint64_t vaddr, uint64_t value)
{
    for (size_t i = 0; i < img->segment_count; i++) {
        struct elf_segment *s = &img->segments[i];
        if (vaddr < s->vaddr || vaddr - s->vaddr > s->memsz || s->memsz - (vaddr - s->vaddr) < 8)
            continue;
        uint64_t off = vaddr - s->vaddr;
        if (off + 8 > s->filesz) {
            s->data = xrealloc(s->data, off + 8);
            memset(s->data + s->filesz, 0, off + 8 - s->filesz);
            s->filesz = off + 8;
        }
        for (int b = 0; b < 8; b++)
            s->data[off + (uint64_t)b] = (uint8_t)(value >> (8 * b));
        return true;
    }
    return false;
}
