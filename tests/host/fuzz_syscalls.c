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
#include "fuzz_calls.h"
#include "fuzz_check.h"
#include "fuzz_faults.h"
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

static bool check_after(const char *what, enum host_exit how)
{
    const char *why = how == HOST_EXIT_USER ? fuzz_faults_check(sched_current()) : NULL;
    if (why == NULL) {
        why = fuzz_check_all(how == HOST_EXIT_USER);
    }
    if (why == NULL) {
        fuzz_faults_remember_kernel();
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
    fuzz_faults_after_call(&world, n, cptr, info);
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
static bool event(struct fuzz_input *in)
{
    struct tcb *t = sched_current();
    fuzz_calls_refresh(&world, t);
    uint8_t e = fuzz_byte(in);
    unsigned kind = e % 16;
    if (t == NULL && kind <= 11) {
        if (host_timer_deadline() != 0) {
            timer(0);
        }
        return true; /* idle: only an interrupt can happen */
    }
    if (kind <= 10) {
        if (kind != 10) {
            fuzz_prepare_call(in, t); /* 10: the same registers again */
        }
        return run_syscall(t);
    }
    switch (kind) {
    case 11: {
        enum user_fault_kind k = trap_kinds[fuzz_byte(in) % 5];
        totals.faults++;
        fuzz_faults_remember(t);
        enum host_exit how = host_user_fault(k, fuzz_value(in), fuzz_byte(in));
        if (tracing) {
            fprintf(stderr, "thread %c: %s; now %c\n", thread_name(t), user_fault_name(k),
                    thread_name(sched_current()));
        }
        return check_after("a user exception", how);
    }
    case 12:
        timer(fuzz_bytes(in, 3));
        return true;
    case 13:
        totals.interrupts++;
        unsigned line = fuzz_byte(in) % IRQ_MSI_END; /* the host's GSIs end at 24 */
        enum host_exit how = host_irq(line);
        if (tracing) {
            fprintf(stderr, "irq %u%s; now %c\n", line, how == HOST_EXIT_NONE ? " (masked)" : "",
                    thread_name(sched_current()));
        }
        return check_after("a device interrupt", how);
    case 14:
        host_time_advance(fuzz_bytes(in, 2) << (fuzz_byte(in) % 24));
        return true;
    default: {
        uint8_t p = fuzz_byte(in) % 8;
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

static void run_input(struct fuzz_input *in, enum run_mode mode)
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
    fuzz_faults_forget();
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
    struct fuzz_input in = {data, size, 0};
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
