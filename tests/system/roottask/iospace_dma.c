/*
 * DMA through an I/O space, driven by the root task itself: this suite boots QEMU with
 * an Intel VT-d unit (-device intel-iommu, registers at q35's 0xfed90000) and the edu
 * device at 00:10.0 (configuration space in q35's ECAM at 0xb0000000). The test sets the
 * unit up, maps a frame at an I/O address that is not its physical address and has the
 * device copy through it (so the translation is real), then checks that unmapping the
 * frame and deleting the space take the device's access away at once (its DMA is
 * blocked, the memory unchanged, the fault recorded), the errors that only a set-up
 * unit can give, and that an MSI line issued for one requester, or an IOAPIC pin, cannot
 * be raised by another device (interrupt remapping's requester check). init/tests/iommu does the
 * same through init and a driver PD.
 */
#include "roottask.h"

#include <bastion/vmattr.h>
#include <libbastion/cnode.h>
#include <libbastion/device.h>
#include <libbastion/ipc.h>
#include <libbastion/iommu.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define IRQ_CONTROL    ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define Q35_DMAR_REGS  0xfed90000ull
#define Q35_ECAM       0xb0000000ull
#define EDU            0x80u   /* 00:10.0 */
#define Q35_IOAPIC     0xff00u /* the requester id q35's IOAPIC sends with (ff:00.0) */
#define PIN_LINE       7u      /* an idle IOAPIC pin (nothing on q35 raises 7) */
#define EDU_CONFIG     (Q35_ECAM + ((uint64_t)EDU << 12))
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_COUNT  0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_BUFFER 0x40000u
#define DMA_START      1u
#define DMA_TO_RAM     2u
#define DMA_BYTES      0x800u
#define POLL_LIMIT     50000000u
#define IOADDR         0x7000000ull /* the frame's I/O address: not its physical one */
#define RW             (BST_RIGHT_READ | BST_RIGHT_WRITE)
#define MAX_PIECES     64

/* Device untyped pieces not yet used: the boot info's blocks, then the halves left over
 * when one is split to reach a page. */
static struct piece {
    bst_cptr_t cap;
    uint64_t base;
    unsigned bits;
} pieces[MAX_PIECES];
static unsigned n_pieces;

static void pieces_init(void)
{
    const struct bst_bootinfo *bi = env_bootinfo();
    for (uint64_t i = 0; i < bi->n_untyped && n_pieces < MAX_PIECES; i++)
        if (bi->untyped_list[i].is_device)
            pieces[n_pieces++] = (struct piece){bi->untyped.start + i, bi->untyped_list[i].paddr,
                                                bi->untyped_list[i].size_bits};
}

/* A device frame cap for the page at pa, halving the piece that holds it; 0 if none. */
static bst_cptr_t device_page(uint64_t pa)
{
    for (unsigned i = 0; i < n_pieces; i++) {
        struct piece p = pieces[i];
        if (pa < p.base || pa - p.base >= (1ull << p.bits))
            continue;
        pieces[i] = pieces[--n_pieces];
        for (; p.bits > 12; p.bits--) {
            bst_cptr_t lo = slot_alloc(), hi = slot_alloc();
            if (lo == 0 || hi != lo + 1 ||
                bst_untyped_retype(p.cap, BST_OBJ_UNTYPED, p.bits - 1, ROOT_CNODE, lo, 2) != BST_OK)
                return 0;
            uint64_t half = 1ull << (p.bits - 1);
            bool upper = pa >= p.base + half;
            if (n_pieces < MAX_PIECES)
                pieces[n_pieces++] =
                    (struct piece){upper ? lo : hi, upper ? p.base : p.base + half, p.bits - 1};
            p.cap = upper ? hi : lo;
            p.base += upper ? half : 0;
        }
        bst_cptr_t frame = slot_alloc();
        return frame != 0 && bst_untyped_retype(p.cap, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, frame, 1) ==
                                 BST_OK
                   ? frame
                   : 0;
    }
    return 0;
}

