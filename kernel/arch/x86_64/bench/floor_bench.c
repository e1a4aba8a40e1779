/*
 * The hardware floor on x86_64: what the CPU itself charges for the steps every kernel
 * entry and address-space switch is made of, measured with the same harness as the
 * kernel's own operations so the two can be compared.
 */
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/trap.h>
#include <kbench.h>

/* A software interrupt through the IDT, the common entry path and IRETQ. */
KBENCH(x86, trap_roundtrip)
{
    uint64_t t = kbench_start();
    __asm__ volatile("int %0" : : "i"(VEC_BENCH) : "memory");
    return kbench_stop(t);
}

/* Reloading CR3 with its own value: the cost of an address-space switch without PCID
 * (it flushes every non-global TLB entry). */
KBENCH(x86, cr3_reload)
{
    uint64_t cr3 = read_cr3();
    uint64_t t = kbench_start();
    write_cr3(cr3);
    return kbench_stop(t);
}

/* An address-space switch pair: CR3 to the kernel's own tables and back. */
KBENCH(x86, address_space_switch_pair)
{
    uint64_t cr3 = read_cr3(), other = paging_kernel_root();
    uint64_t t = kbench_start();
    write_cr3(other);
    write_cr3(cr3);
    return kbench_stop(t);
}
