/*
 * How the fuzzer's input bytes become system calls (fuzz_calls.h): the registers and IPC
 * buffer words of one call, shaped so that the input need not find slot numbers or labels
 * by chance: cap arguments mostly name a slot that holds a cap, labels mostly one the
 * invoked object takes, other words come from pools of small numbers, addresses near the
 * mapped ones, rights, times and single bits. Every field is a byte or a few, read as
 * zeros past the end.
 */
#include "fuzz_calls.h"

#include <bastion/fault.h>
#include <bastion/invocation.h>
#include <bastion/syscall.h>

static struct fuzz_world *world;
static uint64_t prefix; /* the current thread's address of root slot 0 */

uint8_t fuzz_byte(struct fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

uint64_t fuzz_bytes(struct fuzz_input *in, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | fuzz_byte(in);
    }
    return v;
}

/* The root CNode slots that hold a cap, refreshed before each call: a cap argument
 * names one of them most of the time, so that the input need not find the numbers. */
static uint8_t live_slots[256];
static unsigned live_count;

void fuzz_calls_refresh(struct fuzz_world *fw, const struct tcb *t)
{
    world = fw;
    const struct cap *cs = t != NULL ? &t->slots[TCB_SLOT_CSPACE].cap : NULL;
    bool root = cs != NULL && cap_type(cs) == BST_OBJ_CNODE && cs->paddr == fw->root.paddr &&
                cs->u.cnode.guard_bits + cs->u.cnode.radix == 64;
    prefix = root ? cs->u.cnode.guard << cs->u.cnode.radix : 0;
    live_count = 0;
    for (unsigned i = 1; i < 256; i++) {
        if (!cap_is_null(&fuzz_world_slot(world, i)->cap)) {
            live_slots[live_count++] = (uint8_t)i;
        }
    }
}

/* A capability address (the threads' CSpace is the 256-slot root CNode, thread 2's with a
 * guard): a slot that holds a cap (byte < 0x80), any slot (0x80..0xef, then the index),
 * any word. */
static uint64_t cap_arg(struct fuzz_input *in)
{
    uint8_t b = fuzz_byte(in);
    if (b < 0x80) {
        return prefix | (live_count != 0 ? live_slots[b % live_count] : b);
    }
    return b < 0xf0 ? prefix | fuzz_byte(in) : fuzz_bytes(in, 8);
}

static const uint64_t vaddr_bases[8] = {
    UINT64_C(0x10000000),     UINT64_C(0x10200000),         UINT64_C(0x40000000),
    UINT64_C(0x7fffffe00000), UINT64_C(0x800000000000),     0,
    UINT64_C(0x400000),       UINT64_C(0xffffffff80000000),
};

/* An argument word, by a tag byte: small numbers (and slot indices), cap addresses,
 * addresses near the mapped ones, rights and flags, times, single bits, or any word. */
uint64_t fuzz_value(struct fuzz_input *in)
{
    uint8_t tag = fuzz_byte(in);
    uint8_t b = fuzz_byte(in);
    switch (tag % 8) {
    case 0:
        return b;
    case 1:
        in->pos--; /* b is the cap argument's first byte */
        return cap_arg(in);
    case 2:
        return vaddr_bases[b % 8] + (uint64_t)(b >> 3) * 0x1000u;
    case 3:
        return b & 0xfu;
    case 4:
        return (uint64_t)b << 56 | fuzz_bytes(in, 7);
    case 5:
        return (uint64_t)b << 8 | fuzz_byte(in);
    case 6:
        return (uint64_t)b * 100u; /* microseconds */
    default:
        return UINT64_C(1) << (b % 64); /* sizes, single bits */
    }
}

