/*
 * Same-space children that run one probe (probes.S), and the root's side: start one,
 * then see whether it got past the probe or faulted on it.
 */
#include "probe_child.h"

static _Noreturn void finish(struct probe_block *b)
{
    b->passed = 1;
    bst_tcb_suspend(b->tcb);
    for (;;)
        __asm__ volatile("pause");
}

static void child_read(struct probe_block *b)
{
    b->started = 1;
    b->value = probe_read(b->addr);
    finish(b);
}

static void child_write(struct probe_block *b)
{
    b->started = 1;
    probe_write(b->addr, b->arg);
    finish(b);
}

static void child_call(struct probe_block *b)
{
    b->started = 1;
    probe_call(b->addr);
    finish(b);
}

static void child_ud(struct probe_block *b)
{
    b->started = 1;
    probe_ud();
    finish(b);
}

static void child_divide(struct probe_block *b)
{
    b->started = 1;
    b->value = probe_divide(b->arg);
    finish(b);
}

static void child_in8(struct probe_block *b)
{
    b->started = 1;
    b->value = probe_port_in8(0, 0, b->addr);
    finish(b);
}

static void child_in16(struct probe_block *b)
{
    b->started = 1;
    b->value = probe_port_in16(0, 0, b->addr);
    finish(b);
}

static void child_out8(struct probe_block *b)
{
    b->started = 1;
    probe_port_out8(b->arg, 0, b->addr);
    finish(b);
}

static void (*const entries[])(struct probe_block *) = {
    [PROBE_READ] = child_read, [PROBE_WRITE] = child_write,   [PROBE_CALL] = child_call,
    [PROBE_UD] = child_ud,     [PROBE_DIVIDE] = child_divide, [PROBE_IN8] = child_in8,
    [PROBE_IN16] = child_in16, [PROBE_OUT8] = child_out8,
};

static const char *const names[] = {
    [PROBE_READ] = "probe-read",    [PROBE_WRITE] = "probe-write",   [PROBE_CALL] = "probe-call",
    [PROBE_UD] = "probe-ud",        [PROBE_DIVIDE] = "probe-divide", [PROBE_IN8] = "probe-port-in",
    [PROBE_IN16] = "probe-port-in", [PROBE_OUT8] = "probe-port-out",
};

uint64_t probe_fault_rip(enum probe_kind kind, uint64_t addr)
{
    switch (kind) {
    case PROBE_READ:
        return (uint64_t)(uintptr_t)probe_read;
    case PROBE_WRITE:
        return (uint64_t)(uintptr_t)probe_write;
    case PROBE_CALL:
        return addr;
    case PROBE_UD:
        return (uint64_t)(uintptr_t)probe_ud;
    case PROBE_DIVIDE:
        return (uint64_t)(uintptr_t)probe_divide_insn;
    case PROBE_IN8:
        return (uint64_t)(uintptr_t)probe_port_in8;
    case PROBE_IN16:
        return (uint64_t)(uintptr_t)probe_port_in16;
    case PROBE_OUT8:
        return (uint64_t)(uintptr_t)probe_port_out8_insn;
    }
    return 0;
}

bst_error_t probe_run(enum probe_kind kind, uint64_t addr, uint64_t arg, struct probe_result *res)
{
    static struct probe_block blocks[32];
    static unsigned next;
    struct probe_block *b = &blocks[next];
    next = (next + 1) % 32;
    *b = (struct probe_block){.addr = addr, .arg = arg};
    *res = (struct probe_result){0};

    bst_cptr_t tcb;
    bst_error_t e = thread_new(ROOT_VS, HIGH_PRIO, &tcb);
    if (e == BST_OK) /* the name shows in the kernel's fault report (roottask.mk checks) */
        e = bst_debug_name(tcb, names[kind]);
    if (e == BST_OK)
        e = thread_start(tcb, entries[kind], b);
    if (e != BST_OK)
        return e;
    res->started = wait_eq(&b->started, 1);
    if (res->started && !b->passed)
        settle(); /* a high-priority child has run to its end or its fault by now */
    res->passed = b->passed == 1;
    res->value = b->value;
    struct bst_tcb_regs r;
    e = bst_tcb_read_registers(tcb, 1, &r);
    res->rip = r.rip;
    res->faulted_at_probe = !res->passed && e == BST_OK && r.rip == probe_fault_rip(kind, addr);
    res->tcb = tcb;
    res->block = b;
    return e;
}
