/*
 * ELF64 checking. See elf.h.
 */
#include <elf.h>
#include <kstring.h>

#define ELF_TYPE_EXEC 2

const struct elf64_phdr *elf_phdr(const struct elf_image *img, unsigned i)
{
    return (const struct elf64_phdr *)(img->bytes + img->header->phoff +
                                       (uint64_t)i * img->header->phentsize);
}

static const char *check_segment(const struct elf_image *img, const struct elf64_phdr *p,
                                 uint64_t user_top)
{
    if (p->type != ELF_PT_LOAD) {
        return NULL;
    }
    if (p->filesz > p->memsz || p->offset > img->size || p->filesz > img->size - p->offset) {
        return "a segment's file contents lie outside the file";
    }
    if (p->vaddr >= user_top || p->memsz > user_top - p->vaddr || p->vaddr < 4096) {
        return "a segment lies outside the user address range";
    }
    return NULL;
}

const char *elf_check(struct elf_image *img, const void *bytes, uint64_t size, uint16_t machine,
                      uint64_t user_top)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    const struct elf64_header *h = bytes;
    *img = (struct elf_image){bytes, size, h};
    if (size < sizeof(*h) || memcmp(h->ident, magic, 4) != 0) {
        return "not an ELF file";
    }
    if (h->ident[4] != 2 || h->ident[5] != 1) {
        return "not a little-endian ELF64 file";
    }
    if (h->type != ELF_TYPE_EXEC || h->machine != machine) {
        return "not a static executable for this machine";
    }
    if (h->phentsize != sizeof(struct elf64_phdr) || h->phoff > size ||
        (uint64_t)h->phnum * sizeof(struct elf64_phdr) > size - h->phoff) {
        return "program headers lie outside the file";
    }
    if (h->entry >= user_top) {
        return "entry point outside the user address range";
    }
    for (unsigned i = 0; i < h->phnum; i++) {
        const char *why = check_segment(img, elf_phdr(img, i), user_top);
        if (why != NULL) {
            return why;
        }
    }
    return NULL;
}
