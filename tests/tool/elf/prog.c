/* A tiny static program for the ELF tests: setvar targets of the right and wrong size. */
#include <stdint.h>

uintptr_t buf_vaddr = 1;
uintptr_t buf_paddr = 2;
uintptr_t dma_paddr;
uint32_t small_var = 3;

void _start(void)
{
    for (;;)
        buf_vaddr += buf_paddr + dma_paddr + small_var;
}