static const uint64_t syscall_numbers[32] = {
    BST_SYS_CALL,
    BST_SYS_CALL,
    BST_SYS_CALL,
    BST_SYS_CALL,
    BST_SYS_CALL,
    BST_SYS_CALL,
    BST_SYS_SEND,
    BST_SYS_SEND,
    BST_SYS_NB_SEND,
    BST_SYS_NB_SEND,
    BST_SYS_RECV,
    BST_SYS_RECV,
    BST_SYS_RECV,
    BST_SYS_NB_RECV,
    BST_SYS_NB_RECV,
    BST_SYS_REPLY_RECV,
    BST_SYS_REPLY_RECV,
    BST_SYS_REPLY_RECV,
    BST_SYS_NB_SEND_RECV,
    BST_SYS_NB_SEND_RECV,
    BST_SYS_YIELD,
    BST_SYS_YIELD,
    BST_SYS_DEBUG_PUTC,
    BST_SYS_DEBUG_DUMP_CAPS,
    BST_SYS_DEBUG_NAME,
    BST_SYS_DEBUG_CHECK_STATE,
    BST_SYS_DEBUG_IDLE_CYCLES,
    BST_SYS_DEBUG_FASTPATH_COUNT,
    BST_SYS_DEBUG_ISOLATION,
    BST_SYS_DEBUG_IRQ_STAMP,
    BST_SYS_DEBUG_EXIT,
    0, /* 0: any number (next byte) */
};

static uint64_t syscall_number(struct fuzz_input *in)
{
    uint8_t b = fuzz_byte(in);
    uint64_t n = syscall_numbers[b % 32];
    return n != 0 ? n : fuzz_byte(in);
}

/* The labels each kernel object's invocations take (include/bastion/invocation.h). */
struct label_set {
    bst_objtype_t type;
    uint8_t first, last; /* a range of labels ... */
    uint8_t also;        /* ... and one more (0: none) */
};

static const struct label_set object_labels[] = {
    {BST_OBJ_UNTYPED, BST_INV_UNTYPED_RETYPE, BST_INV_UNTYPED_RETYPE, 0},
    {BST_OBJ_CNODE, BST_INV_CNODE_COPY, BST_INV_CNODE_ROTATE, 0},
    {BST_OBJ_TCB, BST_INV_TCB_CONFIGURE, BST_INV_TCB_UNBIND_NOTIFICATION,
     BST_INV_TCB_SET_TIMEOUT_ENDPOINT},
    {BST_OBJ_SCHED_CONTROL, BST_INV_SCHED_CONTROL_CONFIGURE, BST_INV_SCHED_CONTROL_CONFIGURE, 0},
    {BST_OBJ_SCHED_CONTEXT, BST_INV_SCHED_CONTEXT_BIND, BST_INV_SCHED_CONTEXT_CONSUMED, 0},
    {BST_OBJ_FRAME_4K, BST_INV_FRAME_MAP, BST_INV_FRAME_GET_ADDRESS, BST_INV_FRAME_IO_MAP},
    {BST_OBJ_FRAME_2M, BST_INV_FRAME_MAP, BST_INV_FRAME_GET_ADDRESS, BST_INV_FRAME_IO_MAP},
    {BST_OBJ_FRAME_1G, BST_INV_FRAME_MAP, BST_INV_FRAME_GET_ADDRESS, BST_INV_FRAME_IO_MAP},
    {BST_OBJ_PT_L1, BST_INV_PAGE_TABLE_MAP, BST_INV_PAGE_TABLE_UNMAP, 0},
    {BST_OBJ_PT_L2, BST_INV_PAGE_TABLE_MAP, BST_INV_PAGE_TABLE_UNMAP, 0},
    {BST_OBJ_PT_L3, BST_INV_PAGE_TABLE_MAP, BST_INV_PAGE_TABLE_UNMAP, 0},
    {BST_OBJ_IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET, BST_INV_IRQ_CONTROL_GET_IOAPIC,
     BST_INV_IOMMU_SETUP},
    {BST_OBJ_IRQ_HANDLER, BST_INV_IRQ_HANDLER_ACK, BST_INV_IRQ_HANDLER_CLEAR, 0},
    {BST_OBJ_DOMAIN_CONTROL, BST_INV_DOMAIN_SET, BST_INV_DOMAIN_SET, BST_INV_DOMAIN_SCHEDULE},
    {BST_OBJ_IOSPACE, BST_INV_IOSPACE_ASSIGN, BST_INV_IOSPACE_READ_FAULT, 0},
    {BST_OBJ_IOPT, BST_INV_IOPT_MAP, BST_INV_IOPT_UNMAP, 0},
};

