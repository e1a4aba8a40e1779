/*
 * PD program images among the boot modules, for fault reports: which module is whose
 * image, and the function symbol an address falls in. Modules are untrusted input:
 * every offset is checked against the module's size.
 *
 * The spec does not name a PD's image file, so a module is a PD's image when it is an
 * ELF64 executable with the PD's entry point and the same loadable segments (address,
 * sizes) as the PD's spec segments. PDs that share a program share its symbols.
 */
#include "elf64.h"
#include "init.h"

#include <libbastion/string.h>

#define PT_LOAD    1
#define SHT_SYMTAB 2
#define STT_FUNC   2
#define EM_X86_64  62

static bool in_bounds(uint64_t size, uint64_t offset, uint64_t len)
{
    return offset <= size && len <= size - offset;
}

static const struct elf64_ehdr *elf_header(const uint8_t *elf, uint64_t size)
{
    const struct elf64_ehdr *h = (const void *)elf;
    if (size < sizeof(*h) || memcmp(h->ident, "\177ELF", 4) != 0 || h->ident[4] != 2 ||
        h->machine != EM_X86_64)
        return NULL;
    return h;
}

/* True when the module's PT_LOAD segments and entry are PD p's. */
static bool image_matches(const uint8_t *elf, uint64_t size, uint32_t p)
{
    const struct elf64_ehdr *h = elf_header(elf, size);
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    if (h == NULL || h->entry != pd->entry || h->phentsize != sizeof(struct elf64_phdr) ||
        !in_bounds(size, h->phoff, (uint64_t)h->phnum * sizeof(struct elf64_phdr)))
        return false;
    const struct elf64_phdr *ph = (const void *)(elf + h->phoff);
    uint32_t seg = 0;
    for (uint16_t i = 0; i < h->phnum; i++) {
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        if (seg >= pd->segment_count)
            return false;
        const struct bastion_spec_segment *g = &the_spec.segments[pd->first_segment + seg++];
        if (g->vaddr != ph[i].vaddr || g->memsz != ph[i].memsz || g->filesz != ph[i].filesz)
            return false;
    }
    return seg == pd->segment_count;
}

void elf_find_images(const struct bst_bootinfo *bi)
{
    for (uint32_t p = 0; p < the_spec.n[BASTION_TABLE_PDS]; p++)
        for (uint32_t m = 0; m < bi->n_modules; m++) {
            const uint8_t *bytes = module_bytes(&bi->modules[m]);
            if (image_matches(bytes, bi->modules[m].size, p)) {
                pd_states[p].elf = bytes;
                pd_states[p].elf_size = bi->modules[m].size;
                break;
            }
        }
}

const char *elf_symbol(const uint8_t *elf, uint64_t size, uint64_t addr, uint64_t *offset)
{
    const struct elf64_ehdr *h = elf ? elf_header(elf, size) : NULL;
    if (h == NULL || h->shentsize != sizeof(struct elf64_shdr) ||
        !in_bounds(size, h->shoff, (uint64_t)h->shnum * sizeof(struct elf64_shdr)))
        return NULL;
    const struct elf64_shdr *sh = (const void *)(elf + h->shoff);
    for (uint16_t i = 0; i < h->shnum; i++) {
        if (sh[i].type != SHT_SYMTAB || sh[i].link >= h->shnum ||
            !in_bounds(size, sh[i].offset, sh[i].size))
            continue;
        const struct elf64_shdr *str = &sh[sh[i].link];
        if (!in_bounds(size, str->offset, str->size) || str->size == 0)
            continue;
        const struct elf64_sym *syms = (const void *)(elf + sh[i].offset);
        const char *strings = (const char *)(elf + str->offset);
        const struct elf64_sym *best = NULL;
        for (uint64_t k = 0; k < sh[i].size / sizeof(*syms); k++) {
            const struct elf64_sym *s = &syms[k];
            if ((s->info & 0xf) != STT_FUNC || s->value > addr || s->name >= str->size)
                continue;
            if (s->size ? addr < s->value + s->size : (best == NULL || s->value > best->value))
                best = s;
            if (s->size && addr < s->value + s->size)
                break;
        }
        if (best == NULL ||
            bst_strnlen(strings + best->name, str->size - best->name) == str->size - best->name)
            return NULL;
        *offset = addr - best->value;
        return strings + best->name;
    }
    return NULL;
}
