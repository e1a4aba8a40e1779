/*
 * libFuzzer target over the whole system-call interface (make fuzz-syscalls): the
 * generic kernel on the host "architecture" (tests/host/arch), entered only the ways a
 * CPU enters it -- SYSCALL through the same C fastpaths and dispatcher as
 * kernel/arch/x86_64/syscall.S, exceptions, the timer and device interrupts -- from
 * three threads in two address spaces (fuzz_world.h). The input bytes choose the events
 * and every register and IPC-buffer word of each call. After every kernel entry every
 * invariant checker runs (fuzz_check.h); a broken one, a kernel assertion or a sanitizer
 * report stops the run. At the end of each input every object is deleted and the kernel
 * must hold nothing (fuzz_world_teardown()).
 *
 * The threads' code is a SYSCALL at every address: a thread that runs executes one
 * with the registers the input gives it, except that a call the kernel restarted (its
 * instruction pointer moved back over the SYSCALL) is executed again as it stands, as a
 * CPU would. Input layout: one options byte (bits 1-3: a preemption point fires every
 * 2..8 checks, 0: never; bit 0: compare, below), then events; every field is a byte or a
 * few, read as zeros past the end. Time moves only as the input says.
 *
 * With bit 0 the input runs twice, with the IPC fastpaths off and then on, and after
 * every step the threads must see the same (fuzz_observe.h): the fastpaths must change
 * nothing observable. FUZZ_SYSCALLS_TRACE=1 in the environment
 * prints every kernel entry and its result on stderr.
 */
#include "fuzz_check.h"
#include "fuzz_observe.h"
#include "fuzz_world.h"

#include "arch/host_arch.h"

#include <bastion/fault.h>
#include <bastion/invocation.h>
#include <bastion/syscall.h>
#include <ipc/fastpath.h>
#include <irq/irq.h>
#include <thread/sched.h>
#include <timer.h>

#include <stdlib.h>

#define MAX_ENTRIES   2000 /* kernel entries per input */
#define MAX_REISSUES  1000 /* restarts of one call in a row: the kernel makes no progress */
#define RESTART_SLOTS 16

struct input {
    const uint8_t *data;
    size_t size, pos;
};

/* Counted over the whole process; printed at exit. */
static struct {
    unsigned long inputs, syscalls, faults, interrupts, halts, reissues;
} totals;

static struct fuzz_world world;
static int tracing = -1; /* FUZZ_SYSCALLS_TRACE: -1 not read yet */

/* The thread's name: its index in the world, or '?' for one the input made. */
static char thread_name(const struct tcb *t)
{
    return t == NULL ? '-' : t->name[0] != '\0' ? t->name[0] : '?';
}

/* The threads whose last call the kernel restarted: the instruction pointer it left. */
static struct {
    const struct tcb *t;
    uint64_t rip;
} restarts[RESTART_SLOTS];
static unsigned restart_next;

/* Faulting threads and their registers then: one that took an exception the input made,
 * or that the kernel made wait to deliver a fault message or for its reply. Such a thread
 * is in no system call: until it runs again its registers are its own, whatever wakes,
 * suspends or resumes it (docs/testing.md, 8646fbb's bug 4), unless something may have
 * written them on purpose since: WRITE_REGISTERS, a reply (RESUME_REGS answers a fault
 * with new registers), a retype (a new thread in the same memory). */
static struct {
    const struct tcb *t;
    uint64_t reg[BST_TCB_REGISTER_COUNT];
} faulted[RESTART_SLOTS];
static unsigned faulted_next;

static void forget_faults(void)
{
    for (unsigned i = 0; i < RESTART_SLOTS; i++) {
        faulted[i].t = NULL;
    }
}

/* After a call: forget the registers taken at faults if the call may write them. */
static void forget_faults_if_written(uint64_t n, uint64_t cptr, uint64_t info)
{
    uint64_t label = bst_msginfo_label(info);
    bool reply_cap =
        cptr - 1 >= 255 || cap_type(&fuzz_world_slot(&world, cptr)->cap) == BST_OBJ_REPLY;
    if ((n == BST_SYS_CALL &&
         (label == BST_INV_TCB_WRITE_REGISTERS || label == BST_INV_UNTYPED_RETYPE)) ||
        n == BST_SYS_REPLY_RECV || reply_cap) {
        forget_faults();
    }
}

static void remember_fault(const struct tcb *t)
{
    faulted[faulted_next % RESTART_SLOTS].t = t;
    for (unsigned r = 0; r < BST_TCB_REGISTER_COUNT; r++) {
        faulted[faulted_next % RESTART_SLOTS].reg[r] = t->arch.ctx.reg[r];
    }
    faulted_next++;
}

