/*
 * Direct port I/O (IOPORT_GRANT, docs/drivers.md): a thread whose address space was
 * granted a range executes IN/OUT on it; every other port, every other address space,
 * and the same space once the granting cap is ungranted, deleted or revoked, faults
 * (#GP, reported as a protection fault; the kernel goes on). Ports 0x300-0x30f are
 * unused on the q35 machine (reads give 0xff, writes go nowhere).
 */
#include "ioport_grant.h"

#include "probe_child.h"

#include <bastion/vmattr.h>
#include <libbastion/ipc.h>
#include <libbastion/string.h>

#define IOPORT_CONTROL ((bst_cptr_t)BST_SLOT_IOPORT_CONTROL)
#define RANGE_A        0x300 /* .. 0x303 */
#define RANGE_B        0x304 /* .. 0x307 */
#define RANGE_C        0x308 /* .. 0x30b */
#define SPACE_CODE     0x400000ull
#define SPACE_FLAGS    0x402000ull

static bst_error_t issue(uint64_t first, uint64_t last, bst_cptr_t *cap)
{
    *cap = slot_alloc();
    uint64_t args[4] = {first, last, ROOT_CNODE, *cap};
    return bst_invoke(IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE, args, 4, NULL, 0);
}

static bst_error_t grant(bst_cptr_t port_cap, bst_cptr_t vspace)
{
    uint64_t arg = vspace;
    return bst_invoke(port_cap, BST_INV_IOPORT_GRANT, &arg, 1, NULL, 0);
}

static bst_error_t ungrant(bst_cptr_t port_cap)
{
    return bst_invoke(port_cap, BST_INV_IOPORT_UNGRANT, NULL, 0, NULL, 0);
}

static bst_error_t delete_slot(bst_cptr_t slot)
{
    return bst_cnode_delete(ROOT_CNODE, slot, BST_ROOT_DEPTH);
}

/* Checks that a same-space child can (or cannot) read `port` directly. */
#define CHECK_IN_PASSES(port)                                                                      \
    do {                                                                                           \
        struct probe_result r_;                                                                    \
        CHECK_PROBE_PASSES(PROBE_IN8, port, 0, &r_);                                               \
    } while (0)
#define CHECK_IN_FAULTS(port)                                                                      \
    do {                                                                                           \
        struct probe_result r_;                                                                    \
        CHECK_PROBE_FAULTS(PROBE_IN8, port, 0, &r_);                                               \
    } while (0)

void test_ioport_grant_direct_access(void)
{
    bst_cptr_t a;
    struct probe_result r;
    CHECK_OK(issue(RANGE_A, RANGE_A + 3, &a));
    CHECK_IN_FAULTS(RANGE_A); /* a cap alone opens nothing */
    CHECK_OK(grant(a, ROOT_VS));
    CHECK_PROBE_PASSES(PROBE_IN8, RANGE_A, 0, &r);
    CHECK(r.value == 0xff, "an unused port read %lx", (unsigned long)r.value);
    CHECK_PROBE_PASSES(PROBE_OUT8, RANGE_A + 3, 0x5a, &r);
    CHECK_PROBE_PASSES(PROBE_IN16, RANGE_A + 2, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_IN16, RANGE_A + 3, 0, &r); /* half outside the range */
    CHECK_IN_FAULTS(RANGE_A + 4);
    CHECK_IN_FAULTS(RANGE_A - 1);
    CHECK_IN_FAULTS(0x3f8); /* the kernel's console is never granted */
    CHECK_OK(ungrant(a));
    CHECK_IN_FAULTS(RANGE_A);
    CHECK_OK(ungrant(a)); /* nothing granted: nothing to do */
    CHECK_OK(grant(a, ROOT_VS));
    CHECK_IN_PASSES(RANGE_A);
    CHECK_OK(delete_slot(a));
    CHECK_IN_FAULTS(RANGE_A);
}

