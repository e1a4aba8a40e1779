/*
 * What mapping a frame for a device costs: FRAME_IO_MAP into an I/O space whose tables
 * exist, and FRAME_UNMAP of that mapping (the entry cleared and the IOMMU's context
 * cache and IOTLB invalidated through its registers). Needs QEMU's Intel VT-d unit
 * (`-device intel-iommu`, as bench/run-bench.sh boots this image); without one the
 * benchmark says so and is skipped. The root task has no ACPI parser: the unit's
 * registers are where QEMU's q35 puts them (init finds them in ACPI's DMAR table).
 */
#include "bench.h"

#include <bastion/rights.h>
#include <libbastion/iommu.h>
#include <libbastion/printf.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define ROOT_CNODE    ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define IRQ_CONTROL   ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define Q35_DMAR_REGS 0xfed90000ull
#define IOADDR        0x100000ull

static uint64_t map_s[BENCH_SAMPLES], unmap_s[BENCH_SAMPLES];

static inline uint64_t timestamp(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* A device frame cap for the page at `pa`, by halving the device untyped that holds it;
 * 0 if none does. */
static bst_cptr_t device_page(const struct bst_bootinfo *bi, uint64_t pa)
{
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        if (!d->is_device || pa < d->paddr || pa - d->paddr >= (1ull << d->size_bits))
            continue;
        bst_cptr_t cur = bi->untyped.start + i;
        uint64_t base = d->paddr;
        for (unsigned bits = d->size_bits; bits > 12; bits--) {
            bst_cptr_t halves = setup_slot();
            (void)setup_slot(); /* the second half's slot follows the first */
            if (bst_untyped_retype(cur, BST_OBJ_UNTYPED, bits - 1, ROOT_CNODE, halves, 2) != BST_OK)
                return 0;
            bool upper = pa >= base + (1ull << (bits - 1));
            cur = halves + (upper ? 1 : 0);
            base += upper ? 1ull << (bits - 1) : 0;
        }
        bst_cptr_t frame = setup_slot();
        return bst_untyped_retype(cur, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, frame, 1) == BST_OK ? frame
                                                                                            : 0;
    }
    return 0;
}

void bench_iommu(const struct bst_bootinfo *bi, uint64_t overhead)
{
    bst_cptr_t regs = device_page(bi, Q35_DMAR_REGS);
    bst_error_t e = regs ? bst_iommu_setup(IRQ_CONTROL, regs) : BST_FAILED_LOOKUP;
    if (e != BST_OK) {
        bst_printf("bench: iommu: no VT-d unit at 0x%lx (%s): map/unmap not measured\n",
                   (unsigned long)Q35_DMAR_REGS, bst_error_name(e));
        return;
    }
    bst_cptr_t space = setup_object(BST_OBJ_IOSPACE), frame = setup_object(BST_OBJ_FRAME_4K);
    for (int level = 0; level < 2; level++)
        if ((e = bst_iopt_map(setup_object(BST_OBJ_IOPT), space, IOADDR)) != BST_OK)
            setup_fail("iommu: IOPT_MAP", e);
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        uint64_t t0 = timestamp();
        e = bst_frame_io_map(frame, space, IOADDR, BST_RIGHT_READ | BST_RIGHT_WRITE);
        uint64_t t1 = timestamp();
        bst_error_t u = bst_frame_unmap(frame);
        uint64_t t2 = timestamp();
        if (e != BST_OK || u != BST_OK)
            setup_fail("iommu: map/unmap", e != BST_OK ? e : u);
        if (i >= BENCH_WARMUP) {
            map_s[i - BENCH_WARMUP] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
            unmap_s[i - BENCH_WARMUP] = t2 - t1 > overhead ? t2 - t1 - overhead : 0;
        }
    }
    bench_report("iommu.frame_io_map", map_s, overhead);
    bench_report("iommu.frame_io_unmap", unmap_s, overhead);
}
