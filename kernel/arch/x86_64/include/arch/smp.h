/*
 * The application processors (smp.c): found in ACPI's MADT, started by INIT and STARTUP
 * IPIs through a real-mode trampoline (smp_trampoline.S), each with its own GDT, TSS,
 * IST stacks, kernel stack and per-CPU block. The single-CPU kernel parks them
 * (interrupts off, halted); the SMP kernel runs a scheduler on each, with threads bound
 * to it by their scheduling contexts (docs/kernel.md, "Several CPUs").
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* Where the trampoline is copied: below 1 MiB (an AP starts in real mode), page aligned
 * (the STARTUP IPI's vector is its page number), in memory the kernel never hands out
 * (rootcaps.c: RAM below LOW_MEMORY_END is not given to user space). */
#define SMP_TRAMPOLINE 0x8000

/* The trampoline's data words, written by smp.c before each start. */
#define SMP_TR_CR3   0  /* the boot page tables' physical address (below 4 GiB) */
#define SMP_TR_NX    4  /* 1: turn EFER.NXE on (the kernel's tables use NX) */
#define SMP_TR_STACK 8  /* the AP's kernel stack top, a higher-half address */
#define SMP_TR_CPU   16 /* its CPU number, 1 .. ARCH_MAX_CPUS - 1 */
#define SMP_TR_SIZE  24

#ifndef __ASSEMBLER__
#include <ktypes.h>

/* Start every AP the MADT lists (at most ARCH_MAX_CPUS CPUs in all), reporting each;
 * returns how many CPUs are online, the boot CPU included. After the timer's
 * calibration (it times the IPIs' delays by the TSC). */
unsigned smp_start_aps(void);

/* The wake-up IPI's handler (VEC_SMP_WAKE), on the CPU it woke, under the kernel lock. */
void smp_wake_interrupt(void);

/* How many CPUs are online (smp.c); send CPU `cpu` (a CPU number) a fixed IPI. */
unsigned smp_cpus_online(void);
void smp_send_ipi(unsigned cpu, uint8_t vector);
/* The local APIC id of CPU `cpu` (as started; the boot CPU's for a number out of range):
 * the destination an interrupt routed to that CPU names (irq/irq.h: arch_irq_set_cpu). */
uint32_t smp_cpu_apic_id(unsigned cpu);

/*
 * Cross-CPU calls (smp_call.c; SMP build): the kernel lock's holder has every CPU in
 * `cpus` (a bit per CPU number; its own is left out) run fn(arg) and waits until each
 * has, at most 1 s; returns whether all did. The targets run it without the lock, which
 * the caller holds: from the call IPI's handler (VEC_SMP_CALL, trap.c) whether it came
 * in user mode or ended an idle halt, and from the kernel lock's wait loop (klock.h),
 * where a CPU waits with interrupts off. fn must not take the lock or touch what the lock
 * guards beyond what the caller lets it (its own CPU's TLB, its own per-CPU state).
 */
bool smp_call(uint32_t cpus, void (*fn)(uint64_t), uint64_t arg);
/* Serve this CPU's pending call, if any (the IPI's handler and the lock's wait loop). */
void smp_call_serve(void);
#endif

#endif
