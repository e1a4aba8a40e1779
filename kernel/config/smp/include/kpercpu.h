/*
 * Per-CPU kernel variables of the SMP build (SMP=1): one of each per CPU, this CPU's
 * chosen by its number in the per-CPU block behind GS (arch/percpu.h). The names and
 * their meaning are those of the single-CPU build's (kernel/config/up/include/kpercpu.h,
 * where each is a plain global); the include path picks one (kernel/kernel.mk).
 *
 * A variable `name` is an array `name_cpus[KCPU_MAX]`, indexed by the CPU's number. The
 * four the assembly reads (sched_state, budget_state, arch_active_pml4 and
 * fastpath_syscalls) are in one block per CPU instead, struct kcpu_hot, laid out with
 * the same stride as the GS block struct cpu_local (KCPU_STRIDE): CPU n's kcpu_hot is at
 * a fixed distance from CPU n's cpu_local, the link-time constant kcpu_gs_delta
 * (kernel.ld), so the assembly reaches it as %gs:kcpu_gs_delta+offset, with no register
 * and no instruction more than the single-CPU kernel's absolute address. The block is
 * kernel data, never in the user view under page-table isolation (only cpu_local is).
 */
#ifndef BASTION_KPERCPU_H
#define BASTION_KPERCPU_H

#define KCPU_MAX     8   /* ARCH_MAX_CPUS (checked in arch/percpu.h) */
#define KCPU_STRIDE  256 /* sizeof(struct cpu_local) and of struct kcpu_hot */
#define KCPU_SELF_GS 24  /* offsetof(struct cpu_local, self) (checked there) */
#define KCPU_ID_GS   32  /* offsetof(struct cpu_local, id) (checked there) */

#ifdef __ASSEMBLER__
/* clang-format off */
#define KCPU_REF(sym, OFF, field) %gs:kcpu_gs_delta + OFF + field
/* clang-format on */
#else
#include <bastion/syscall.h>
#include <ktypes.h>
#include <thread/sched_state.h>

#define KCPU_STRIDE_ATTR __attribute__((aligned(KCPU_STRIDE)))

/* This CPU's number. GS does not change while the kernel runs on a CPU, so the compiler
 * may keep it once read (no `volatile`). */
static inline unsigned kcpu_id(void)
{
    unsigned id;
    __asm__("movl %%gs:%c1, %0" : "=r"(id) : "i"(KCPU_ID_GS));
    return id;
}

struct kcpu_hot {
    struct sched_state sched_state;
    struct budget_state budget_state;
    paddr_t arch_active_pml4; /* the address space in this CPU's CR3 (arch/vspace.h) */
    /* What the entry sends to the assembly fastpath (ipc/fastpath.c). */
    uint64_t fastpath_syscalls[2];
} __attribute__((aligned(KCPU_STRIDE)));
_Static_assert(sizeof(struct kcpu_hot) == KCPU_STRIDE, "kcpu_hot stride");

extern struct kcpu_hot kcpu_hot[KCPU_MAX];
extern char kcpu_gs_delta[]; /* kernel.ld: from cpu_local to kcpu_hot, an absolute symbol */

/* This CPU's block: its GS block's address (cpu_local.self) plus the link-time distance,
 * one load and an addition the compiler folds into the access (the same reasoning as
 * kcpu_id() for keeping it). */
static inline struct kcpu_hot *kcpu_hot_this(void)
{
    char *self;
    __asm__("movq %%gs:%c1, %0" : "=r"(self) : "i"(KCPU_SELF_GS));
    return (struct kcpu_hot *)(self + (uintptr_t)kcpu_gs_delta);
}

#define KCPU(name)              (name##_cpus[kcpu_id()])
#define KCPU_DEFINE(type, name) type name##_cpus[KCPU_MAX]
#define KCPU_DEFINE_INIT(type, name, init)                                                         \
    type name##_cpus[KCPU_MAX] = {[0 ... KCPU_MAX - 1] = init}
#define KCPU_DECLARE(type, name)              extern type name##_cpus[KCPU_MAX]
#define KCPU_HOT(name)                        (kcpu_hot_this()->name)
#define KCPU_HOT_DECLARE(type, name)          _Static_assert(1, #name " is in struct kcpu_hot")
#define KCPU_HOT_DEFINE(type, name)           _Static_assert(1, #name " is in struct kcpu_hot")
#define KCPU_HOT_DEFINE_INIT(type, name, ...) _Static_assert(1, #name " is in struct kcpu_hot")
#define KCPU_COUNT                            KCPU_MAX
#define KCPU_ON(cpu, name)                    (name##_cpus[cpu])
#define KCPU_HOT_ON(cpu, name)                (kcpu_hot[cpu].name)
/* Every CPU's block starts as the single-CPU kernel's variables do: its own ready maps,
 * the assembly fastpath on for Call and Reply-Recv (ipc/fastpath.c). */
#define KCPU_HOT_INIT(cpu, maps)                                                                   \
    [cpu] = {.sched_state = {.ready = &maps##_cpus[cpu][0]},                                       \
             .fastpath_syscalls = {BST_SYS_CALL, BST_SYS_REPLY_RECV}}
#define KCPU_SCHED_STATE_DEFINE(maps)                                                              \
    struct kcpu_hot kcpu_hot[KCPU_MAX] = {KCPU_HOT_INIT(0, maps), KCPU_HOT_INIT(1, maps),          \
                                          KCPU_HOT_INIT(2, maps), KCPU_HOT_INIT(3, maps),          \
                                          KCPU_HOT_INIT(4, maps), KCPU_HOT_INIT(5, maps),          \
                                          KCPU_HOT_INIT(6, maps), KCPU_HOT_INIT(7, maps)}
#define KCPU_IS_BOOT() (kcpu_id() == 0)
#define KCPU_SELF()    kcpu_id()
#endif

#endif
