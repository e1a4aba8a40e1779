/*
 * The random system-call test's sandbox and threads (fuzz.h), shared by the random test
 * (fuzz.c) and the coverage-guided fuzzer (tests/system/kcovfuzz).
 *
 * A sandbox takes its objects from the root's allocator (env.c), which never gets memory
 * or slots back: fine for the random test's 20. A sandbox with a pool (sandbox_pool())
 * retypes them from the pool untyped into a few root slots set aside once, and its
 * deletion revokes the pool, which gives all of it back: the fuzzer makes thousands.
 */
#include "fuzz.h"

#include <bastion/capdata.h>
#include <libbastion/device.h>

static bst_error_t move_in(const struct sandbox *sb, bst_cptr_t cap, uint64_t slot)
{
    return bst_cnode_move(sb->cnode, slot, FUZZ_RADIX, ROOT_CNODE, cap, BST_ROOT_DEPTH);
}

static bst_error_t copy_in(const struct sandbox *sb, bst_cptr_t cap, uint64_t slot)
{
    return bst_cnode_copy(sb->cnode, slot, FUZZ_RADIX, ROOT_CNODE, cap, BST_ROOT_DEPTH,
                          BST_RIGHTS_ALL);
}

/* One object for the sandbox into *cap: from the pool into `slot` (a root slot set aside,
 * or 0 for the scratch slot), or from the root's allocator. */
static bst_error_t sandbox_obj(const struct sandbox *sb, bst_objtype_t type, unsigned bits,
                               bst_cptr_t slot, bst_cptr_t *cap)
{
    if (sb->pool == 0)
        return obj_alloc(type, bits, cap);
    *cap = slot != 0 ? slot : sb->scratch;
    return bst_untyped_retype(sb->pool, type, bits, ROOT_CNODE, *cap, 1);
}

static bst_error_t sandbox_fill(struct sandbox *sb, const struct fuzzer *a)
{
    static const struct {
        bst_objtype_t type;
        unsigned bits;
        enum fuzz_slot slot;
    } objects[] = {
        {BST_OBJ_UNTYPED, 18, FS_UNTYPED},  {BST_OBJ_ENDPOINT, 0, FS_EP_B},
        {BST_OBJ_NOTIFICATION, 0, FS_NTFN}, {BST_OBJ_REPLY, 0, FS_REPLY},
        {BST_OBJ_FRAME_4K, 0, FS_FRAME},    {BST_OBJ_SCHED_CONTEXT, 0, FS_SC},
        {BST_OBJ_VSPACE, 0, FS_VSPACE},     {BST_OBJ_PT_L3, 0, FS_PT_L3},
        {BST_OBJ_PT_L2, 0, FS_PT_L2},       {BST_OBJ_PT_L1, 0, FS_PT_L1},
        {BST_OBJ_FRAME_4K, 0, FS_FRAME_B},
    };
    for (unsigned i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        bst_cptr_t obj;
        bst_error_t e = sandbox_obj(sb, objects[i].type, objects[i].bits, 0, &obj);
        if (e == BST_OK)
            e = move_in(sb, obj, objects[i].slot);
        if (e != BST_OK)
            return e;
    }
    bst_cptr_t port = sb->pool != 0 ? sb->scratch : slot_alloc();
    /* The root keeps one cap to an endpoint; a pooled sandbox's device frame is made once. */
    bst_error_t e = sandbox_obj(sb, BST_OBJ_ENDPOINT, 0, sb->ep, &sb->ep);
    if (e == BST_OK && sb->pool == 0)
        e = device_frame_alloc(&sb->device_frame);
    if (e == BST_OK)
        e = copy_in(sb, sb->device_frame, FS_DEVICE_FRAME);
    if (e == BST_OK)
        e = bst_ioport_control_issue(BST_SLOT_IOPORT_CONTROL, FUZZ_PORT, FUZZ_PORT, ROOT_CNODE,
                                     port);
    if (e == BST_OK)
        e = move_in(sb, port, FS_IOPORT);
    if (e == BST_OK)
        e = copy_in(sb, a->ipc_frame, FS_IPC_FRAME);
    return e;
}

/* Put the caps the threads' spaces derive from back in the sandbox (whatever the
 * threads left in those slots goes). */
static bst_error_t sandbox_reset_parents(const struct sandbox *sb)
{
    const uint64_t slots[] = {FS_CNODE, FS_ROOT_VS, FS_EP_A};
    const bst_cptr_t caps[] = {sb->guarded, ROOT_VS, sb->ep};
    for (unsigned i = 0; i < 3; i++) {
        bst_error_t e = bst_cnode_delete(sb->cnode, slots[i], FUZZ_RADIX);
        if (e == BST_OK)
            e = copy_in(sb, caps[i], slots[i]);
        if (e != BST_OK)
            return e;
    }
    return BST_OK;
}

/* thread_start() on the thread's own stack: a fuzzer that starts its threads thousands of
 * times must not take env.c's ring of stacks round to one the other thread still uses. */
static bst_error_t start_on_own_stack(struct fuzzer *f)
{
    struct bst_tcb_regs r = {0};
    r.rip = (uint64_t)(uintptr_t)f->body;
    r.rsp = f->stack_top - 8; /* as if called: rsp + 8 aligned to 16 */
    r.rflags = 0x202;
    r.rdi = (uint64_t)(uintptr_t)&f->b;
    f->b.tcb = f->tcb;
    return bst_tcb_write_registers(f->tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r);
}

