/*
 * A tiny static program for the ELF tests: setvar targets of the right and wrong size,
 * and symbols that are no setvar targets (a static variable, a const one, a function).
 */
#include <stdint.h>

uintptr_t buf_vaddr = 1;
uintptr_t buf_paddr = 2;
uintptr_t dma_paddr;
uint32_t small_var = 3;
uint64_t net_mac = 7; /* <setvar>s: one in .data, two in .bss */
uint64_t net_ip;
uint64_t all_ones;
__attribute__((used)) static uint64_t local_var = 4;
const uint64_t ro_var = 5;

void _start(void)
{
    for (;;)
        buf_vaddr += buf_paddr + dma_paddr + small_var + net_mac + net_ip + all_ones + ro_var;
}