/* Map the device page at pa uncached at vaddr (tables present); NULL if it fails. */
static volatile uint8_t *map_device(uint64_t pa, uint64_t vaddr)
{
    bst_cptr_t f = device_page(pa);
    if (f == 0 || bst_frame_map(f, ROOT_VS, vaddr, BST_RIGHTS_RW, BST_CACHE_UC) != BST_OK)
        return NULL;
    return (volatile uint8_t *)(uintptr_t)vaddr;
}

static volatile uint8_t *edu;

static bool edu_dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
    *(volatile uint64_t *)(edu + EDU_DMA_SRC) = src;
    *(volatile uint64_t *)(edu + EDU_DMA_DST) = dst;
    *(volatile uint64_t *)(edu + EDU_DMA_COUNT) = DMA_BYTES;
    *(volatile uint64_t *)(edu + EDU_DMA_CMD) = DMA_START | cmd;
    for (unsigned polls = 0; polls < POLL_LIMIT; polls++)
        if (!(*(volatile uint64_t *)(edu + EDU_DMA_CMD) & DMA_START))
            return true;
    return false;
}

/* The device copies the frame's first half (I/O address IOADDR) into its buffer. */
static bool edu_read_first_half(void)
{
    return edu_dma(IOADDR, EDU_DMA_BUFFER, 0);
}

/* The device writes its buffer into the frame's second half (IOADDR + 0x800). */
static bool edu_write_second_half(void)
{
    return edu_dma(EDU_DMA_BUFFER, IOADDR + DMA_BYTES, DMA_TO_RAM);
}

static bool bytes_are(const volatile uint8_t *p, uint8_t b)
{
    for (unsigned i = 0; i < DMA_BYTES; i++)
        if (p[i] != b)
            return false;
    return true;
}

/* edu's MSI capability in its configuration page: its offset, 0 if none. */
static unsigned msi_cap(volatile uint8_t *cfg)
{
    unsigned cap = cfg[0x34] & 0xfc;
    for (unsigned hops = 0; cap != 0 && hops < 16 && cfg[cap] != 0x05; hops++)
        cap = cfg[cap + 1] & 0xfc;
    return cap;
}

/* Program edu's MSI (64-bit capability) with m and enable it. */
static void msi_program(volatile uint8_t *cfg, unsigned cap, const struct bst_msi_message *m)
{
    *(volatile uint32_t *)(cfg + cap + 4) = (uint32_t)m->address;
    *(volatile uint32_t *)(cfg + cap + 8) = (uint32_t)(m->address >> 32);
    *(volatile uint16_t *)(cfg + cap + 12) = (uint16_t)m->data;
    *(volatile uint16_t *)(cfg + cap + 2) |= 1; /* enable, one message */
}

/* Raise edu's interrupt, wait (bounded) for the notification, acknowledge the device. */
static uint64_t msi_raise(bst_cptr_t ntfn)
{
    *(volatile uint32_t *)(edu + 0x60) = 1;
    uint64_t word = 0;
    for (unsigned i = 0; i < 200000u && word == 0; i++) {
        (void)*(volatile uint32_t *)(edu + 0x24);
        if (bst_poll(ntfn, &word) != BST_OK)
            return 0;
    }
    *(volatile uint32_t *)(edu + 0x64) = 1;
    return word;
}

/* With interrupt remapping the message of an MSI line issued for edu arrives; one issued
 * for another requester (00:11.0), programmed into edu, is blocked by the requester
 * check; a requester id above 16 bits is refused. */
