/*
 * Page-table isolation (arch/kpti.h) as the boot path leaves it: the kernel's root pair
 * has a user view that maps exactly the shared pages, and the CPU is set up for the
 * mode chosen (the SYSCALL entry, the stack the CPU pushes on, global pages, PCIDs).
 * kernel-boot-tests.sh boots this group with isolation on and off.
 */
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/io.h>
#include <arch/kpti.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <ktest.h>

extern char syscall_entry[], syscall_entry_kpti[];

KTEST(x86, kpti_kernel_root_views)
{
    const char *problem = kpti_check_user_view(paging_kernel_root());
    KTEST_CHECK(problem == NULL, "%s", problem);
}

KTEST(x86, kpti_cpu_set_up)
{
    uint64_t lstar = rdmsr(MSR_LSTAR), rsp0 = arch_tss.tss.rsp[0];
    if (arch_kpti) {
        KTEST_CHECK(lstar == (uint64_t)syscall_entry_kpti, "LSTAR %#lx is not the isolation entry",
                    lstar);
        KTEST_CHECK(rsp0 == this_cpu()->entry_rsp, "TSS.RSP0 %#lx is not the entry stack", rsp0);
        KTEST_CHECK(!(read_cr4() & (CR4_PGE | CR4_PCIDE)), "global pages or PCIDs on");
    } else {
        KTEST_CHECK(lstar == (uint64_t)syscall_entry, "LSTAR %#lx is not the entry", lstar);
        KTEST_CHECK(rsp0 == this_cpu()->kernel_rsp, "TSS.RSP0 %#lx is not the kernel stack", rsp0);
        KTEST_CHECK(!cpu_features.pge || (read_cr4() & CR4_PGE), "global pages off");
    }
}