void test_ioport_grant_fault_message(void)
{
    bst_cptr_t tcb, ep, reply;
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(obj_alloc(BST_OBJ_REPLY, 0, &reply));
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(bst_tcb_set_space(tcb, ep, ROOT_CNODE, ROOT_VS));
    struct bst_tcb_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rip = (uint64_t)(uintptr_t)probe_port_in8;
    regs.rsp = stack_alloc() - 8;
    regs.rflags = 0x202;
    regs.rdx = RANGE_B;
    CHECK_OK(bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &regs));
    uint64_t mr[BST_MSG_REGISTERS] = {0}, badge = 0;
    bst_msginfo_t info = 0;
    for (unsigned i = 0; i < 1000 && info == 0; i++) {
        CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
        if (info == 0)
            settle();
    }
    CHECK(bst_msginfo_label(info) == BST_FAULT_PROTECTION,
          "the fault endpoint got label %lu, expected PROTECTION",
          (unsigned long)bst_msginfo_label(info));
    CHECK(mr[0] == regs.rip, "the fault's instruction pointer is %lx, the IN is at %lx",
          (unsigned long)mr[0], (unsigned long)regs.rip);
    CHECK_OK(bst_reply(reply, bst_msginfo_make(BST_FAULT_REPLY_STOP, 0, 0, 0), NULL));
}

void test_ioport_grant_revoke_delete(void)
{
    bst_cptr_t a, copy, copy2;
    CHECK_OK(issue(RANGE_A, RANGE_A + 3, &a));
    /* A granted copy: revoking its parent withdraws the grant. */
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &copy));
    CHECK_OK(grant(copy, ROOT_VS));
    CHECK_IN_PASSES(RANGE_A);
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, a, BST_ROOT_DEPTH));
    CHECK_IN_FAULTS(RANGE_A);
    /* Two copies grant the same range: the ports stay open until both are gone. */
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &copy));
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &copy2));
    CHECK_OK(grant(copy, ROOT_VS));
    CHECK_OK(grant(copy2, ROOT_VS));
    CHECK_OK(delete_slot(copy));
    CHECK_IN_PASSES(RANGE_A);
    CHECK_OK(delete_slot(copy2));
    CHECK_IN_FAULTS(RANGE_A);
    /* A move keeps the grant with the cap; deleting the moved cap withdraws it. */
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &copy));
    CHECK_OK(grant(copy, ROOT_VS));
    copy2 = slot_alloc();
    CHECK_OK(bst_cnode_move(ROOT_CNODE, copy2, BST_ROOT_DEPTH, ROOT_CNODE, copy, BST_ROOT_DEPTH));
    CHECK_IN_PASSES(RANGE_A);
    CHECK_OK(delete_slot(copy2));
    CHECK_IN_FAULTS(RANGE_A);
    /* The issued cap itself, then deleting the last cap frees the range. */
    CHECK_OK(grant(a, ROOT_VS));
    CHECK_IN_PASSES(RANGE_A);
    CHECK_OK(delete_slot(a));
    CHECK_IN_FAULTS(RANGE_A);
    CHECK_OK(issue(RANGE_A, RANGE_A + 3, &a));
    CHECK_IN_FAULTS(RANGE_A); /* a new cap to the same range grants nothing by itself */
    CHECK_OK(delete_slot(a));
}

void test_ioport_grant_errors(void)
{
    bst_cptr_t a, ro, ep, vs, extra[4];
    CHECK_OK(issue(RANGE_A, RANGE_A + 3, &a));
    CHECK_ERR(bst_invoke(a, BST_INV_IOPORT_GRANT, NULL, 0, NULL, 0), BST_TRUNCATED_MESSAGE);
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_ERR(grant(a, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(grant(a, slot_alloc()), BST_INVALID_CAPABILITY); /* an empty slot */
    CHECK_OK(cap_copy(a, BST_RIGHT_READ, &ro));
    CHECK_ERR(grant(ro, ROOT_VS), BST_INSUFFICIENT_RIGHTS); /* the map allows both ways */
    CHECK_OK(grant(a, ROOT_VS));
    CHECK_ERR(grant(a, ROOT_VS), BST_ILLEGAL_OPERATION);
    CHECK_OK(obj_alloc(BST_OBJ_VSPACE, 0, &vs));
    CHECK_ERR(grant(a, vs), BST_ILLEGAL_OPERATION); /* one grant per cap */
    /* At most IOMAP_RANGES (4) grants per address space. */
    for (unsigned i = 0; i < 3; i++) {
        CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &extra[i]));
        CHECK_OK(grant(extra[i], vs));
    }
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &extra[3]));
    CHECK_OK(grant(extra[3], vs));
    bst_cptr_t fifth;
    CHECK_OK(cap_copy(a, BST_RIGHTS_ALL, &fifth));
    CHECK_ERR(grant(fifth, vs), BST_NOT_ENOUGH_MEMORY);
    /* Deleting the VSpace drops its grants; the caps may grant again elsewhere. */
    CHECK_OK(delete_slot(vs));
    CHECK_OK(ungrant(extra[0]));
    CHECK_OK(obj_alloc(BST_OBJ_VSPACE, 0, &vs));
    CHECK_OK(grant(extra[1], vs));
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, a, BST_ROOT_DEPTH));
    CHECK_OK(delete_slot(a));
    CHECK_IN_FAULTS(RANGE_A);
}