static void check_msi_requester(volatile uint8_t *cfg)
{
    unsigned cap = msi_cap(cfg);
    CHECK(cap != 0, "edu has no MSI capability");
    bst_cptr_t ntfn, mine = slot_alloc(), theirs = slot_alloc(), bad = slot_alloc();
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    struct bst_msi_message m, other;
    CHECK_ERR(bst_irq_control_get_msi_for(IRQ_CONTROL, ROOT_CNODE, bad, 0x10000, &m),
              BST_RANGE_ERROR);
    CHECK_OK(bst_irq_control_get_msi_for(IRQ_CONTROL, ROOT_CNODE, mine, EDU, &m));
    CHECK_OK(bst_irq_control_get_msi_for(IRQ_CONTROL, ROOT_CNODE, theirs, 0x88, &other));
    CHECK(m.address & (1u << 4), "a remappable MSI address with remapping on (%#lx)",
          (unsigned long)m.address);
    bst_cptr_t badged = slot_alloc();
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, 1));
    CHECK_OK(bst_irq_handler_set_notification(mine, badged));
    CHECK_OK(bst_irq_handler_set_notification(theirs, badged));
    msi_program(cfg, cap, &m);
    CHECK(msi_raise(ntfn) != 0, "edu's MSI, issued for it, did not arrive");
    CHECK_OK(bst_irq_handler_ack(mine));
    msi_program(cfg, cap, &other);
    uint64_t word = msi_raise(ntfn);
    CHECK(word == 0, "edu raised the MSI issued for 00:11.0 (word %#lx)", (unsigned long)word);
    /* Nor can it name an IOAPIC pin's entry: those accept the IOAPIC only. */
    struct bst_msi_message pin = {.address = 0xfee00000u | (PIN_LINE << 5) | (1u << 4)};
    bst_cptr_t pit = slot_alloc();
    CHECK_OK(bst_irq_control_get_ioapic(IRQ_CONTROL, PIN_LINE, 0, 0, ROOT_CNODE, pit));
    CHECK_OK(bst_irq_handler_set_notification(pit, badged));
    CHECK_OK(bst_irq_handler_ack(pit)); /* unmasked: a message through its entry would land */
    msi_program(cfg, cap, &pin);
    word = msi_raise(ntfn);
    CHECK(word == 0, "edu raised the IOAPIC pin's vector (word %#lx)", (unsigned long)word);
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, pit, BST_ROOT_DEPTH));
    msi_program(cfg, cap, &m);
    CHECK(msi_raise(ntfn) != 0, "edu's own MSI did not arrive again");
    *(volatile uint16_t *)(cfg + cap + 2) &= (uint16_t)~1u; /* MSI off */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, mine, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, theirs, BST_ROOT_DEPTH));
}

#define LARGE_IOADDR 0x8000000ull /* 2 MiB aligned, under the same level-2 table as IOADDR */

/* Map a 2 MiB frame for the device at LARGE_IOADDR and, for the root task, at `vaddr`
 * (2 MiB aligned, its L3 and L2 tables present); have edu write into its second page. */
static void check_large_page(bst_cptr_t space, uint64_t vaddr)
{
    bst_cptr_t big, io_big, t4k, iopt;
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_2M, 0, &big));
    CHECK_OK(cap_copy(big, BST_RIGHTS_ALL, &io_big));
    CHECK_OK(bst_frame_map(big, ROOT_VS, vaddr, BST_RIGHTS_RW, 0));
    volatile uint8_t *page = (volatile uint8_t *)(uintptr_t)(vaddr + PAGE_SIZE);
    for (unsigned i = 0; i < DMA_BYTES; i++)
        page[i] = 0;
    CHECK_ERR(bst_frame_io_map(io_big, space, LARGE_IOADDR + PAGE_SIZE, RW), BST_ALIGNMENT_ERROR);
    CHECK_OK(bst_frame_io_map(io_big, space, LARGE_IOADDR, RW));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &t4k));
    CHECK_ERR(bst_frame_io_map(t4k, space, LARGE_IOADDR, RW), BST_SLOT_OCCUPIED);
    CHECK_OK(obj_alloc(BST_OBJ_IOPT, 0, &iopt));
    CHECK_ERR(bst_iopt_map(iopt, space, LARGE_IOADDR), BST_SLOT_OCCUPIED);
    CHECK(edu_dma(EDU_DMA_BUFFER, LARGE_IOADDR + PAGE_SIZE, DMA_TO_RAM), "edu's DMA stalled");
    bool landed = false;
    for (unsigned i = 0; i < DMA_BYTES && !landed; i++)
        landed = page[i] != 0;
    CHECK(landed, "edu's write through the 2 MiB I/O page did not land in the frame");
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, io_big, BST_ROOT_DEPTH)); /* unmapped with it */
    /* The 2 MiB entry is gone, and no L1 table is there. */
    CHECK_ERR(bst_frame_io_map(t4k, space, LARGE_IOADDR, RW), BST_FAILED_LOOKUP);
}