/* A label for a call on the cap at `cptr`: one its object takes (byte < 0xc0, when it is
 * a kernel object in the root CNode), any label (0xc0..0xfe, then the label), or the
 * signal label (0xff). */
static uint64_t label_for(struct fuzz_input *in, uint64_t cptr)
{
    uint8_t l = fuzz_byte(in);
    if (l >= 0xc0) {
        return l == 0xff ? BST_LABEL_SIGNAL : fuzz_byte(in);
    }
    bst_objtype_t type = cptr - prefix - 1 < 255
                             ? cap_type(&fuzz_world_slot(world, cptr - prefix)->cap)
                             : BST_OBJ_NULL;
    for (size_t i = 0; i < ARRAY_SIZE(object_labels); i++) {
        const struct label_set *set = &object_labels[i];
        if (set->type == type) {
            unsigned n = set->last - set->first + 1u + (set->also != 0);
            unsigned k = l % n;
            return k <= (unsigned)(set->last - set->first) ? set->first + k : set->also;
        }
    }
    return l % (BST_INVOCATION_COUNT + 4u); /* an IPC object: labels are the user's */
}

/* The message info word: a label, a length, extra caps. */
static uint64_t msginfo(struct fuzz_input *in, uint64_t cptr, unsigned *length, unsigned *extra)
{
    uint64_t label = label_for(in, cptr);
    uint8_t len = fuzz_byte(in), caps = fuzz_byte(in);
    *length = len & 0x80 ? len % (BST_MSG_MAX_LENGTH + 1u) : len % 12u;
    *extra = caps % (BST_MSG_MAX_EXTRA_CAPS + 1u);
    return bst_msginfo_make(label, *length, *extra, (caps >> 2) & 7u);
}

/* The current thread's user code: set the registers and IPC buffer for one call. */
void fuzz_prepare_call(struct fuzz_input *in, struct tcb *t)
{
    struct arch_context *c = &t->arch.ctx;
    unsigned length, extra;
    uint64_t n = syscall_number(in);
    uint64_t cptr = cap_arg(in);
    c->reg[HOST_REG_RAX] = n;
    c->reg[HOST_REG_RDI] = cptr;
    c->reg[HOST_REG_RSI] = msginfo(in, cptr, &length, &extra);
    if (n == BST_SYS_RECV || n == BST_SYS_NB_RECV || n == BST_SYS_REPLY_RECV ||
        n == BST_SYS_NB_SEND_RECV) {
        c->reg[HOST_REG_R12] = cap_arg(in);
        c->reg[HOST_REG_R13] = n == BST_SYS_NB_SEND_RECV ? cap_arg(in) : 0;
    }
    struct bst_ipc_buffer *buf = tcb_ipc_buffer(t);
    unsigned given = length < 12 ? length : 12; /* the rest stays as the buffer was */
    for (unsigned i = 0; i < given; i++) {
        uint64_t v = fuzz_value(in);
        if (i < BST_MSG_REGISTERS) {
            arch_syscall_set_mr(c, i, v);
        } else if (buf != NULL) {
            buf->msg[i] = v;
        }
    }
    for (unsigned i = 0; i < extra && buf != NULL; i++) {
        buf->caps[i] = cap_arg(in);
    }
    if (buf != NULL && (fuzz_byte(in) & 1)) {
        buf->receive_cnode = cap_arg(in);
        buf->receive_index = fuzz_byte(in);
        buf->receive_depth = fuzz_byte(in);
    }
}