/* The map has a byte past its end, 0xff: a 16-bit read at 0xffff spans two ports, the
 * second of which does not exist, and must fault even when 0xffff is granted. */
void test_ioport_grant_last_port(void)
{
    bst_cptr_t top;
    struct probe_result r;
    CHECK_OK(issue(0xfff8, 0xffff, &top));
    CHECK_OK(grant(top, ROOT_VS));
    CHECK_PROBE_PASSES(PROBE_IN8, 0xffff, 0, &r);
    CHECK_PROBE_PASSES(PROBE_IN16, 0xfffe, 0, &r);
    CHECK_PROBE_FAULTS(PROBE_IN16, 0xffff, 0, &r);
    CHECK_OK(delete_slot(top));
    CHECK_PROBE_FAULTS(PROBE_IN8, 0xffff, 0, &r);
}

/* ---- Two address spaces with different ranges --------------------------------------- */

struct port_space {
    bst_cptr_t vspace;
    volatile uint64_t *flags; /* the shared flag page, as the root sees it */
};

/* A new VSpace with port_blob at SPACE_CODE and a flag page shared with the root. */
static bst_error_t port_space_make(struct port_space *s)
{
    uint64_t root_region = region_alloc();
    struct tables t, rt;
    bst_cptr_t code, code2, flags, flags2;
    bst_error_t e = obj_alloc(BST_OBJ_VSPACE, 0, &s->vspace);
    if (e == BST_OK)
        e = tables_map(s->vspace, SPACE_CODE, 1, &t);
    if (e == BST_OK)
        e = tables_map(ROOT_VS, root_region, 1, &rt);
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, root_region, BST_RIGHTS_RW, 0, &code);
    if (e != BST_OK)
        return e;
    memcpy((void *)(uintptr_t)root_region, port_blob_start,
           (size_t)(port_blob_end - port_blob_start));
    e = cap_copy(code, BST_RIGHTS_RW, &code2);
    if (e == BST_OK)
        e = bst_frame_map(code2, s->vspace, SPACE_CODE, BST_RIGHT_READ, BST_MAP_EXECUTABLE);
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, root_region + PAGE_SIZE, BST_RIGHTS_RW, 0, &flags);
    if (e == BST_OK)
        e = cap_copy(flags, BST_RIGHTS_RW, &flags2);
    if (e == BST_OK)
        e = bst_frame_map(flags2, s->vspace, SPACE_FLAGS, BST_RIGHTS_RW, 0);
    s->flags = (volatile uint64_t *)(uintptr_t)(root_region + PAGE_SIZE);
    return e;
}

/* A thread in the space that reads `port` once (flag slot `slot` of the page: started,
 * passed, value), made ready at `prio` but not run before the root lets it. */
static bst_error_t port_space_thread(struct port_space *s, unsigned slot, uint64_t port,
                                     uint64_t prio, bst_cptr_t *tcb)
{
    bst_error_t e = thread_new(s->vspace, prio, tcb);
    if (e != BST_OK)
        return e;
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = SPACE_CODE;
    r.rflags = 0x202;
    r.rdi = SPACE_FLAGS + 32 * slot;
    r.rdx = port;
    r.r12 = *tcb;
    r.r13 = bst_msginfo_make(BST_INV_TCB_SUSPEND, 0, 0, 0);
    r.r14 = BST_SYS_CALL;
    e = bst_tcb_write_registers(*tcb, 0, BST_TCB_REGISTER_COUNT, &r);
    if (e == BST_OK)
        e = bst_tcb_resume(*tcb);
    return e;
}

