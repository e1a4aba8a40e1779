/*
 * I/O address spaces, generically (vm/iospace.h): identifiers, the mapping records in
 * frame and IOPT caps, the invocations (decode everything, then perform), and the DMA
 * faults each space has seen. The IOMMU's tables and registers are the architecture's.
 */
#include <bastion/vmattr.h>
#include <ipc/ipc.h>
#include <kprintf.h>
#include <syscall/invocation.h>
#include <vm/iospace.h>

#define ID_SHIFT     48
#define ID_MASK      (IOSPACE_MAX_IDS - 1ull)
#define LEVEL_SHIFT  56
#define LEVEL_MASK   3ull
#define IOADDR_MASK  (BIT(ID_SHIFT) - 1)
#define IR_REASONS   0x20 /* VT-d reason codes from here on are interrupt remapping's */
#define FAULTS_SHOWN 16   /* the console shows this many faults; later ones are only counted */

_Static_assert((IOSPACE_MAX_IDS & (IOSPACE_MAX_IDS - 1)) == 0, "ids fit a mask");
_Static_assert(ID_SHIFT + 6 <= LEVEL_SHIFT && LEVEL_SHIFT + 2 <= 62, "record fields apart");

struct iospace_state {
    paddr_t root; /* the IOSPACE's table; 0: the identifier is free */
    uint64_t generation;
    struct notification *ntfn; /* signalled on each fault, if bound */
    uint64_t badge;
    uint64_t faults; /* since the space got its identifier */
    uint64_t fault_addr, fault_source, fault_reason;
};

static struct iospace_state spaces[IOSPACE_MAX_IDS]; /* id 0 is never given */
static uint64_t next_generation = 1;
static uint64_t faults_total;

/* The identifier of the space whose table is `root`, 0 if it has none. */
static unsigned id_of_root(paddr_t root)
{
    for (unsigned id = 1; id < IOSPACE_MAX_IDS; id++) {
        if (spaces[id].root == root) {
            return id;
        }
    }
    return 0;
}

/* Give the space an identifier on first use. Errors: NOT_ENOUGH_MEMORY (all in use). */
static bst_error_t prepare(const struct cap *space, unsigned *id_out)
{
    unsigned id = id_of_root(space->paddr);
    for (unsigned i = 1; id == 0 && i < IOSPACE_MAX_IDS; i++) {
        if (spaces[i].root == 0) {
            spaces[i] =
                (struct iospace_state){.root = space->paddr, .generation = next_generation++};
            id = i;
        }
    }
    *id_out = id;
    return id != 0 ? BST_OK : BST_NOT_ENOUGH_MEMORY;
}

static void record(struct cap *c, unsigned id, uint64_t ioaddr, unsigned level)
{
    c->u.raw[0] = CAP_IO_MAPPED | ((uint64_t)id << ID_SHIFT) | ((uint64_t)level << LEVEL_SHIFT) |
                  (ioaddr & IOADDR_MASK & ~0xfffull);
    c->u.raw[1] = spaces[id].generation;
}

/* The table of the space the cap's record names, 0 if none or that space is gone. */
static paddr_t recorded_root(const struct cap *c)
{
    if (!cap_is_io_mapped(c)) {
        return 0;
    }
    unsigned id = (unsigned)((c->u.raw[0] >> ID_SHIFT) & ID_MASK);
    return spaces[id].generation == c->u.raw[1] ? spaces[id].root : 0;
}

void iospace_unmap_cap(struct cap *c)
{
    paddr_t root = recorded_root(c);
    uint64_t ioaddr = c->u.raw[0] & IOADDR_MASK;
    unsigned level = (unsigned)((c->u.raw[0] >> LEVEL_SHIFT) & LEVEL_MASK);
    if (root != 0 && cap_type(c) == BST_OBJ_IOPT) {
        arch_iopt_unmap(root, c->paddr, ioaddr, level);
    } else if (root != 0) {
        arch_io_frame_unmap(root, c->paddr, level, ioaddr);
    }
    if (cap_type(c) == BST_OBJ_IOPT && cap_is_io_mapped(c)) {
        arch_iopt_clear(c->paddr); /* mapped again, it shows nothing of its old place */
    }
    c->u.raw[0] = c->u.raw[1] = 0;
}

void iospace_finalise(const struct cap *cap)
{
    unsigned id = id_of_root(cap->paddr);
    if (arch_iommu_enabled()) {
        arch_iommu_unassign_root(cap->paddr);
    }
    if (id != 0) {
        spaces[id] = (struct iospace_state){0};
    }
}

