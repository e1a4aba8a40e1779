/*
 * The call generator of the random system-call test (fuzz.h). A quarter of the calls
 * are wild: any IPC call number, capability address, label, length and arguments. The
 * rest are shaped: an invocation label with a target from the slots that held its kind
 * of cap at the start (or, now and then, any slot: the sandbox changes as it goes) and
 * arguments of the kinds the invocation takes, drawn from small pools (sandbox slots,
 * depth 64, the thread's own region and the addresses around its page-table levels),
 * so that maps collide with maps, tables with tables and caps with caps. Before a call
 * the IPC buffer gets random extra words, extra-cap addresses and a receive slot.
 *
 * Now and then a thread revokes or deletes the slots its own CSpace and VSpace caps
 * were copied from (FS_CNODE, FS_ROOT_VS): the kernel must stop both threads, never
 * run one on a VSpace or CNode that is gone.
 *
 * The threads run in the root's address space, so nothing may set their registers to
 * values that reach the root's code or another thread's stack: register writes use
 * only addresses that fault, COPY_REGISTERS is never made, and no fault or timeout
 * endpoint is ever given (a handler's RESUME_REGS reply would set registers). The
 * generator makes only such calls, and fuzz_call_run() enforces it on every call it
 * runs, so that a fuzzer may change any word of a call (make_safe()).
 */
#include "fuzz.h"

#include <libbastion/ipc.h>

