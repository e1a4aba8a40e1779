/*
 * The kernel the system boots with (--kernel): what the tool needs of it. A coloured
 * domain runs its own copy of the kernel's code and read-only data, which init makes
 * from the domain's colours (docs/kernel.md, "The kernel image per domain"), so the
 * tool counts it in the domain's colours (colour_fit.h).
 */
#ifndef BASTION_TOOL_KERNEL_ELF_H
#define BASTION_TOOL_KERNEL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The pages of a copy of the kernel image: from _kernel_text_start to
 * _kernel_rodata_end of the kernel ELF at `path` (page-aligned, as the kernel's linker
 * script places them). On failure returns false and writes into `why` a sentence that
 * says what is wrong.
 */
bool kernel_elf_copy_pages(const char *path, uint64_t *pages, char *why, size_t why_size);

#endif