void iospace_forget_notification(const struct notification *n)
{
    for (unsigned id = 1; id < IOSPACE_MAX_IDS; id++) {
        if (spaces[id].ntfn == n) {
            spaces[id].ntfn = NULL;
        }
    }
}

uint64_t iospace_fault_total(void)
{
    return faults_total;
}

void iospace_fault(uint64_t source_id, uint64_t addr, uint64_t reason)
{
    paddr_t root = arch_iommu_assigned_root(source_id);
    unsigned id = root != 0 ? id_of_root(root) : 0;
    if (faults_total++ < FAULTS_SHOWN) {
        kprintf("iommu: DMA fault: PCI %02lx:%02lx.%lx %s at I/O address %#lx blocked (reason "
                "%#lx, I/O space %u)\n",
                (unsigned long)(source_id >> 8), (unsigned long)((source_id >> 3) & 0x1f),
                (unsigned long)(source_id & 7),
                (reason & 0xff) >= IR_REASONS   ? "interrupt request"
                : (reason & BST_IO_FAULT_WRITE) ? "write"
                                                : "read",
                (unsigned long)addr, (unsigned long)(reason & 0xff), id);
    }
    if (id == 0) {
        return; /* a function no space holds: blocked, counted, nobody to tell */
    }
    struct iospace_state *s = &spaces[id];
    s->faults++;
    s->fault_addr = addr;
    s->fault_source = source_id;
    s->fault_reason = reason;
    if (s->ntfn != NULL) {
        notification_signal(s->ntfn, s->badge);
    }
}

/* An IOSPACE cap argument with the write right (the right to change what it maps). */
static bst_error_t decode_space(struct invocation *inv, unsigned arg, struct cte **out)
{
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, arg), BST_OBJ_IOSPACE, out);
    if (e != BST_OK) {
        return e;
    }
    return ((*out)->cap.rights & BST_RIGHT_WRITE) ? BST_OK : BST_INSUFFICIENT_RIGHTS;
}