static bst_error_t restart(const struct sandbox *sb, struct fuzzer *f)
{
    bst_error_t e = bst_tcb_suspend(f->tcb);
    if (e == BST_OK)
        e = bst_cnode_delete(ROOT_CNODE, f->cspace, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = bst_cnode_delete(ROOT_CNODE, f->vspace, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = sandbox_reset_parents(sb);
    if (e == BST_OK)
        e = bst_cnode_copy(ROOT_CNODE, f->cspace, BST_ROOT_DEPTH, sb->cnode, FS_CNODE, FUZZ_RADIX,
                           BST_RIGHTS_ALL);
    if (e == BST_OK)
        e = bst_cnode_copy(ROOT_CNODE, f->vspace, BST_ROOT_DEPTH, sb->cnode, FS_ROOT_VS, FUZZ_RADIX,
                           BST_RIGHTS_ALL);
    if (e == BST_OK)
        e = bst_tcb_set_sched_params(f->tcb, ROOT_TCB, ROOT_PRIO, ROOT_PRIO);
    if (e == BST_OK)
        e = bst_tcb_unbind_notification(f->tcb);
    if (e == BST_OK)
        e = bst_tcb_configure(f->tcb, 0, f->cspace, f->vspace, f->ipc_vaddr, f->ipc_frame);
    if (e == BST_OK && f->stack_top == 0)
        e = thread_start(f->tcb, f->body != NULL ? f->body : fuzz_thread, &f->b);
    else if (e == BST_OK)
        e = start_on_own_stack(f);
    return e;
}

/* The root runs above the fuzzers while it restarts one: the other, at ROOT_PRIO too,
 * could otherwise resume this one (a TCB_RESUME through the sandbox) between its
 * suspension and its TCB_CONFIGURE, which refuses a thread that is not inactive
 * (ILLEGAL_OPERATION; seen once in system-roottask-kpti). */
bst_error_t fuzzer_start(const struct sandbox *sb, struct fuzzer *f)
{
    bst_error_t e = bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO + 1);
    if (e == BST_OK)
        e = restart(sb, f);
    bst_error_t back = bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO);
    return e != BST_OK ? e : back;
}

bst_error_t fuzzer_new(struct fuzzer *f, uint64_t seed, uint64_t ipc_vaddr)
{
    f->s.rng = seed;
    f->s.buf = (struct bst_ipc_buffer *)(uintptr_t)ipc_vaddr;
    f->s.region = region_alloc();
    f->b.addr = (uint64_t)(uintptr_t)&f->s;
    f->ipc_vaddr = ipc_vaddr;
    f->cspace = slot_alloc();
    f->vspace = slot_alloc();
    bst_error_t e = frame_alloc_map(ROOT_VS, ipc_vaddr, BST_RIGHTS_RW, 0, &f->ipc_frame);
    if (e == BST_OK)
        e = thread_new(ROOT_VS, ROOT_PRIO, &f->tcb); /* equal priority: slices alternate */
    return e;
}

bst_error_t sandbox_pool(struct sandbox *sb, unsigned size_bits)
{
    sb->cnode = slot_alloc();
    sb->guarded = slot_alloc();
    sb->ep = slot_alloc();
    sb->scratch = slot_alloc();
    if (sb->scratch == 0)
        return BST_RANGE_ERROR;
    bst_error_t e = obj_alloc(BST_OBJ_UNTYPED, size_bits, &sb->pool);
    if (e == BST_OK)
        e = device_frame_alloc(&sb->device_frame);
    return e;
}

bst_error_t sandbox_make(struct sandbox *sb, const struct fuzzer *f)
{
    bst_error_t e = sandbox_obj(sb, BST_OBJ_CNODE, FUZZ_RADIX, sb->cnode, &sb->cnode);
    if (sb->pool == 0)
        sb->guarded = slot_alloc();
    if (e == BST_OK && sb->guarded == 0)
        e = BST_RANGE_ERROR;
    if (e == BST_OK)
        e = bst_cnode_mint(ROOT_CNODE, sb->guarded, BST_ROOT_DEPTH, ROOT_CNODE, sb->cnode,
                           BST_ROOT_DEPTH, BST_RIGHTS_ALL,
                           bst_cnode_guard_data(0, 64 - FUZZ_RADIX));
    if (e == BST_OK)
        e = sandbox_fill(sb, &f[0]);
    if (e == BST_OK)
        e = copy_in(sb, f[0].tcb, FS_TCB_A);
    if (e == BST_OK)
        e = copy_in(sb, f[1].tcb, FS_TCB_B);
    return e;
}

bst_error_t sandbox_delete(const struct sandbox *sb, const struct fuzzer *f)
{
    bst_error_t e = BST_OK;
    for (unsigned i = 0; i < 2 && e == BST_OK; i++) {
        e = bst_cnode_delete(ROOT_CNODE, f[i].cspace, BST_ROOT_DEPTH);
        if (e == BST_OK)
            e = bst_cnode_delete(ROOT_CNODE, f[i].vspace, BST_ROOT_DEPTH);
    }
    if (e == BST_OK && sb->pool != 0)
        return bst_cnode_revoke(ROOT_CNODE, sb->pool, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = bst_cnode_revoke(sb->cnode, FS_UNTYPED, FUZZ_RADIX);
    if (e == BST_OK)
        e = bst_cnode_revoke(ROOT_CNODE, sb->cnode, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = bst_cnode_delete(ROOT_CNODE, sb->cnode, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = bst_cnode_delete(ROOT_CNODE, sb->guarded, BST_ROOT_DEPTH);
    if (e == BST_OK)
        e = bst_cnode_delete(ROOT_CNODE, sb->device_frame, BST_ROOT_DEPTH);
    return e;
}