/* Faults the kernel raised (a capability fault, an unknown call, a timeout): a thread
 * waiting to deliver its fault message, or for the reply to it, is in no system call
 * either, from the entry that raised the fault on. */
static void remember_kernel_faults(void)
{
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        if (cap_type(&n->cap) != BST_OBJ_TCB) {
            continue;
        }
        const struct tcb *t = tcb_of(&n->cap);
        bool waits = t->state == THREAD_BLOCKED_SEND || t->state == THREAD_BLOCKED_REPLY;
        bool known = false;
        for (unsigned i = 0; i < RESTART_SLOTS; i++) {
            known |= faulted[i].t == t;
        }
        if (waits && (t->ipc_flags & IPC_FAULT) && !known) {
            remember_fault(t);
        }
    }
}

/* The thread the kernel just returned to: if it faulted, its registers are as then. */
static void check_fault_registers(const struct tcb *t)
{
    for (unsigned i = 0; t != NULL && i < RESTART_SLOTS; i++) {
        if (faulted[i].t == t) {
            faulted[i].t = NULL;
            for (unsigned r = 0; r < BST_TCB_REGISTER_COUNT; r++) {
                if (t->arch.ctx.reg[r] != faulted[i].reg[r]) {
                    fprintf(stderr,
                            "fuzz-syscalls: register %u of a thread that faulted changed before "
                            "it ran again\n",
                            r);
                    abort();
                }
            }
        }
    }
}

static uint8_t byte(struct input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint64_t bytes(struct input *in, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | byte(in);
    }
    return v;
}

/* The root CNode slots that hold a cap, refreshed before each call: a cap argument
 * names one of them most of the time, so that the input need not find the numbers. */
static uint8_t live_slots[256];
static unsigned live_count;

static void find_live_slots(void)
{
    live_count = 0;
    for (unsigned i = 1; i < 256; i++) {
        if (!cap_is_null(&fuzz_world_slot(&world, i)->cap)) {
            live_slots[live_count++] = (uint8_t)i;
        }
    }
}

/* A capability address (the threads' CSpace is the 256-slot root CNode): a slot that
 * holds a cap (byte < 0x80), any slot (0x80..0xef, then the index), any word. */
static uint64_t cap_arg(struct input *in)
{
    uint8_t b = byte(in);
    if (b < 0x80) {
        return live_count != 0 ? live_slots[b % live_count] : b;
    }
    return b < 0xf0 ? byte(in) : bytes(in, 8);
}

static const uint64_t vaddr_bases[8] = {
    UINT64_C(0x10000000),     UINT64_C(0x10200000),         UINT64_C(0x40000000),
    UINT64_C(0x7fffffe00000), UINT64_C(0x800000000000),     0,
    UINT64_C(0x400000),       UINT64_C(0xffffffff80000000),
};

/* An argument word, by a tag byte: small numbers (and slot indices), cap addresses,
 * addresses near the mapped ones, rights and flags, times, single bits, or any word. */
