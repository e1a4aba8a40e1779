/*
 * x86_64 system tests of the state the boot path leaves: protections on, page-table
 * invariants, the CPU features that must be honoured when present.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/paging.h>
#include <ktest.h>

KTEST(x86, protections)
{
    KTEST_CHECK(read_cr0() & CR0_WP, "CR0.WP is off");
    KTEST_CHECK(!cpu_features.nx || (rdmsr(MSR_EFER) & EFER_NXE), "NX present but EFER.NXE off");
    KTEST_CHECK(!cpu_features.smep || (read_cr4() & CR4_SMEP), "SMEP present but off");
    KTEST_CHECK(!cpu_features.smap || (read_cr4() & CR4_SMAP), "SMAP present but off");
}

KTEST(x86, page_tables)
{
    const char *problem = paging_check_invariants();
    KTEST_CHECK(problem == NULL, "%s", problem);
}

KTEST(x86, higher_half)
{
    extern char _kernel_text_start[];
    KTEST_CHECK((uint64_t)_kernel_text_start >= 0xffffffff80000000ull,
                "kernel text at %p, not in the top 2 GiB", (void *)_kernel_text_start);
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    KTEST_CHECK(rsp >= 0xffffffff80000000ull, "kernel stack at %#lx", rsp);
}
