/*
 * The cost of a domain switch (thread/domain.c) with each time protection on its own and
 * together: domain_check() entering the next slot of a two-slot schedule, in counter
 * cycles. Under QEMU's TCG the L1D flush and IBPB are absent (the CPU does not offer
 * them: arch/timeprot.c skips them and says so at boot), so their figures are the
 * skip's, and WBINVD costs one instruction because TCG models no caches; on hardware
 * each is the real flush. "pad_overhead" is the padded switch's own work (taking pending
 * interrupts, the late check) with the boundary already reached: the pad's wait itself is
 * the pad, chosen by the schedule, not a cost of the switch.
 *
 * "kimage" switches enter a domain that runs on its own copy of the kernel image
 * (vm/kimage.h): the switch rewrites the kernel PDPT entry, flushes the TLB, global
 * entries too, and points the next entries from user at the copy's kernel stack. The copy's tables
 * here are built in the kernel's bss (its pages are the shared ones: what the switch does does not
 * depend on where the pages lie).
 */
#include <bastion/domain.h>
#include <kbench.h>
#include <thread/domain.h>
#include <arch/kimage.h>
#include <arch/paging.h>
#include <timer.h>
#include <vm/kimage.h>

#define SLOT_TICKS 1000000

/* Install a two-slot schedule whose first slot (flush `flush`, pad `pad`) has just ended,
 * then time the switch out of it. */
static uint64_t switch_sample(unsigned flush, uint64_t pad)
{
    struct domain_slot slots[2] = {
        {.domain = 0, .flush = (uint8_t)flush, .length = SLOT_TICKS, .pad = pad},
        {.domain = 1, .length = SLOT_TICKS},
    };
    domain_set_schedule(slots, 2, arch_counter_read() - SLOT_TICKS);
    uint64_t at = domain_state.switch_at;
    uint64_t t = kbench_start();
    domain_check(at);
    uint64_t c = kbench_stop(t);
    domain_set_schedule(NULL, 0, 0);
    return c;
}

KBENCH(domain, switch_none)
{
    return switch_sample(0, 0);
}

KBENCH(domain, switch_tlb)
{
    return switch_sample(BST_DOMAIN_FLUSH_TLB, 0);
}

KBENCH(domain, switch_l1d)
{
    return switch_sample(BST_DOMAIN_FLUSH_L1D, 0);
}

KBENCH(domain, switch_ibpb)
{
    return switch_sample(BST_DOMAIN_FLUSH_IBPB, 0);
}

KBENCH(domain, switch_wbinvd)
{
    return switch_sample(BST_DOMAIN_FLUSH_WBINVD, 0);
}

KBENCH(domain, switch_core)
{
    return switch_sample(BST_DOMAIN_FLUSH_CORE, 0);
}

KBENCH(domain, switch_all)
{
    return switch_sample(BST_DOMAIN_FLUSH_ALL, 0);
}

KBENCH(domain, switch_pad_overhead)
{
    return switch_sample(0, 1000);
}

KBENCH(domain, switch_core_padded)
{
    return switch_sample(BST_DOMAIN_FLUSH_CORE, 1000);
}

static uint8_t bench_image[32768] __attribute__((aligned(32768)));

/* switch_sample() into domain 1 running on its own copy of the kernel image. */
static uint64_t kimage_sample(unsigned flush, uint64_t pad)
{
    if (arch_kimage_pages() == 0) {
        return 0; /* this kernel cannot copy its image (SMP) */
    }
    paddr_t obj = kernel_image_paddr(bench_image);
    arch_kimage_prepare(obj + 4096);
    paddr_t old = kimage_bench_bind(1, obj);
    uint64_t c = switch_sample(flush, pad);
    kimage_bench_bind(1, old);
    return c;
}

KBENCH(domain, switch_kimage)
{
    return kimage_sample(0, 0);
}

KBENCH(domain, switch_kimage_core)
{
    return kimage_sample(BST_DOMAIN_FLUSH_CORE, 0);
}

KBENCH(domain, switch_kimage_core_padded)
{
    return kimage_sample(BST_DOMAIN_FLUSH_CORE, 1000);
}
