/*
 * Random system calls against the real kernel: a thread whose CSpace is a sandbox CNode
 * (an untyped, endpoints, a notification, a reply object, a frame, an unconfigured
 * scheduling context, the sandbox itself) makes tens of thousands of system calls with
 * random numbers (the IPC calls and Yield), capability addresses, labels, lengths and
 * arguments. Whatever it does, the kernel must answer with an error code or do what
 * was asked, and never panic, hang or corrupt itself: the root task keeps running
 * beside it, restarts it whenever a call of its blocks for good, then deletes all it
 * made and checks that the kernel still works. The sandbox holds no control caps, so
 * the threads it makes never get CPU time and the root's own objects are out of reach.
 */
#include "roottask.h"

#include <bastion/capdata.h>
#include <libbastion/ipc.h>

#define SANDBOX_RADIX 7
#define SANDBOX_SLOTS (1u << SANDBOX_RADIX)
#define CALLS         40000

struct fuzz_state {
    uint64_t rng;
    volatile uint64_t calls;
    volatile uint64_t errors; /* calls that returned an error code */
};

static uint64_t next(struct fuzz_state *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* Mostly a sandbox slot, sometimes 0, a wild value or one past the end. */
static uint64_t any_cptr(struct fuzz_state *s)
{
    uint64_t r = next(s);
    switch (r % 16) {
    case 0:
        return 0;
    case 1:
        return r;
    case 2:
        return SANDBOX_SLOTS + (r >> 8) % 4;
    default:
        return (r >> 8) % 16; /* the populated slots and what retype puts after them */
    }
}

/* An argument: a small number, a slot, a size, an object type, or anything. */
static uint64_t any_arg(struct fuzz_state *s)
{
    uint64_t r = next(s);
    switch (r % 6) {
    case 0:
        return (r >> 8) % 4;
    case 1:
        return any_cptr(s);
    case 2:
        return (r >> 8) % 64;
    case 3:
        return (r >> 8) % 30; /* object types and labels */
    case 4:
        return 1ull << ((r >> 8) % 64);
    default:
        return r;
    }
}

static void fuzz_child(struct probe_block *b)
{
    struct fuzz_state *s = (struct fuzz_state *)(uintptr_t)b->addr;
    b->started = 1;
    for (;;) {
        uint64_t r = next(s);
        uint64_t number = 1 + (r % BST_SYS_YIELD); /* CALL .. YIELD: no debug calls */
        uint64_t label = (r >> 8) % 64, length = (r >> 16) % 8, caps = (r >> 20) % 8 == 0;
        struct bst_sysregs regs = {
            .rax = number,
            .rdi = any_cptr(s),
            .rsi = bst_msginfo_make(label, (unsigned)length, (unsigned)caps, 0),
            .mr = {any_arg(s), any_arg(s), any_arg(s), any_arg(s)},
            .r12 = any_cptr(s),
        };
        s->calls = s->calls + 1;
        bst_arch_syscall_r13(&regs, any_cptr(s));
        if (regs.rax != BST_OK)
            s->errors = s->errors + 1;
    }
}

/* The sandbox: a CNode whose guard makes it a whole 64-bit CSpace on its own. */
static bst_error_t sandbox_fill(bst_cptr_t cnode, bst_cptr_t guarded)
{
    bst_objtype_t types[] = {BST_OBJ_UNTYPED,      BST_OBJ_ENDPOINT, BST_OBJ_ENDPOINT,
                             BST_OBJ_NOTIFICATION, BST_OBJ_REPLY,    BST_OBJ_FRAME_4K,
                             BST_OBJ_SCHED_CONTEXT};
    unsigned bits[] = {16, 0, 0, 0, 0, 0, 0};
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        bst_cptr_t obj;
        bst_error_t e = obj_alloc(types[i], bits[i], &obj);
        if (e == BST_OK)
            e = bst_cnode_move(cnode, 1 + i, SANDBOX_RADIX, ROOT_CNODE, obj, BST_ROOT_DEPTH);
        if (e != BST_OK)
            return e;
    }
    /* Slot 8: the sandbox itself, so that CNode operations and retype can name it. */
    return bst_cnode_copy(cnode, 8, SANDBOX_RADIX, ROOT_CNODE, guarded, BST_ROOT_DEPTH,
                          BST_RIGHTS_ALL);
}

static bst_error_t restart(bst_cptr_t tcb, struct probe_block *b)
{
    bst_error_t e = bst_tcb_suspend(tcb);
    return e != BST_OK ? e : thread_start(tcb, fuzz_child, b);
}

void test_fuzz_random_system_calls(void)
{
    static struct probe_block b;
    static struct fuzz_state s = {.rng = 0x9e3779b97f4a7c15ull};
    bst_cptr_t cnode, guarded, tcb, ep;
    CHECK_OK(obj_alloc(BST_OBJ_CNODE, SANDBOX_RADIX, &cnode));
    guarded = slot_alloc();
    CHECK(guarded != 0, "no slot left");
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, guarded, BST_ROOT_DEPTH, ROOT_CNODE, cnode, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, bst_cnode_guard_data(0, 64 - SANDBOX_RADIX)));
    CHECK_OK(sandbox_fill(cnode, guarded));
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &tcb)); /* equal priority: slices alternate */
    CHECK_OK(bst_tcb_set_space(tcb, 0, guarded, ROOT_VS));
    b.addr = (uint64_t)(uintptr_t)&s;
    CHECK_OK(thread_start(tcb, fuzz_child, &b));
    unsigned restarts = 0;
    uint64_t seen = 0;
    for (unsigned round = 0; round < 60000 && s.calls < CALLS; round++) {
        CHECK_OK(bst_yield());
        if (round % 3 == 2) {
            if (s.calls == seen) { /* blocked for good: start it again where it left */
                CHECK_OK(restart(tcb, &b));
                restarts++;
            }
            seen = s.calls;
        }
    }
    CHECK_OK(bst_tcb_suspend(tcb));
    bst_printf("fuzz: %lu random system calls (%lu errors), %u restarts\n", (unsigned long)s.calls,
               (unsigned long)s.errors, restarts);
    CHECK(s.calls >= 1000, "only %lu calls were made", (unsigned long)s.calls);
    /* Everything it made goes: the sandbox's untyped children, then the sandbox. */
    CHECK_OK(bst_cnode_revoke(cnode, 1, SANDBOX_RADIX));
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, cnode, BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, cnode, BST_ROOT_DEPTH));
    /* The kernel still works: a signal and a wait. */
    bst_cptr_t badged = slot_alloc();
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ep));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ep, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, 0x5));
    uint64_t word = 0;
    CHECK_OK(bst_signal(badged));
    CHECK_OK(bst_wait(ep, &word));
    CHECK(word == 0x5, "a signal after the fuzzing came back as %lx", (unsigned long)word);
}
