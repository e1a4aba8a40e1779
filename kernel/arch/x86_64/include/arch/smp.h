/*
 * The application processors (smp.c): found in ACPI's MADT, started by INIT and STARTUP
 * IPIs through a real-mode trampoline (smp_trampoline.S), each with its own GDT, TSS,
 * IST stacks, kernel stack and per-CPU block. For now they are parked (interrupts off,
 * halted): the kernel schedules on the boot CPU only (docs/kernel.md, "SMP").
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
#endif

#endif