/* What the thread of `slot` did: 1 passed, 0 faulted on its IN, -1 anything else. */
static int port_space_outcome(struct port_space *s, unsigned slot, bst_cptr_t tcb)
{
    volatile uint64_t *f = s->flags + 4 * slot;
    if (!wait_eq(&f[0], 1))
        return -1;
    settle();
    if (f[1] == 1)
        return 1;
    struct bst_tcb_regs r;
    if (bst_tcb_read_registers(tcb, 1, &r) != BST_OK)
        return -1;
    return r.rip == SPACE_CODE + (uint64_t)(port_blob_in - port_blob_start) ? 0 : -1;
}

/*
 * Threads of A and B made ready together behind a higher-priority root, then run one
 * after another as the root lowers itself: switches root -> A -> B -> A -> root, each
 * with a different set of ports. Each must see exactly its own range.
 */
static void run_two_spaces(struct port_space *a, struct port_space *b)
{
    static const struct {
        unsigned space; /* 0: a, 1: b */
        uint64_t port;
        int expect;
    } runs[] = {
        {0, RANGE_A, 1}, {1, RANGE_A, 0}, {1, RANGE_B + 3, 1}, {0, RANGE_B, 0}, {0, RANGE_A + 3, 1},
    };
    bst_cptr_t tcbs[5];
    for (unsigned i = 0; i < 5; i++) {
        struct port_space *s = runs[i].space == 0 ? a : b;
        for (unsigned w = 0; w < 4; w++)
            s->flags[4 * i + w] = 0;
    }
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, HIGH_PRIO + 1));
    for (unsigned i = 0; i < 5; i++) {
        CHECK_OK(
            port_space_thread(runs[i].space == 0 ? a : b, i, runs[i].port, HIGH_PRIO, &tcbs[i]));
    }
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO)); /* they run now, in order */
    for (unsigned i = 0; i < 5; i++) {
        int got = port_space_outcome(runs[i].space == 0 ? a : b, i, tcbs[i]);
        CHECK(got == runs[i].expect, "run %u (space %s, port %lx): %s", i,
              runs[i].space == 0 ? "A" : "B", (unsigned long)runs[i].port,
              got == 1   ? "passed"
              : got == 0 ? "faulted"
                         : "did something else");
    }
}

void test_ioport_grant_two_spaces(void)
{
    struct port_space a, b;
    bst_cptr_t pa, pb, pc;
    CHECK_OK(port_space_make(&a));
    CHECK_OK(port_space_make(&b));
    CHECK_OK(issue(RANGE_A, RANGE_A + 3, &pa));
    CHECK_OK(issue(RANGE_B, RANGE_B + 3, &pb));
    CHECK_OK(issue(RANGE_C, RANGE_C + 3, &pc));
    CHECK_OK(grant(pa, a.vspace));
    CHECK_OK(grant(pb, b.vspace));
    run_two_spaces(&a, &b); /* the root holds no ports */
    if (test_failed())
        return;
    CHECK_IN_FAULTS(RANGE_A);
    CHECK_IN_FAULTS(RANGE_B);
    CHECK_OK(grant(pc, ROOT_VS)); /* now every space in the round holds ports */
    run_two_spaces(&a, &b);
    if (test_failed())
        return;
    CHECK_IN_PASSES(RANGE_C);
    CHECK_IN_FAULTS(RANGE_A);
    /* Ungranting B's range: B's ports fault even for a thread B already had. */
    CHECK_OK(ungrant(pb));
    struct port_space *s = &b;
    bst_cptr_t t;
    for (unsigned w = 0; w < 4; w++)
        s->flags[w] = 0;
    CHECK_OK(port_space_thread(s, 0, RANGE_B, HIGH_PRIO, &t));
    CHECK(port_space_outcome(s, 0, t) == 0, "B read its port after the ungrant");
    CHECK_OK(delete_slot(pa));
    CHECK_OK(delete_slot(pb));
    CHECK_OK(delete_slot(pc));
    CHECK_IN_FAULTS(RANGE_C);
}
