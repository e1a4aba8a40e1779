/*
 * The host "architecture" of a thread, for the host tests of kernel/thread and
 * kernel/ipc. The host include path (tests/host/host.mk) finds this header instead of
 * kernel/arch/x86_64/include/arch/thread.h: same names, no assembly. A context is a
 * plain array of the user registers in bastion/tcbregs.h order, and the system-call
 * convention is the x86_64 one (docs/syscalls.md), so tests read results where user
 * code would.
 */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <bastion/ipcbuffer.h>
#include <bastion/tcbregs.h>
#include <ktypes.h>

/* Register indices (bastion/tcbregs.h). */
enum host_reg {
    HOST_REG_RIP = 0,
    HOST_REG_RSP = 1,
    HOST_REG_RFLAGS = 2,
    HOST_REG_RAX = 3,  /* system-call number in, error out */
    HOST_REG_RDX = 6,  /* MR0 */
    HOST_REG_RSI = 7,  /* message info */
    HOST_REG_RDI = 8,  /* capability address in, badge out */
    HOST_REG_R8 = 10,  /* MR1 */
    HOST_REG_R9 = 11,  /* MR2 */
    HOST_REG_R10 = 12, /* MR3 */
    HOST_REG_R12 = 14, /* reply capability address */
    HOST_REG_R13 = 15, /* NB_SEND_RECV receive capability address */
};

struct arch_context {
    /* Generic code reads the instruction pointer as ctx.rip (kernel/ipc/endpoint.c,
     * kernel/thread/sched.c), so it has that name as well as its index. */
    union {
        uint64_t reg[BST_TCB_REGISTER_COUNT];
        struct {
            uint64_t rip, rsp;
        };
    };
};

/* 64-byte aligned like the x86_64 one (its FPU area), so the TCB's CDT slots stay
 * aligned (thread/tcb.h). */
struct arch_tcb {
    struct arch_context ctx;
    uint64_t switched_in; /* host: how often arch_switch_thread() chose it */
} __attribute__((aligned(64)));

void arch_tcb_init(struct arch_tcb *t);
void arch_switch_thread(struct arch_tcb *prev, struct arch_tcb *next);
/* The SMP kernel's save of a thread's FPU state (never called on the host: one CPU). */
static inline void arch_save_thread(struct arch_tcb *t)
{
    (void)t;
}
NORETURN void arch_return_to_user(struct arch_context *ctx);
bool arch_user_ip_valid(uint64_t ip);
uint64_t arch_tcb_get_reg(const struct arch_tcb *t, unsigned index);
bool arch_tcb_reg_valid(unsigned index, uint64_t value);
void arch_tcb_set_reg(struct arch_tcb *t, unsigned index, uint64_t value);

static inline uint64_t arch_syscall_number(const struct arch_context *c)
{
    return c->reg[HOST_REG_RAX];
}

static inline uint64_t arch_syscall_cptr(const struct arch_context *c)
{
    return c->reg[HOST_REG_RDI];
}

static inline uint64_t arch_syscall_msginfo(const struct arch_context *c)
{
    return c->reg[HOST_REG_RSI];
}

static inline uint64_t arch_syscall_reply_cptr(const struct arch_context *c)
{
    return c->reg[HOST_REG_R12];
}

static inline uint64_t arch_syscall_recv_cptr(const struct arch_context *c)
{
    return c->reg[HOST_REG_R13];
}

static inline uint64_t arch_syscall_error(const struct arch_context *c)
{
    return c->reg[HOST_REG_RAX];
}

static inline unsigned host_mr_reg(unsigned i)
{
    static const unsigned regs[4] = {HOST_REG_RDX, HOST_REG_R8, HOST_REG_R9, HOST_REG_R10};
    return regs[i];
}

static inline uint64_t arch_syscall_get_mr(const struct arch_context *c, unsigned i)
{
    return c->reg[host_mr_reg(i)];
}

static inline void arch_syscall_set_mr(struct arch_context *c, unsigned i, uint64_t v)
{
    c->reg[host_mr_reg(i)] = v;
}

static inline void arch_syscall_set_result(struct arch_context *c, uint64_t error, uint64_t badge,
                                           uint64_t msginfo)
{
    c->reg[HOST_REG_RAX] = error;
    c->reg[HOST_REG_RDI] = badge;
    c->reg[HOST_REG_RSI] = msginfo;
}

static inline void arch_syscall_set_call(struct arch_context *c, uint64_t n, uint64_t cptr)
{
    c->reg[HOST_REG_RAX] = n;
    c->reg[HOST_REG_RDI] = cptr;
}

static inline void arch_syscall_restart(struct arch_context *c)
{
    c->rip -= 2; /* as x86_64: back over the two-byte SYSCALL */
}

/* ---- Host only: entering and leaving the kernel. ---- */

struct tcb;

enum host_exit {
    HOST_EXIT_NONE = 0, /* the kernel was not entered */
    HOST_EXIT_USER = 1, /* arch_return_to_user() was reached */
    HOST_EXIT_IDLE,     /* nothing to run: arch_wait_for_interrupt() was reached */
    HOST_EXIT_HALT,     /* the machine stopped: arch_halt() was reached */
};

/* Run kernel_exit() up to the point where it would leave the kernel, and return the
 * thread it chose (NULL when it would idle). */
struct tcb *host_kernel_exit(void);

/* Run `entry` (a kernel entry: it ends in kernel_exit() or halts) up to the point where
 * the kernel would leave, and say how it left. Where a CPU would find itself in user
 * mode or halted, the host returns here (longjmp): entries do not nest. */
enum host_exit host_kernel_run(void (*entry)(void));

/* Leave the kernel the way `how` says (for the host's arch hooks). */
NORETURN void host_kernel_leave(enum host_exit how);

/* Counters of the host hooks, for tests. */
struct host_arch_stats {
    unsigned long switches, returns, idles;
};
extern struct host_arch_stats host_arch_stats;

/* All four message registers (words past a message's length are undefined). */
static inline void arch_syscall_copy_mrs(struct arch_context *to, const struct arch_context *from)
{
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++) {
        arch_syscall_set_mr(to, i, arch_syscall_get_mr(from, i));
    }
}

/* Copy n words forward, word by word (the x86_64 one is a string instruction). */
static inline void arch_copy_words(uint64_t *dst, const uint64_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

#endif
