/*
 * The kernel the system boots with (kernel_elf.h).
 */
#include "kernel_elf.h"

#include "elf_image.h"

#include <inttypes.h>
#include <stdio.h>

#define KERNEL_PAGE      4096u
#define KERNEL_PAGES_MAX 65536u /* 256 MiB of code: no kernel of this project comes near */

bool kernel_elf_copy_pages(const char *path, uint64_t *pages, char *why, size_t why_size)
{
    struct elf_image *img = elf_image_load(path, why, why_size);
    if (!img)
        return false;
    const struct elf_symbol *start = elf_find_symbol(img, "_kernel_text_start");
    const struct elf_symbol *end = elf_find_symbol(img, "_kernel_rodata_end");
    bool ok = false;
    if (!start || !end)
        snprintf(why, why_size,
                 "it has no symbols _kernel_text_start and _kernel_rodata_end; is it the "
                 "Bastion kernel's ELF (bastion.elf, not bastion.bin), not stripped?");
    else if (start->value >= end->value || start->value % KERNEL_PAGE || end->value % KERNEL_PAGE ||
             (end->value - start->value) / KERNEL_PAGE > KERNEL_PAGES_MAX)
        snprintf(why, why_size,
                 "its code and read-only data (_kernel_text_start 0x%" PRIx64
                 " to _kernel_rodata_end 0x%" PRIx64 ") are not a run of whole pages",
                 start->value, end->value);
    else {
        *pages = (end->value - start->value) / KERNEL_PAGE;
        ok = true;
    }
    elf_image_free(img);
    return ok;
}