/* IOSPACE_ASSIGN: MR0 IRQ control cap (authority over devices), MR1 source id. */
static bst_error_t iospace_assign(struct invocation *inv, const struct cap *space)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *control;
    bst_error_t e =
        invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_IRQ_CONTROL, &control);
    if (e != BST_OK) {
        return e;
    }
    uint64_t source = invocation_arg(inv, 1);
    if (!(space->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (!arch_iommu_enabled()) {
        return BST_ILLEGAL_OPERATION; /* no DMA remapping: nothing can be confined */
    }
    if (source > 0xffff || !arch_iommu_source_valid(source)) {
        return BST_RANGE_ERROR;
    }
    paddr_t now = arch_iommu_assigned_root(source);
    if (now == space->paddr) {
        return BST_OK;
    }
    if (now != 0) {
        return BST_SLOT_OCCUPIED; /* another space has it: delete that space first */
    }
    unsigned id;
    e = prepare(space, &id);
    if (e != BST_OK) {
        return e;
    }
    arch_iommu_assign(source, space->paddr, id);
    return BST_OK;
}

static bst_error_t iospace_set_notification(struct invocation *inv, const struct cap *space)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *slot;
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_NOTIFICATION, &slot);
    if (e != BST_OK) {
        return e;
    }
    if (!(slot->cap.rights & BST_RIGHT_WRITE) || !(space->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    unsigned id;
    e = prepare(space, &id);
    if (e != BST_OK) {
        return e;
    }
    spaces[id].ntfn = notification_of(&slot->cap);
    spaces[id].badge = cap_badge(&slot->cap);
    return BST_OK;
}

/* IOSPACE_READ_FAULT: MR0 faults so far, MR1 the last one's I/O address, MR2 its
 * source id, MR3 its reason (bit 8: a write). All 0 before the first. */
static bst_error_t iospace_read_fault(struct invocation *inv, const struct cap *space)
{
    if (!(space->rights & BST_RIGHT_READ)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    unsigned id = id_of_root(space->paddr);
    struct iospace_state none = {0};
    const struct iospace_state *s = id != 0 ? &spaces[id] : &none;
    invocation_reply(inv, 0, s->faults);
    invocation_reply(inv, 1, s->fault_addr);
    invocation_reply(inv, 2, s->fault_source);
    invocation_reply(inv, 3, s->fault_reason);
    return BST_OK;
}

bst_error_t iospace_invoke(struct invocation *inv)
{
    const struct cap *space = &inv->slot->cap;
    switch (inv->label) {
    case BST_INV_IOSPACE_ASSIGN:
        return iospace_assign(inv, space);
    case BST_INV_IOSPACE_SET_NOTIFICATION:
        return iospace_set_notification(inv, space);
    case BST_INV_IOSPACE_READ_FAULT:
        return iospace_read_fault(inv, space);
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* IOPT_MAP: MR0 IOSPACE cap, MR1 I/O address. */
static bst_error_t iopt_map(struct invocation *inv, struct cap *table)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(inv, 0, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t ioaddr = invocation_arg(inv, 1);
    if (ioaddr >= arch_iospace_limit()) {
        return BST_INVALID_ARGUMENT;
    }
    if (cap_is_io_mapped(table)) {
        return BST_ILLEGAL_OPERATION; /* one table, one place: unmap it first */
    }
    if (!arch_iommu_enabled()) {
        return BST_ILLEGAL_OPERATION; /* no DMA remapping: the table format is not known */
    }
    unsigned id, level = 0;
    e = prepare(&space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    e = arch_iopt_map(space->cap.paddr, table->paddr, ioaddr, &level);
    if (e == BST_OK) {
        record(table, id, ioaddr, level);
    }
    return e;
}

bst_error_t iopt_invoke(struct invocation *inv)
{
    struct cap *table = &inv->slot->cap;
    switch (inv->label) {
    case BST_INV_IOPT_MAP:
        return iopt_map(inv, table);
    case BST_INV_IOPT_UNMAP:
        iospace_unmap_cap(table);
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* FRAME_IO_MAP: MR0 IOSPACE cap, MR1 I/O address, MR2 rights (the device's). A 4 KiB
 * frame, or a 2 MiB one where the unit has large pages. */
static bst_error_t frame_io_map(struct invocation *inv, struct cap *frame)
{
    if (inv->length < 3) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(inv, 0, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t ioaddr = invocation_arg(inv, 1), rights = invocation_arg(inv, 2);
    unsigned page_level = cap_type(frame) == BST_OBJ_FRAME_2M ? 1 : 0;
    if (cap_type(frame) != BST_OBJ_FRAME_4K &&
        !(cap_type(frame) == BST_OBJ_FRAME_2M && arch_iommu_large_pages())) {
        return BST_ILLEGAL_OPERATION; /* 1 GiB, or 2 MiB on a unit without large pages */
    }
    if (cap_is_device(frame) || (rights & ~(uint64_t)(BST_RIGHT_READ | BST_RIGHT_WRITE)) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if (!IS_ALIGNED(ioaddr, cap_obj_size(frame))) {
        return BST_ALIGNMENT_ERROR;
    }
    if (ioaddr >= arch_iospace_limit()) {
        return BST_INVALID_ARGUMENT; /* aligned below a power of two: the page fits too */
    }
    if (cap_is_bound(frame)) {
        return BST_ILLEGAL_OPERATION; /* one cap, one mapping: copy the cap to map twice */
    }
    rights &= frame->rights;
    if (rights == 0) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (!arch_iommu_enabled()) {
        return BST_ILLEGAL_OPERATION; /* no DMA remapping: the table format is not known */
    }
    unsigned id;
    e = prepare(&space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    e = arch_io_frame_map(space->cap.paddr, frame->paddr, page_level, ioaddr, rights);
    if (e == BST_OK) {
        record(frame, id, ioaddr, page_level);
    }
    return e;
}

bst_error_t iospace_frame_invoke(struct invocation *inv)
{
    struct cap *frame = &inv->slot->cap;
    if (inv->label == BST_INV_FRAME_IO_MAP) {
        return frame_io_map(inv, frame);
    }
    iospace_unmap_cap(frame); /* FRAME_UNMAP of a frame mapped for a device */
    return BST_OK;
}

/* IOMMU_SETUP (on IRQ control): MR0 a device FRAME_4K cap of the unit's register page,
 * optionally MR1 the IOAPIC's requester id (the only sender of the pins' interrupts). */
bst_error_t iommu_setup_invoke(struct invocation *inv)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *regs;
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_FRAME_4K, &regs);
    if (e != BST_OK) {
        return e;
    }
    uint64_t ioapic = inv->length >= 2 ? invocation_arg(inv, 1) : IOMMU_ANY_SOURCE;
    if (inv->length >= 2 && ioapic > 0xffff) {
        return BST_RANGE_ERROR;
    }
    if (!cap_is_device(&regs->cap)) {
        return BST_INVALID_ARGUMENT; /* registers are device memory, never RAM */
    }
    return arch_iommu_setup(regs->cap.paddr, ioapic);
}
