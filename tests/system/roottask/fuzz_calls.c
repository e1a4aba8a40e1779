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
 * endpoint is ever given (a handler's RESUME_REGS reply would set registers).
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
static void scribble(struct fuzz_state *s)
{
    struct bst_ipc_buffer *b = s->buf;
    for (unsigned i = BST_MSG_REGISTERS; i < 12; i++)
        b->msg[i] = any_arg(s);
    for (unsigned i = 0; i < BST_MSG_MAX_EXTRA_CAPS; i++)
        b->caps[i] = any_slot(s);
    b->receive_cnode = below(s, 4) == 0 ? any_slot(s) : FS_CNODE;
    b->receive_index = any_slot(s);
    b->receive_depth = below(s, 4) == 0 ? any_arg(s) : FUZZ_DEPTH;
}

/* TCB_WRITE_REGISTERS: every register 0 but the instruction pointer, which faults
 * wherever it lands (page 0, a non-canonical address, the top of the user half, or
 * the thread's region, which holds nothing executable of the root's). */
static void write_registers(struct fuzz_state *s, uint64_t *mr)
{
    static const uint64_t rips[] = {0x10, 1ull << 63, BST_USER_TOP - 2, BST_USER_TOP};
    uint64_t rip = below(s, 2) == 0 ? rips[below(s, 4)] : s->region + 0x1000 * below(s, 4);
    for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++)
        s->buf->msg[2 + i] = 0;
    s->buf->msg[2] = rip; /* MR2: the first register, rip (bastion/tcbregs.h order) */
    s->buf->msg[4] = 0x202;
    mr[2] = rip;
    mr[3] = 0; /* rsp */
}

static bool refused_label(uint64_t label)
{
    /* See the top of the file: these could set the threads' registers at will. */
    return label == BST_INV_TCB_WRITE_REGISTERS || label == BST_INV_TCB_COPY_REGISTERS ||
           label == BST_INV_TCB_CONFIGURE || label == BST_INV_TCB_SET_SPACE ||
           label == BST_INV_TCB_SET_FAULT_ENDPOINT || label == BST_INV_TCB_SET_TIMEOUT_ENDPOINT;
}

static void wild_call(struct fuzz_state *s)
{
    uint64_t r = next(s);
    uint64_t number = 1 + (r % BST_SYS_YIELD); /* CALL .. YIELD: no debug calls */
    uint64_t label = (r >> 8) % 64, length = (r >> 16) % 8, caps = (r >> 20) % 8 == 0;
    if (refused_label(label))
        label = 0;
    struct bst_sysregs regs = {
        .rax = number,
        .rdi = any_slot(s),
        .rsi = bst_msginfo_make(label, (unsigned)length, (unsigned)caps, 0),
        .mr = {any_arg(s), any_arg(s), any_arg(s), any_arg(s)},
        .r12 = below(s, 2) == 0 ? FS_REPLY : any_slot(s),
    };
    s->wild = s->wild + 1;
    bst_arch_syscall_r13(&regs, any_slot(s));
    s->calls = s->calls + 1;
    if (regs.rax != BST_OK)
        s->errors = s->errors + 1;
}

/* The revoke or delete of a slot the thread's own spaces come from. */
static void own_space_call(struct fuzz_state *s)
{
    uint64_t label = below(s, 2) == 0 ? BST_INV_CNODE_REVOKE : BST_INV_CNODE_DELETE;
    struct bst_sysregs regs = {
        .rax = BST_SYS_CALL,
        .rdi = FS_CNODE,
        .rsi = bst_msginfo_make(label, 2, 0, 0),
        .mr = {below(s, 2) == 0 ? FS_CNODE : FS_ROOT_VS, FUZZ_DEPTH},
    };
    bst_arch_syscall(&regs);
    s->calls = s->calls + 1;
    if (regs.rax == BST_OK)
        s->own_space_ops = s->own_space_ops + 1;
    else
        s->errors = s->errors + 1;
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

static void shaped_call(struct fuzz_state *s)
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
        if (i < BST_MSG_REGISTERS)
            mr[i] = v;
        else
            s->buf->msg[i] = v;
    }
    unsigned length = sh->nargs;
    if (sh->label == BST_INV_TCB_WRITE_REGISTERS) {
        write_registers(s, mr);
        length = 2 + BST_TCB_REGISTER_COUNT;
    } else if (below(s, 16) == 0) {
        length = (unsigned)below(s, 10); /* too short, or longer than it needs */
    }
    struct bst_sysregs regs = {
        .rax = BST_SYS_CALL,
        .rdi = target,
        .rsi = bst_msginfo_make(sh->label, length, 0, 0),
        .mr = {mr[0], mr[1], mr[2], mr[3]},
    };
    bst_arch_syscall(&regs);
    s->calls = s->calls + 1;
    if (regs.rax == BST_OK)
        s->ok[sh->label] = s->ok[sh->label] + 1;
    else
        s->errors = s->errors + 1;
}

static uint64_t invoke(struct fuzz_state *s, uint64_t cap, uint64_t label, unsigned length,
                       uint64_t mr0, uint64_t mr1, uint64_t mr2, uint64_t mr3)
{
    struct bst_sysregs regs = {
        .rax = BST_SYS_CALL,
        .rdi = cap,
        .rsi = bst_msginfo_make(label, length, 0, 0),
        .mr = {mr0, mr1, mr2, mr3},
    };
    bst_arch_syscall(&regs);
    s->calls = s->calls + 1;
    if (regs.rax == BST_OK)
        s->ok[label] = s->ok[label] + 1;
    else
        s->errors = s->errors + 1;
    return regs.rax;
}

/* A whole mapping in a row: the three tables and a frame under them, at a place in the
 * region (a table already there, or a slot that holds something else, just fails its
 * step). Random calls alone seldom build all four levels before they undo one; with
 * these, the undoing calls find full chains of tables and frames to take apart. */
static void build_mapping(struct fuzz_state *s)
{
    static const uint64_t tables[] = {FS_PT_L3, FS_PT_L2, FS_PT_L1};
    static const uint64_t frames[] = {FS_FRAME, FS_FRAME_B, FS_IPC_FRAME, FS_DEVICE_FRAME};
    uint64_t vs = below(s, 2) == 0 ? FS_VSPACE : FS_ROOT_VS;
    uint64_t va = vaddr_arg(s) & ~0xfffull;
    for (unsigned i = 0; i < 3; i++)
        invoke(s, tables[i], BST_INV_PAGE_TABLE_MAP, 2, vs, va, 0, 0);
    invoke(s, frames[below(s, 4)], BST_INV_FRAME_MAP, 4, vs, va, arg_of(s, K_MAP_RIGHTS),
           below(s, 8));
}

void fuzz_thread(struct probe_block *b)
{
    struct fuzz_state *s = (struct fuzz_state *)(uintptr_t)b->addr;
    b->started = 1;
    for (;;) {
        if (below(s, 2) == 0)
            scribble(s);
        uint64_t r = below(s, 1024);
        if (r == 0)
            own_space_call(s);
        else if (r < 16)
            build_mapping(s);
        else if (r < 256)
            wild_call(s);
        else
            shaped_call(s);
    }
}