static uint64_t next(struct fuzz_state *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

static uint64_t below(struct fuzz_state *s, uint64_t n)
{
    return next(s) % n;
}

/* A slot: mostly a named one, sometimes 0, a wild value or one past the sandbox. */
static uint64_t any_slot(struct fuzz_state *s)
{
    uint64_t r = next(s);
    switch (r % 16) {
    case 0:
        return 0;
    case 1:
        return r;
    case 2:
        return (1u << FUZZ_RADIX) + (r >> 8) % 4;
    default:
        return 1 + (r >> 8) % FS_NAMED;
    }
}

/* An argument of no particular kind: small, a slot, a size, a type or label, a power
 * of two, or anything. */
static uint64_t any_arg(struct fuzz_state *s)
{
    uint64_t r = next(s);
    switch (r % 6) {
    case 0:
        return (r >> 8) % 4;
    case 1:
        return any_slot(s);
    case 2:
        return (r >> 8) % 65;
    case 3:
        return (r >> 8) % 50;
    case 4:
        return 1ull << ((r >> 8) % 64);
    default:
        return r;
    }
}

enum arg_kind {
    K_ANY,
    K_SLOT,
    K_DEPTH,
    K_RIGHTS,
    K_MAP_RIGHTS,
    K_BADGE,
    K_VADDR,
    K_ATTRS,
    K_TYPE,
    K_BITS,
    K_COUNT,
    K_PRIO,
    K_PORT,
    K_CNODE,
    K_VSPACE,
    K_NOTIFICATION,
    K_TCB,
    K_FRAME,
    K_NONE_EP, /* a fault or timeout endpoint: always none (see the top of the file) */
    K_REG_COUNT,
    K_WRITE_FLAGS,
};

static uint64_t one_of(struct fuzz_state *s, const uint64_t *v, unsigned n)
{
    return below(s, 8) == 0 ? any_slot(s) : v[below(s, n)];
}

/* Mostly the first pages of the thread's region, where tables of every level overlap;
 * then the next table boundaries up, the other thread's region (512 GiB on), the top
 * of the user half, and anything. */
static uint64_t vaddr_arg(struct fuzz_state *s)
{
    static const uint64_t offsets[] = {0x200000,   0x201000,   0x40000000,
                                       0x40001000, 0x40200000, 0x8000000000ull};
    uint64_t r = below(s, 16);
    if (r < 9)
        return s->region + 0x1000 * below(s, 4);
    if (r < 13)
        return s->region + offsets[below(s, sizeof(offsets) / sizeof(offsets[0]))];
    if (r == 13)
        return BST_USER_TOP - 0x1000 * below(s, 3);
    if (r == 14)
        return s->region + 0x1000 * below(s, 1024) + below(s, 2) * 8;
    return any_arg(s);
}

static uint64_t type_arg(struct fuzz_state *s)
{
    static const uint64_t common[] = {BST_OBJ_FRAME_4K, BST_OBJ_PT_L1,  BST_OBJ_PT_L2,
                                      BST_OBJ_PT_L3,    BST_OBJ_VSPACE, BST_OBJ_ENDPOINT,
                                      BST_OBJ_CNODE,    BST_OBJ_TCB,    BST_OBJ_UNTYPED};
    return below(s, 4) == 0 ? below(s, 24) : common[below(s, sizeof(common) / sizeof(common[0]))];
}

static uint64_t arg_of(struct fuzz_state *s, enum arg_kind k)
{
    static const uint64_t cnodes[] = {FS_CNODE};
    static const uint64_t vspaces[] = {FS_VSPACE, FS_ROOT_VS};
    static const uint64_t ntfns[] = {FS_NTFN};
    static const uint64_t tcbs[] = {FS_TCB_A, FS_TCB_B};
    static const uint64_t frames[] = {FS_FRAME, FS_FRAME_B, FS_IPC_FRAME, FS_DEVICE_FRAME};
    switch (k) {
    case K_SLOT:
        return any_slot(s);
    case K_DEPTH:
        return below(s, 8) == 0 ? any_arg(s) : FUZZ_DEPTH;
    case K_RIGHTS:
        return below(s, 16) == 0 ? any_arg(s) : below(s, 16);
    case K_MAP_RIGHTS: /* mostly read (x86 maps nothing without it), or read and write */
        return below(s, 8) == 0 ? below(s, 16)
                                : BST_RIGHT_READ | (below(s, 2) ? BST_RIGHT_WRITE : 0);
    case K_BADGE:
        return below(s, 4) == 0 ? any_arg(s) : below(s, 8);
    case K_VADDR:
        return vaddr_arg(s);
    case K_ATTRS:
        return below(s, 8) == 0 ? any_arg(s) : below(s, 8);
    case K_TYPE:
        return type_arg(s);
    case K_BITS:
        return below(s, 2) == 0 ? 0 : below(s, 4) == 0 ? any_arg(s) : 1 + below(s, 20);
    case K_COUNT:
        return below(s, 8) == 0 ? any_arg(s) : 1 + below(s, 3);
    case K_PRIO:
        return below(s, 8) == 0 ? any_arg(s) : ROOT_PRIO - below(s, 3);
    case K_PORT:
        return below(s, 4) == 0 ? any_arg(s) : FUZZ_PORT - 1 + below(s, 3);
    case K_CNODE:
        return one_of(s, cnodes, 1);
    case K_VSPACE:
        return one_of(s, vspaces, 2);
    case K_NOTIFICATION:
        return one_of(s, ntfns, 1);
    case K_TCB:
        return one_of(s, tcbs, 2);
    case K_FRAME:
        return one_of(s, frames, 4);
    case K_NONE_EP:
        return 0;
    case K_REG_COUNT:
        return BST_TCB_REGISTER_COUNT; /* all of them: see write_registers() */
    case K_WRITE_FLAGS:
        return below(s, 8) == 0 ? BST_TCB_WRITE_RESUME : 0;
    default:
        return any_arg(s);
    }
}

/* An invocation's shape: label, the slots its kind of cap started in (0 ends the
 * list), and the kinds of its arguments. */
struct shape {
    uint8_t label;
    uint8_t targets[4];
    uint8_t nargs;
    uint8_t args[8];
};

#define TCBS                                                                                       \
    {                                                                                              \
        FS_TCB_A, FS_TCB_B                                                                         \
    }
#define TABLES                                                                                     \
    {                                                                                              \
        FS_PT_L3, FS_PT_L2, FS_PT_L1                                                               \
    }
#define FRAMES                                                                                     \
    {                                                                                              \
        FS_FRAME, FS_FRAME_B, FS_IPC_FRAME, FS_DEVICE_FRAME                                        \
    }

static const struct shape shapes[] = {
    {BST_INV_UNTYPED_RETYPE, {FS_UNTYPED}, 5, {K_TYPE, K_BITS, K_CNODE, K_SLOT, K_COUNT}},
    {BST_INV_CNODE_COPY, {FS_CNODE}, 6, {K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH, K_RIGHTS}},
    {BST_INV_CNODE_MINT,
     {FS_CNODE},
     7,
     {K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH, K_RIGHTS, K_BADGE}},
    {BST_INV_CNODE_MOVE, {FS_CNODE}, 5, {K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH}},
    {BST_INV_CNODE_MUTATE,
     {FS_CNODE},
     7,
     {K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH, K_RIGHTS, K_BADGE}},
    {BST_INV_CNODE_DELETE, {FS_CNODE}, 2, {K_SLOT, K_DEPTH}},
    {BST_INV_CNODE_REVOKE, {FS_CNODE}, 2, {K_SLOT, K_DEPTH}},
    {BST_INV_CNODE_ROTATE,
     {FS_CNODE},
     8,
     {K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH, K_CNODE, K_SLOT, K_DEPTH}},
    {BST_INV_TCB_CONFIGURE, TCBS, 5, {K_NONE_EP, K_CNODE, K_VSPACE, K_VADDR, K_FRAME}},
    {BST_INV_TCB_SET_SPACE, TCBS, 3, {K_NONE_EP, K_CNODE, K_VSPACE}},
    {BST_INV_TCB_SET_IPC_BUFFER, TCBS, 2, {K_VADDR, K_FRAME}},
    {BST_INV_TCB_SET_FAULT_ENDPOINT, TCBS, 1, {K_NONE_EP}},
    {BST_INV_TCB_SET_TIMEOUT_ENDPOINT, TCBS, 1, {K_NONE_EP}},
    {BST_INV_TCB_SET_PRIORITY, TCBS, 2, {K_TCB, K_PRIO}},
    {BST_INV_TCB_SET_SCHED_PARAMS, TCBS, 3, {K_TCB, K_PRIO, K_PRIO}},
    {BST_INV_TCB_READ_REGISTERS, TCBS, 1, {K_COUNT}},
    {BST_INV_TCB_WRITE_REGISTERS, TCBS, 2, {K_WRITE_FLAGS, K_REG_COUNT}},
    {BST_INV_TCB_RESUME, TCBS, 0, {0}},
    {BST_INV_TCB_SUSPEND, TCBS, 0, {0}},
    {BST_INV_TCB_BIND_NOTIFICATION, TCBS, 1, {K_NOTIFICATION}},
    {BST_INV_TCB_UNBIND_NOTIFICATION, TCBS, 0, {0}},
    {BST_INV_SCHED_CONTEXT_BIND, {FS_SC}, 1, {K_TCB}},
    {BST_INV_SCHED_CONTEXT_UNBIND, {FS_SC}, 0, {0}},
    {BST_INV_SCHED_CONTEXT_CONSUMED, {FS_SC}, 0, {0}},
    {BST_INV_FRAME_MAP, FRAMES, 4, {K_VSPACE, K_VADDR, K_MAP_RIGHTS, K_ATTRS}},
    {BST_INV_FRAME_MAP, FRAMES, 4, {K_VSPACE, K_VADDR, K_MAP_RIGHTS, K_ATTRS}},
    {BST_INV_FRAME_UNMAP, FRAMES, 0, {0}},
    {BST_INV_FRAME_GET_ADDRESS, FRAMES, 0, {0}},
    {BST_INV_PAGE_TABLE_MAP, TABLES, 2, {K_VSPACE, K_VADDR}},
    {BST_INV_PAGE_TABLE_MAP, TABLES, 2, {K_VSPACE, K_VADDR}},
    {BST_INV_PAGE_TABLE_UNMAP, TABLES, 0, {0}},
    {BST_INV_IOPORT_IN8, {FS_IOPORT}, 1, {K_PORT}},
    {BST_INV_IOPORT_IN16, {FS_IOPORT}, 1, {K_PORT}},
    {BST_INV_IOPORT_IN32, {FS_IOPORT}, 1, {K_PORT}},
    {BST_INV_IOPORT_OUT8, {FS_IOPORT}, 2, {K_PORT, K_ANY}},
    {BST_INV_IOPORT_OUT32, {FS_IOPORT}, 2, {K_PORT, K_ANY}},
    {BST_INV_IOPORT_GRANT, {FS_IOPORT}, 1, {K_VSPACE}},
    {BST_INV_IOPORT_UNGRANT, {FS_IOPORT}, 0, {0}},
};
#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* Random extra words, extra-cap addresses and a receive slot in the IPC buffer. */
static void scribble(struct fuzz_state *s, struct fuzz_call *c)
{
    for (unsigned i = 0; i < FUZZ_MSG_WORDS; i++)
        c->msg[i] = any_arg(s);
    c->msg_count = FUZZ_MSG_WORDS;
    for (unsigned i = 0; i < BST_MSG_MAX_EXTRA_CAPS; i++)
        c->caps[i] = any_slot(s);
    c->receive_cnode = below(s, 4) == 0 ? any_slot(s) : FS_CNODE;
    c->receive_index = any_slot(s);
    c->receive_depth = below(s, 4) == 0 ? any_arg(s) : FUZZ_DEPTH;
    c->scribble = 1;
}

/* Instruction pointers that fault wherever they land: page 0, a non-canonical address,
 * the top of the user half, or the thread's region, which holds nothing executable of
 * the root's. */
static const uint64_t fault_rips[] = {0x10, 1ull << 63, BST_USER_TOP - 2, BST_USER_TOP};

static bool faulting_rip(const struct fuzz_state *s, uint64_t rip)
{
    for (unsigned i = 0; i < 4; i++)
        if (rip == fault_rips[i] || rip == s->region + 0x1000 * i)
            return true;
    return false;
}

static bool refused_label(uint64_t label)
{
    /* See the top of the file: these could set the threads' registers at will. */
    return label == BST_INV_TCB_WRITE_REGISTERS || label == BST_INV_TCB_COPY_REGISTERS ||
           label == BST_INV_TCB_CONFIGURE || label == BST_INV_TCB_SET_SPACE ||
           label == BST_INV_TCB_SET_FAULT_ENDPOINT || label == BST_INV_TCB_SET_TIMEOUT_ENDPOINT;
}

/* Invocations whose MR0 is a fault or timeout endpoint. */
static bool sets_endpoint(uint64_t label)
{
    return label == BST_INV_TCB_CONFIGURE || label == BST_INV_TCB_SET_SPACE ||
           label == BST_INV_TCB_SET_FAULT_ENDPOINT || label == BST_INV_TCB_SET_TIMEOUT_ENDPOINT;
}

static void wild_call(struct fuzz_state *s, struct fuzz_call *c)
{
    uint64_t r = next(s);
    uint64_t label = (r >> 8) % 64, length = (r >> 16) % 8, caps = (r >> 20) % 8 == 0;
    if (refused_label(label))
        label = 0;
    c->kind = FC_WILD;
    c->rax = 1 + (r % BST_SYS_YIELD); /* CALL .. YIELD: no debug calls */
    c->rdi = any_slot(s);
    c->rsi = bst_msginfo_make(label, (unsigned)length, (unsigned)caps, 0);
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
        c->mr[i] = any_arg(s);
    c->r12 = below(s, 2) == 0 ? FS_REPLY : any_slot(s);
    c->r13 = any_slot(s);
}

/* The revoke or delete of a slot the thread's own spaces come from. */
static void own_space_call(struct fuzz_state *s, struct fuzz_call *c)
{
    uint64_t label = below(s, 2) == 0 ? BST_INV_CNODE_REVOKE : BST_INV_CNODE_DELETE;
    c->kind = FC_OWN_SPACE;
    c->rax = BST_SYS_CALL;
    c->rdi = FS_CNODE;
    c->rsi = bst_msginfo_make(label, 2, 0, 0);
    c->mr[0] = below(s, 2) == 0 ? FS_CNODE : FS_ROOT_VS;
    c->mr[1] = FUZZ_DEPTH;
}

/* Calls that undo: they nearly always succeed, so three in four are drawn again, or
 * nothing would stay built long enough for the next level to use it. */
static bool undoes(uint8_t label)
{
    return label == BST_INV_CNODE_DELETE || label == BST_INV_CNODE_REVOKE ||
           label == BST_INV_FRAME_UNMAP || label == BST_INV_PAGE_TABLE_UNMAP ||
           label == BST_INV_TCB_SUSPEND || label == BST_INV_SCHED_CONTEXT_UNBIND ||
           label == BST_INV_IOPORT_UNGRANT || label == BST_INV_TCB_UNBIND_NOTIFICATION;
}

/* An invocation of `cap` with the given label, length and register MRs. */
static void invocation(struct fuzz_call *c, uint64_t cap, uint64_t label, unsigned length,
                       const uint64_t *mr)
{
    c->kind = FC_SHAPED;
    c->rax = BST_SYS_CALL;
    c->rdi = cap;
    c->rsi = bst_msginfo_make(label, length, 0, 0);
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
        c->mr[i] = mr[i];
}

static void shaped_call(struct fuzz_state *s, struct fuzz_call *c)
{
    const struct shape *sh = &shapes[below(s, N_SHAPES)];
    if (undoes(sh->label) && below(s, 4) != 0)
        sh = &shapes[below(s, N_SHAPES)];
    unsigned n_targets = 0;
    while (n_targets < 4 && sh->targets[n_targets] != 0)
        n_targets++;
    uint64_t target = below(s, 8) == 0 ? any_slot(s) : sh->targets[below(s, n_targets)];
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    for (unsigned i = 0; i < sh->nargs; i++) {
        uint64_t v = arg_of(s, (enum arg_kind)sh->args[i]);
        if (i < BST_MSG_REGISTERS) {
            mr[i] = v;
        } else {
            c->msg[i - FUZZ_MSG_FIRST] = v;
            if (c->msg_count < i - FUZZ_MSG_FIRST + 1)
                c->msg_count = (uint8_t)(i - FUZZ_MSG_FIRST + 1);
        }
    }
    unsigned length = sh->nargs;
    if (sh->label == BST_INV_TCB_WRITE_REGISTERS) {
        /* Every register 0 but rip, which faults, and rflags (fuzz_call_run). */
        mr[2] = below(s, 2) == 0 ? fault_rips[below(s, 4)] : s->region + 0x1000 * below(s, 4);
        mr[3] = 0; /* rsp */
        length = 2 + BST_TCB_REGISTER_COUNT;
    } else if (below(s, 16) == 0) {
        length = (unsigned)below(s, 10); /* too short, or longer than it needs */
    }
    invocation(c, target, sh->label, length, mr);
}

/* A whole mapping in a row: the three tables and a frame under them, at a place in the
 * region (a table already there, or a slot that holds something else, just fails its
 * step). Random calls alone seldom build all four levels before they undo one; with
 * these, the undoing calls find full chains of tables and frames to take apart. */
static unsigned build_mapping(struct fuzz_state *s, struct fuzz_call *c)
{
    static const uint64_t tables[] = {FS_PT_L3, FS_PT_L2, FS_PT_L1};
    static const uint64_t frames[] = {FS_FRAME, FS_FRAME_B, FS_IPC_FRAME, FS_DEVICE_FRAME};
    uint64_t vs = below(s, 2) == 0 ? FS_VSPACE : FS_ROOT_VS;
    uint64_t va = vaddr_arg(s) & ~0xfffull;
    const uint64_t table_mr[BST_MSG_REGISTERS] = {vs, va, 0, 0};
    for (unsigned i = 0; i < 3; i++)
        invocation(&c[i], tables[i], BST_INV_PAGE_TABLE_MAP, 2, table_mr);
    uint64_t frame = frames[below(s, 4)];
    const uint64_t frame_mr[BST_MSG_REGISTERS] = {vs, va, arg_of(s, K_MAP_RIGHTS), below(s, 8)};
    invocation(&c[3], frame, BST_INV_FRAME_MAP, 4, frame_mr);
    return 4;
}

unsigned fuzz_calls_next(struct fuzz_state *s, struct fuzz_call *out)
{
    for (unsigned i = 0; i < FUZZ_CALLS_MAX; i++)
        out[i] = (struct fuzz_call){0};
    if (below(s, 2) == 0)
        scribble(s, &out[0]);
    uint64_t r = below(s, 1024);
    if (r == 0)
        own_space_call(s, &out[0]);
    else if (r < 16)
        return build_mapping(s, out);
    else if (r < 256)
        wild_call(s, &out[0]);
    else
        shaped_call(s, &out[0]);
    return 1;
}

uint64_t fuzz_random(struct fuzz_state *s)
{
    return next(s);
}

uint64_t fuzz_value(struct fuzz_state *s)
{
    return arg_of(s, (enum arg_kind)below(s, K_WRITE_FLAGS + 1));
}

/* Whatever its words, the call cannot hurt the root (see the top of the file): a
 * system-call number from CALL to YIELD, never COPY_REGISTERS, no fault or timeout
 * endpoint, and register writes that set only a faulting rip, rsp 0 and rflags 0x202. */
static void make_safe(const struct fuzz_state *s, struct fuzz_call *c)
{
    if (c->rax < BST_SYS_CALL || c->rax > BST_SYS_YIELD)
        c->rax = BST_SYS_CALL + c->rax % BST_SYS_YIELD;
    const uint64_t fields = (1ull << BST_MSGINFO_LABEL_SHIFT) - 1;
    uint64_t label = bst_msginfo_label(c->rsi);
    if (label == BST_INV_TCB_COPY_REGISTERS)
        c->rsi &= fields; /* label 0 */
    if (sets_endpoint(label))
        c->mr[0] = 0;
    if (label == BST_INV_TCB_WRITE_REGISTERS) {
        if (!faulting_rip(s, c->mr[2]))
            c->mr[2] = s->region + 0x1000 * (c->mr[2] % 4);
        c->mr[3] = 0;
        for (unsigned i = 2; i < 2 + BST_TCB_REGISTER_COUNT; i++)
            s->buf->msg[i] = 0;
        s->buf->msg[2] = c->mr[2];
        s->buf->msg[4] = 0x202; /* MR4: rflags (bastion/tcbregs.h order: rip, rsp, rflags) */
    }
}

void fuzz_call_run(struct fuzz_state *s, const struct fuzz_call *call)
{
    struct fuzz_call c = *call;
    struct bst_ipc_buffer *b = s->buf;
    for (unsigned i = 0; i < c.msg_count && i < FUZZ_MSG_WORDS; i++)
        b->msg[FUZZ_MSG_FIRST + i] = c.msg[i];
    if (c.scribble) {
        for (unsigned i = 0; i < BST_MSG_MAX_EXTRA_CAPS; i++)
            b->caps[i] = c.caps[i];
        b->receive_cnode = c.receive_cnode;
        b->receive_index = c.receive_index;
        b->receive_depth = c.receive_depth;
    }
    make_safe(s, &c);
    struct bst_sysregs regs = {
        .rax = c.rax,
        .rdi = c.rdi,
        .rsi = c.rsi,
        .mr = {c.mr[0], c.mr[1], c.mr[2], c.mr[3]},
        .r12 = c.r12,
    };
    uint64_t label = bst_msginfo_label(c.rsi);
    if (c.kind == FC_WILD)
        s->wild = s->wild + 1;
    bst_arch_syscall_r13(&regs, c.r13);
    s->calls = s->calls + 1;
    if (regs.rax != BST_OK)
        s->errors = s->errors + 1;
    else if (c.kind == FC_OWN_SPACE)
        s->own_space_ops = s->own_space_ops + 1;
    else if (c.kind == FC_SHAPED && label < BST_INVOCATION_COUNT)
        s->ok[label] = s->ok[label] + 1;
}

void fuzz_thread(struct probe_block *b)
{
    struct fuzz_state *s = (struct fuzz_state *)(uintptr_t)b->addr;
    b->started = 1;
    for (;;) {
        struct fuzz_call calls[FUZZ_CALLS_MAX];
        unsigned n = fuzz_calls_next(s, calls);
        for (unsigned i = 0; i < n; i++)
            fuzz_call_run(s, &calls[i]);
    }
}
