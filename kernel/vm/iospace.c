/*
 * I/O address spaces, generically (vm/iospace.h): the second-level kind of DMA
 * remapping (vm/second_level.h does the rest), the invocations only I/O spaces have
 * (decode everything, then perform), and the DMA faults each space has seen. The
 * IOMMU's tables and registers are the architecture's.
 */
#include <bastion/vmattr.h>
#include <ipc/ipc.h>
#include <kprintf.h>
#include <syscall/invocation.h>
#include <vm/iospace.h>

#define IR_REASONS   0x20 /* VT-d reason codes from here on are interrupt remapping's */
#define FAULTS_SHOWN 16   /* the console shows this many faults; later ones are only counted */

/* What a space in use has besides its identifier: cleared when the identifier is
 * retired; entry 0 (no space) stays all 0. */
struct iospace_faults {
    struct notification *ntfn; /* signalled on each fault, if bound */
    uint64_t badge;
    uint64_t faults; /* since the space got its identifier */
    uint64_t fault_addr, fault_source, fault_reason;
};

static struct second_level_space spaces[SECOND_LEVEL_MAX_IDS]; /* id 0 is never given */
static struct iospace_faults space_faults[SECOND_LEVEL_MAX_IDS];
static uint64_t faults_total;

static uint64_t io_rights(const struct cap *frame, uint64_t rights)
{
    return rights & frame->rights;
}

/* A 4 KiB frame, or a 2 MiB one where the unit has large pages. */
static bool io_frame_ok(const struct cap *frame)
{
    return cap_type(frame) == BST_OBJ_FRAME_4K ||
           (cap_type(frame) == BST_OBJ_FRAME_2M && arch_iommu_large_pages());
}

static const struct second_level_kind iospace_kind = {
    .spaces = spaces,
    .format = &arch_iospace_format,
    .space_type = BST_OBJ_IOSPACE,
    .table_type = BST_OBJ_IOPT,
    .mark = CAP_IO_MAPPED,
    .recorded = cap_is_io_mapped,
    .available = arch_iommu_enabled,
    .limit = arch_iospace_limit,
    .map_rights = BST_RIGHT_READ | BST_RIGHT_WRITE,
    .frame_rights = io_rights,
    .frame_ok = io_frame_ok,
};

void iospace_unmap_cap(struct cap *c)
{
    second_level_unmap_cap(&iospace_kind, c);
}

void iospace_finalise(const struct cap *cap)
{
    if (arch_iommu_enabled()) {
        arch_iommu_unassign_root(cap->paddr);
    }
    space_faults[second_level_retire(&iospace_kind, cap)] = (struct iospace_faults){0};
}

void iospace_forget_notification(const struct notification *n)
{
    for (unsigned id = 1; id < SECOND_LEVEL_MAX_IDS; id++) {
        if (space_faults[id].ntfn == n) {
            space_faults[id].ntfn = NULL;
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
    unsigned id = root != 0 ? second_level_id_of_root(&iospace_kind, root) : 0;
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
    struct iospace_faults *s = &space_faults[id];
    s->faults++;
    s->fault_addr = addr;
    s->fault_source = source_id;
    s->fault_reason = reason;
    if (s->ntfn != NULL) {
        notification_signal(s->ntfn, s->badge);
    }
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
    e = second_level_prepare(&iospace_kind, space, &id);
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
    e = second_level_prepare(&iospace_kind, space, &id);
    if (e != BST_OK) {
        return e;
    }
    space_faults[id].ntfn = notification_of(&slot->cap);
    space_faults[id].badge = cap_badge(&slot->cap);
    return BST_OK;
}

/* IOSPACE_READ_FAULT: MR0 faults so far, MR1 the last one's I/O address, MR2 its
 * source id, MR3 its reason (bit 8: a write). All 0 before the first. */
static bst_error_t iospace_read_fault(struct invocation *inv, const struct cap *space)
{
    if (!(space->rights & BST_RIGHT_READ)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    const struct iospace_faults *s =
        &space_faults[second_level_id_of_root(&iospace_kind, space->paddr)]; /* 0: all 0 */
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

bst_error_t iopt_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_INV_IOPT_MAP:
        return second_level_map_table(&iospace_kind, inv);
    case BST_INV_IOPT_UNMAP:
        iospace_unmap_cap(&inv->slot->cap);
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

bst_error_t iospace_frame_invoke(struct invocation *inv)
{
    if (inv->label == BST_INV_FRAME_IO_MAP) {
        return second_level_map_frame(&iospace_kind, inv);
    }
    iospace_unmap_cap(&inv->slot->cap); /* FRAME_UNMAP of a frame mapped for a device */
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
