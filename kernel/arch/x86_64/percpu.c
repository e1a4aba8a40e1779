/*
 * Per-CPU data and the SYSCALL/SYSRET machinery set-up (MSRs). One block per CPU; the
 * application processors (smp.c) get theirs, their SYSCALL MSRs and (under page-table
 * isolation) their entry stack in their TSS when they start; they run no user code yet.
 */
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/io.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/percpu.h>

#define MAX_CPUS         ARCH_MAX_CPUS
#define ENTRY_STACK_SIZE 512 /* a frame of 7 words, copied to the kernel stack at once */

struct cpu_local cpu_locals[MAX_CPUS] KPTI_SHARED;
/* Where the CPU pushes its frame when it interrupts user code under isolation: the
 * kernel stack is not in the user view. */
static uint8_t entry_stacks[MAX_CPUS][ENTRY_STACK_SIZE] KPTI_SHARED __attribute__((aligned(16)));

extern char syscall_entry[], syscall_entry_kpti[];
/* The entry SYSCALL takes (debug/floor.S puts it back from here). */
uint64_t arch_syscall_entry KPTI_SHARED;

/* SYSCALL loads CS from STAR[47:32] and SS = CS+8; SYSRET (64-bit) loads CS from
 * STAR[63:48]+16 and SS = STAR[63:48]+8: so the user selectors base is user32 code. */
static void syscall_msrs(void)
{
    wrmsr(MSR_STAR, ((uint64_t)(SEL_USER_CODE32 & ~3) << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
    wrmsr(MSR_LSTAR, arch_syscall_entry);
    /* Cleared on entry: IF (kernel runs with interrupts off), TF, DF, NT, AC, IOPL. */
    wrmsr(MSR_FMASK, 0x200 | 0x100 | 0x400 | 0x4000 | 0x40000 | 0x3000);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

static void syscall_init(void)
{
    arch_syscall_entry = (uint64_t)(arch_kpti ? syscall_entry_kpti : syscall_entry);
    syscall_msrs();
}

void percpu_init(uint64_t kernel_rsp)
{
    struct cpu_local *c = &cpu_locals[0];
    c->kernel_rsp = kernel_rsp;
    c->self = c;
    c->id = 0;
    c->entry_rsp = (uint64_t)&entry_stacks[0][ENTRY_STACK_SIZE];
    if (arch_kpti) {
        tss_set_kernel_stack(c->entry_rsp);
    }
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    syscall_init();
}

void percpu_init_ap(unsigned cpu, uint64_t kernel_rsp)
{
    struct cpu_local *c = &cpu_locals[cpu];
    c->kernel_rsp = kernel_rsp;
    c->self = c;
    c->id = cpu;
    c->entry_rsp = (uint64_t)&entry_stacks[cpu][ENTRY_STACK_SIZE];
    if (arch_kpti) {
        tss_set_kernel_stack_ap(cpu, c->entry_rsp);
    }
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    syscall_msrs(); /* the boot CPU chose the entry (arch_syscall_entry) */
}