void test_devices_iospace_dma(void)
{
    pieces_init();
    bst_cptr_t regs = device_page(Q35_DMAR_REGS);
    CHECK(regs != 0, "no device frame at the VT-d unit's registers (0x%lx)",
          (unsigned long)Q35_DMAR_REGS);
    CHECK_ERR(bst_iommu_setup_ioapic(IRQ_CONTROL, regs, 0x10000), BST_RANGE_ERROR);
    CHECK_OK(bst_iommu_setup_ioapic(IRQ_CONTROL, regs, Q35_IOAPIC));
    CHECK_ERR(bst_iommu_setup(IRQ_CONTROL, regs), BST_ILLEGAL_OPERATION); /* once only */

    /* edu: its configuration page, memory decoding and bus mastering, BAR 0. */
    uint64_t base = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t)); /* L3, L2, L1: base's first 2 MiB */
    volatile uint8_t *cfg = map_device(EDU_CONFIG, base);
    CHECK(cfg != NULL, "cannot map edu's configuration page");
    CHECK(*(volatile uint32_t *)cfg == 0x11e81234u, "no edu device at 00:10.0 (id %#x)",
          *(volatile uint32_t *)cfg);
    uint64_t bar = *(volatile uint32_t *)(cfg + 0x10) & ~0xfull;
    *(volatile uint16_t *)(cfg + 4) |= 6; /* memory decoding, bus mastering */
    edu = map_device(bar, base + PAGE_SIZE);
    CHECK(edu != NULL, "cannot map edu's BAR 0 at %#lx", (unsigned long)bar);

    /* A RAM frame seen by the root task at base + 2 pages and by the device at IOADDR. */
    bst_cptr_t frame, io_frame, space, l2, l1;
    CHECK_OK(frame_alloc_map(ROOT_VS, base + 2 * PAGE_SIZE, BST_RIGHTS_RW, 0, &frame));
    CHECK_OK(cap_copy(frame, BST_RIGHTS_ALL, &io_frame));
    volatile uint8_t *mem = (volatile uint8_t *)(uintptr_t)(base + 2 * PAGE_SIZE);
    for (unsigned i = 0; i < DMA_BYTES; i++) {
        mem[i] = (uint8_t)(i * 13 + 1);
        mem[DMA_BYTES + i] = 0;
    }
    CHECK_OK(obj_alloc(BST_OBJ_IOSPACE, 0, &space));
    CHECK_OK(obj_alloc(BST_OBJ_IOPT, 0, &l2));
    CHECK_OK(obj_alloc(BST_OBJ_IOPT, 0, &l1));
    CHECK_ERR(bst_frame_io_map(io_frame, space, IOADDR, RW), BST_FAILED_LOOKUP); /* no tables */
    CHECK_OK(bst_iopt_map(l2, space, IOADDR));
    CHECK_OK(bst_iopt_map(l1, space, IOADDR));
    bst_cptr_t l0;
    CHECK_OK(obj_alloc(BST_OBJ_IOPT, 0, &l0));
    CHECK_ERR(bst_iopt_map(l0, space, IOADDR), BST_SLOT_OCCUPIED); /* every level has one */
    CHECK_OK(bst_frame_io_map(io_frame, space, IOADDR, RW));
    bst_cptr_t again;
    CHECK_OK(cap_copy(frame, BST_RIGHTS_ALL, &again));
    CHECK_ERR(bst_frame_io_map(again, space, IOADDR, RW), BST_SLOT_OCCUPIED);

    /* Assignment: bus 0 only, one space per function, the same space again is fine. */
    CHECK_ERR(bst_iospace_assign(space, IRQ_CONTROL, 0x180), BST_RANGE_ERROR);
    CHECK_OK(bst_iospace_assign(space, IRQ_CONTROL, EDU));
    CHECK_OK(bst_iospace_assign(space, IRQ_CONTROL, EDU));
    bst_cptr_t other;
    CHECK_OK(obj_alloc(BST_OBJ_IOSPACE, 0, &other));
    CHECK_ERR(bst_iospace_assign(other, IRQ_CONTROL, EDU), BST_SLOT_OCCUPIED);

    /* Through the translation: the frame's first half, via edu, lands in its second. */
    CHECK(edu_read_first_half() && edu_write_second_half(), "edu's DMA did not complete");
    for (unsigned i = 0; i < DMA_BYTES; i++)
        CHECK(mem[DMA_BYTES + i] == (uint8_t)(i * 13 + 1),
              "byte %u of the copy through I/O address %#lx is %#x", i, (unsigned long)IOADDR,
              mem[DMA_BYTES + i]);
    struct bst_io_fault f;
    CHECK_OK(bst_iospace_read_fault(space, &f));
    CHECK(f.count == 0, "%lu faults before any was caused", (unsigned long)f.count);

    /* Unmapped: the device's next write is blocked and recorded, the memory unchanged. */
    for (unsigned i = 0; i < DMA_BYTES; i++)
        mem[DMA_BYTES + i] = 0x5a;
    CHECK_OK(bst_frame_unmap(io_frame));
    CHECK(edu_write_second_half(), "edu's DMA did not complete");
    CHECK(bytes_are(mem + DMA_BYTES, 0x5a), "the device wrote a frame unmapped from its space");
    CHECK_OK(bst_iospace_read_fault(space, &f));
    CHECK(f.count == 1 && f.address == IOADDR && f.source_id == EDU &&
              (f.reason & BST_IO_FAULT_WRITE),
          "fault record: count %lu address %#lx source %#lx reason %#lx", (unsigned long)f.count,
          (unsigned long)f.address, (unsigned long)f.source_id, (unsigned long)f.reason);

    /* Mapped again, read-only for the device now: its write is blocked and recorded. (The
     * write goes first: QEMU 7.2 reports a permission fault only from a table walk, not
     * when a read has left the translation in its IOTLB, though it blocks the write.) */
    CHECK_OK(bst_frame_io_map(io_frame, space, IOADDR, BST_RIGHT_READ));
    CHECK(edu_write_second_half() && edu_read_first_half(), "edu's DMA did not complete");
    CHECK(bytes_are(mem + DMA_BYTES, 0x5a), "the device wrote a frame mapped read-only");
    CHECK_OK(bst_iospace_read_fault(space, &f));
    CHECK(f.count == 2, "the read-only write made %lu faults in all, not 2",
          (unsigned long)f.count);

    /* A 2 MiB frame at a 2 MiB I/O address in the same level-2 table: the device writes
     * into it; nothing else can go under it. */
    check_large_page(space, base + LARGE_PAGE_SIZE);

    /* Deleting the frame cap that made the mapping takes it away too. */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, io_frame, BST_ROOT_DEPTH));
    CHECK_OK(bst_frame_io_map(again, space, IOADDR, RW));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, again, BST_ROOT_DEPTH));
    CHECK(edu_write_second_half(), "edu's DMA did not complete");
    CHECK(bytes_are(mem + DMA_BYTES, 0x5a), "the device wrote through a deleted frame cap");

    /* Deleting the space unassigns the device: blocked; another space can have it then. */
    CHECK_OK(cap_copy(frame, BST_RIGHTS_ALL, &io_frame));
    CHECK_OK(bst_frame_io_map(io_frame, space, IOADDR, RW));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, space, BST_ROOT_DEPTH));
    CHECK(edu_write_second_half(), "edu's DMA did not complete");
    CHECK(bytes_are(mem + DMA_BYTES, 0x5a), "the device wrote after its space was deleted");
    CHECK_OK(bst_iospace_assign(other, IRQ_CONTROL, EDU));
    CHECK_OK(bst_iopt_unmap(l1)); /* its space is gone: only emptied */
    CHECK_OK(bst_frame_unmap(io_frame));
    check_msi_requester(cfg);
    *(volatile uint16_t *)(cfg + 4) &= (uint16_t)~4u; /* bus mastering off again */
}