static uint64_t value(struct input *in)
{
    uint8_t tag = byte(in);
    uint8_t b = byte(in);
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
        return (uint64_t)b << 56 | bytes(in, 7);
    case 5:
        return (uint64_t)b << 8 | byte(in);
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

static uint64_t syscall_number(struct input *in)
{
    uint8_t b = byte(in);
    uint64_t n = syscall_numbers[b % 32];
    return n != 0 ? n : byte(in);
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
static uint64_t label_for(struct input *in, uint64_t cptr)
{
    uint8_t l = byte(in);
    if (l >= 0xc0) {
        return l == 0xff ? BST_LABEL_SIGNAL : byte(in);
    }
    bst_objtype_t type =
        cptr - 1 < 255 ? cap_type(&fuzz_world_slot(&world, cptr)->cap) : BST_OBJ_NULL;
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
static uint64_t msginfo(struct input *in, uint64_t cptr, unsigned *length, unsigned *extra)
{
    uint64_t label = label_for(in, cptr);
    uint8_t len = byte(in), caps = byte(in);
    *length = len & 0x80 ? len % (BST_MSG_MAX_LENGTH + 1u) : len % 12u;
    *extra = caps % (BST_MSG_MAX_EXTRA_CAPS + 1u);
    return bst_msginfo_make(label, *length, *extra, (caps >> 2) & 7u);
}

/* The current thread's user code: set the registers and IPC buffer for one call. */
static void prepare_call(struct input *in, struct tcb *t)
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
        uint64_t v = value(in);
        if (i < BST_MSG_REGISTERS) {
            arch_syscall_set_mr(c, i, v);
        } else if (buf != NULL) {
            buf->msg[i] = v;
        }
    }
    for (unsigned i = 0; i < extra && buf != NULL; i++) {
        buf->caps[i] = cap_arg(in);
    }
    if (buf != NULL && (byte(in) & 1)) {
        buf->receive_cnode = cap_arg(in);
        buf->receive_index = byte(in);
        buf->receive_depth = byte(in);
    }
}

static bool check_after(const char *what, enum host_exit how)
{
    if (how == HOST_EXIT_USER) {
        check_fault_registers(sched_current());
    }
    const char *why = fuzz_check_all(how == HOST_EXIT_USER);
    if (why == NULL) {
        remember_kernel_faults();
    }
    if (why != NULL) {
        fprintf(stderr, "fuzz-syscalls: after %s: %s\n", what, why);
        abort();
    }
    return true;
}

static void note_restart(const struct tcb *t, uint64_t rip_before)
{
    if (t->arch.ctx.rip == rip_before) {
        restarts[restart_next % RESTART_SLOTS].t = t;
        restarts[restart_next % RESTART_SLOTS].rip = rip_before;
        restart_next++;
    }
}

/* Whether the current thread's last call was restarted and is where the kernel left it
 * (then it is executed again unchanged); forgets it either way. */
static bool take_restart(const struct tcb *t)
{
    bool again = false;
    for (unsigned i = 0; i < RESTART_SLOTS; i++) {
        if (restarts[i].t == t) {
            again |= restarts[i].rip == t->arch.ctx.rip;
            restarts[i].t = NULL;
        }
    }
    return again;
}

/* One system call by the current thread; false when the machine stopped. */
static bool run_syscall(struct tcb *t)
{
    uint64_t rip = t->arch.ctx.rip;
    struct arch_context *c = &t->arch.ctx;
    uint64_t n = c->reg[HOST_REG_RAX], cptr = c->reg[HOST_REG_RDI], info = c->reg[HOST_REG_RSI];
    totals.syscalls++;
    enum host_exit how = host_syscall();
    if (tracing) {
        fprintf(stderr, "thread %c: %s cap %#llx label %llu length %u -> %s, %s; now %c\n",
                thread_name(t), bst_syscall_name(n), (unsigned long long)cptr,
                (unsigned long long)bst_msginfo_label(info), bst_msginfo_length(info),
                t->arch.ctx.rip == rip        ? "restarted"
                : t->state != THREAD_RUNNABLE ? "waits"
                                              : bst_error_name(c->reg[HOST_REG_RAX]),
                how == HOST_EXIT_HALT   ? "halted"
                : how == HOST_EXIT_IDLE ? "idle"
                                        : "runs",
                thread_name(sched_current()));
    }
    if (how == HOST_EXIT_HALT) {
        totals.halts++;
        return false;
    }
    note_restart(t, rip);
    forget_faults_if_written(n, cptr, info);
    if (n == BST_SYS_DEBUG_FASTPATH_COUNT && t->arch.ctx.rip != rip) {
        c->reg[HOST_REG_RDI] = c->reg[HOST_REG_RSI] = 0; /* its code drops the count */
    }
    return check_after("a system call", how);
}

static const enum user_fault_kind trap_kinds[5] = {
    USER_FAULT_PAGE,   USER_FAULT_PROTECTION, USER_FAULT_UNDEFINED_INSN,
    USER_FAULT_DIVIDE, USER_FAULT_OTHER,
};

/* The timer interrupt, at its deadline if one is armed (else `ticks` from now). */
static void timer(uint64_t ticks)
{
    uint64_t deadline = host_timer_deadline(), now = arch_counter_read();
    host_time_advance(deadline > now ? deadline - now : ticks);
    totals.interrupts++;
    enum host_exit how = host_timer_interrupt();
    if (tracing) {
        fprintf(stderr, "timer at %llu; now %c\n", (unsigned long long)arch_counter_read(),
                thread_name(sched_current()));
    }
    check_after("a timer interrupt", how);
}

/* One event; false when the input is done (the machine stopped). */
static bool event(struct input *in)
{
    struct tcb *t = sched_current();
    find_live_slots();
    uint8_t e = byte(in);
    unsigned kind = e % 16;
    if (t == NULL && kind <= 11) {
        if (host_timer_deadline() != 0) {
            timer(0);
        }
        return true; /* idle: only an interrupt can happen */
    }
    if (kind <= 10) {
        if (kind != 10) {
            prepare_call(in, t); /* 10: the same registers again */
        }
        return run_syscall(t);
    }
    switch (kind) {
    case 11: {
        enum user_fault_kind k = trap_kinds[byte(in) % 5];
        totals.faults++;
        remember_fault(t);
        enum host_exit how = host_user_fault(k, value(in), byte(in));
        if (tracing) {
            fprintf(stderr, "thread %c: %s; now %c\n", thread_name(t), user_fault_name(k),
                    thread_name(sched_current()));
        }
        return check_after("a user exception", how);
    }
    case 12:
        timer(bytes(in, 3));
        return true;
    case 13:
        totals.interrupts++;
        unsigned line = byte(in) % IRQ_LINES;
        enum host_exit how = host_irq(line);
        if (tracing) {
            fprintf(stderr, "irq %u%s; now %c\n", line, how == HOST_EXIT_NONE ? " (masked)" : "",
                    thread_name(sched_current()));
        }
        return check_after("a device interrupt", how);
    case 14:
        host_time_advance(bytes(in, 2) << (byte(in) % 24));
        return true;
    default: {
        uint8_t p = byte(in) % 8;
        preempt_every(p == 0 ? 0 : p + 1u);
        return true;
    }
    }
}

/* How a run of an input takes part in the fastpath comparison. */
enum run_mode {
    RUN_ALONE,   /* no comparison */
    RUN_RECORD,  /* the full path only: record what the threads see after each step */
    RUN_COMPARE, /* the fastpaths on: it must be the same */
};

static uint64_t recorded[MAX_ENTRIES];
static unsigned recorded_steps;

/* After step `step` of a compared run; false (and a report) when they disagree. */
static void observe_step(enum run_mode mode, unsigned step)
{
    if (mode == RUN_ALONE) {
        return;
    }
    uint64_t digest = fuzz_observe_digest(tracing ? stderr : NULL);
    if (mode == RUN_RECORD) {
        recorded[step] = digest;
        recorded_steps = step + 1;
    } else if (step >= recorded_steps || recorded[step] != digest) {
        fprintf(stderr, "fuzz-syscalls: the fastpaths changed what the threads see, at step %u\n",
                step);
        abort();
    }
}

static void run_input(struct input *in, enum run_mode mode)
{
    in->pos = 1; /* after the options byte */
    uint8_t options = in->data[0];
    static bool built_once;
    fuzz_world_build(&world);
    if (!built_once) { /* the same every time */
        check_after("building the world", HOST_EXIT_USER);
        built_once = true;
    }
    for (unsigned i = 0; i < RESTART_SLOTS; i++) {
        restarts[i].t = NULL;
    }
    forget_faults();
    fastpath_off = mode == RUN_RECORD;
    if (mode == RUN_RECORD) {
        recorded_steps = 0;
    }
    preempt_every((options >> 1 & 7) == 0 ? 0 : (options >> 1 & 7) + 1u);
    unsigned reissued = 0, step = 0;
    for (; step < MAX_ENTRIES && in->pos < in->size; step++) {
        struct tcb *t = sched_current();
        bool go_on;
        if (t != NULL && take_restart(t)) {
            totals.reissues++;
            if (++reissued > MAX_REISSUES) {
                fprintf(stderr, "fuzz-syscalls: a restarted call made no progress\n");
                abort();
            }
            go_on = run_syscall(t);
        } else {
            reissued = 0;
            go_on = event(in);
        }
        observe_step(mode, step);
        if (!go_on) {
            step++;
            break;
        }
    }
    if (mode == RUN_COMPARE && step != recorded_steps) {
        fprintf(stderr, "fuzz-syscalls: the fastpaths changed how long the input ran\n");
        abort();
    }
    fastpath_off = false;
    const char *why = fuzz_world_teardown(&world);
    if (why != NULL) {
        fprintf(stderr, "fuzz-syscalls: %s\n", why);
        abort();
    }
}

static void print_totals(void)
{
    fprintf(stderr,
            "fuzz-syscalls: %lu inputs, %lu system calls (%lu restarted ones again), %lu "
            "exceptions, %lu interrupts, %lu halts, %lu kernel entries in all\n",
            totals.inputs, totals.syscalls, totals.reissues, totals.faults, totals.interrupts,
            totals.halts, totals.syscalls + totals.faults + totals.interrupts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool registered;
    if (!registered) {
        atexit(print_totals);
        registered = true;
    }
    if (tracing < 0) {
        const char *env = getenv("FUZZ_SYSCALLS_TRACE");
        tracing = env != NULL && env[0] == '1';
    }
    if (size == 0) {
        return 0;
    }
    struct input in = {data, size, 0};
    totals.inputs++;
    host_time_freeze(true); /* time moves only by the input: both runs see the same */
    if (data[0] & 1) {
        run_input(&in, RUN_RECORD);
        run_input(&in, RUN_COMPARE);
    } else {
        run_input(&in, RUN_ALONE);
    }
    return 0;
}
