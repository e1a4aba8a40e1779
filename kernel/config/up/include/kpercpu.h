/*
 * Per-CPU kernel variables of the single-CPU kernel (the default build, SMP unset): there
 * is one CPU, so each is a plain global and every macro below names it directly. The
 * scheduler's entry, exit and fastpath code is therefore instruction for instruction
 * what it was before the SMP kernel had per-CPU state (absolute addresses, no GS load).
 * The SMP build (kernel/config/smp/include/kpercpu.h) has one of each per CPU behind the
 * same names; the include path picks one (kernel/kernel.mk), as for klock.h.
 *
 *   KCPU(name)                  this CPU's `name` (defined by KCPU_DEFINE)
 *   KCPU_DEFINE(type, name)     the definition (may follow `static`; no initialiser)
 *   KCPU_DEFINE_INIT(type, name, init)  the same, every CPU's starting as `init`
 *   KCPU_DECLARE(type, name)    an extern declaration of a KCPU_DEFINE one
 *   KCPU_HOT(name)              this CPU's sched_state, budget_state, arch_active_pml4
 *                               or fastpath_syscalls, which the assembly reads too
 *                               (KCPU_REF there)
 *   KCPU_HOT_DECLARE(type, name) its declaration, KCPU_HOT_DEFINE(type, name) its
 *                               definition (nothing in the SMP build, where the block is
 *                               defined with sched_state)
 *   KCPU_HOT_DEFINE_INIT(type, name, init...) the same with its starting value (the SMP
 *                               build's block starts with the same: kpercpu.h there)
 *   KCPU_COUNT                  how many CPUs have these variables
 *   KCPU_ON(cpu, name), KCPU_HOT_ON(cpu, name)  CPU cpu's (cpu < KCPU_COUNT)
 *   KCPU_SCHED_STATE_DEFINE(maps) sched_state's definition, its ready map the first of
 *                               `maps` (KCPU_DEFINE'd; in the SMP build, every CPU's
 *                               block, each with its own CPU's maps)
 *   KCPU_REF(sym, OFF, field)   in assembly: the operand for sym's `field`, sym a KCPU_HOT
 *                               variable and OFF its offset in the SMP build's block
 *   KCPU_IS_BOOT()              whether this is the boot CPU (always, here)
 *   KCPU_SELF()                 this CPU's number (0, here)
 */
#ifndef BASTION_KPERCPU_H
#define BASTION_KPERCPU_H

#ifdef __ASSEMBLER__
/* clang-format off */
#define KCPU_REF(sym, OFF, field) sym + field(%rip)
/* clang-format on */
#else
#define KCPU_STRIDE_ATTR /* struct cpu_local: its natural size */

#define KCPU(name)                            name
#define KCPU_DEFINE(type, name)               type name
#define KCPU_DEFINE_INIT(type, name, init)    type name = init
#define KCPU_DECLARE(type, name)              extern type name
#define KCPU_HOT(name)                        name
#define KCPU_HOT_DECLARE(type, name)          extern type name
#define KCPU_HOT_DEFINE(type, name)           type name
#define KCPU_HOT_DEFINE_INIT(type, name, ...) type name = __VA_ARGS__
#define KCPU_COUNT                            1
#define KCPU_ON(cpu, name)                    name
#define KCPU_HOT_ON(cpu, name)                name
#define KCPU_SCHED_STATE_DEFINE(maps)         struct sched_state sched_state = {.ready = &maps[0]}
#define KCPU_IS_BOOT()                        true
#define KCPU_SELF()                           0u
#endif

#endif
