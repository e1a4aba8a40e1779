/*
 * The SMP build's kernel lock (klock.h): its one instance, at the start of a cache line,
 * and the SYSCALL entries' wait for it (arch/klock.h: KLOCK_ACQUIRE's out-of-line part).
 */
#include <arch/percpu.h>
#include <klock.h>
#include <thread/sched.h>

struct klock kernel_lock __attribute__((aligned(64)));

bool klock_syscall_wait(void)
{
    struct cpu_local *c = this_cpu();
    c->klock_syscall = 1;
    klock_acquire(); /* serves cross-CPU calls while it waits */
    c->klock_syscall = 0;
    return (void *)sched_current() == (void *)c->current_ctx;
}
