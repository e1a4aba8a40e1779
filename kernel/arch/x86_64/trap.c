/*
 * Exception and interrupt dispatch. Interrupts go to their handlers; every exception
 * taken in the kernel is a bug (or a deliberate test) and is reported in full: the
 * vector, error code, every register, the control registers, the faulting instruction
 * with its symbol and a frame-pointer backtrace. Then kernel_fault() stops the machine.
 */
#include <arch/cpu.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/thread.h>
#include <arch/trap.h>
#include <fault.h>
#include <irq/irq.h>
#include <klock.h>
#include <ksmp.h>
#include <kprintf.h>
#include <thread/fault.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <timer.h>

static const char *const exception_names[32] = {
    [VEC_DE] = "#DE divide error",
    [VEC_DB] = "#DB debug",
    [VEC_NMI] = "NMI",
    [VEC_BP] = "#BP breakpoint",
    [VEC_OF] = "#OF overflow",
    [VEC_BR] = "#BR bound range",
    [VEC_UD] = "#UD invalid opcode",
    [VEC_NM] = "#NM device not available",
    [VEC_DF] = "#DF double fault",
    [VEC_TS] = "#TS invalid TSS",
    [VEC_NP] = "#NP segment not present",
    [VEC_SS] = "#SS stack fault",
    [VEC_GP] = "#GP general protection",
    [VEC_PF] = "#PF page fault",
    [VEC_MF] = "#MF x87 error",
    [VEC_AC] = "#AC alignment check",
    [VEC_MC] = "#MC machine check",
    [VEC_XM] = "#XM SIMD error",
    [VEC_VE] = "#VE virtualization",
    [VEC_CP] = "#CP control protection",
};

static enum fault_kind fault_kind_of(uint64_t vector)
{
    switch (vector) {
    case VEC_PF:
        return FAULT_PAGE;
    case VEC_UD:
        return FAULT_UNDEFINED_INSN;
    case VEC_DE:
        return FAULT_DIVIDE;
    case VEC_GP:
        return FAULT_PROTECTION;
    case VEC_DF:
        return FAULT_DOUBLE;
    default:
        return FAULT_OTHER;
    }
}

static void print_page_fault_cause(uint64_t err)
{
    kprintf("  cause: %s %s in %s mode%s%s\n",
            (err & 1) ? "protection violation on" : "no page for",
            (err & 16)  ? "instruction fetch"
            : (err & 2) ? "write"
                        : "read",
            (err & 4) ? "user" : "kernel", (err & 8) ? ", reserved bit set" : "",
            (err & 32) ? ", protection key" : "");
}

static void dump_registers(const struct trap_frame *f)
{
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    kprintf("  r8  %016lx  r9  %016lx  r10 %016lx  r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
    kprintf("  r12 %016lx  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
    kprintf("  rip %016lx  cs %04lx  ss %04lx  rflags %016lx\n", f->rip, f->cs, f->ss, f->rflags);
    kprintf("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n", read_cr0(), read_cr2(),
            read_cr3(), read_cr4());
}

/* Walk saved frame pointers while they stay inside the kernel's half. */
static void backtrace(uint64_t rbp)
{
    kprintf("  backtrace:\n");
    for (int depth = 0; depth < 16 && rbp >= 0xffff800000000000 && (rbp & 7) == 0; depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret == 0) {
            break;
        }
        kprintf("    %016lx ", ret);
        print_symbol(ret);
        kprintf("\n");
        rbp = frame[0];
    }
}

static void handle_interrupt(const struct trap_frame *f);

static NORETURN void kernel_exception(const struct trap_frame *f)
{
    const char *name = exception_names[f->vector] ? exception_names[f->vector] : "exception";
    uint64_t cr2 = read_cr2();
    kprintf("\n*** KERNEL EXCEPTION: vector %lu (%s), error code %#lx\n", f->vector, name,
            f->error_code);
    kprintf("  at rip %016lx <", f->rip);
    print_symbol(f->rip);
    kprintf(">\n");
    if (f->vector == VEC_PF) {
        kprintf("  address %016lx\n", cr2);
        print_page_fault_cause(f->error_code);
    }
    dump_registers(f);
    backtrace(f->rbp);

    struct fault_info fi = {
        .kind = fault_kind_of(f->vector),
        .vector = (unsigned)f->vector,
        .name = name,
        .address = f->vector == VEC_PF ? cr2 : 0,
        .ip = f->rip,
    };
    kernel_fault(&fi);
}

static enum user_fault_kind user_fault_kind_of(uint64_t vector)
{
    switch (vector) {
    case VEC_PF:
        return USER_FAULT_PAGE;
    case VEC_GP:
        return USER_FAULT_PROTECTION;
    case VEC_UD:
        return USER_FAULT_UNDEFINED_INSN;
    case VEC_DE:
        return USER_FAULT_DIVIDE;
    default:
        return USER_FAULT_OTHER;
    }
}

/* Save the user registers the entry pushed into the running thread's context. */
static void save_user_frame(const struct trap_frame *f, struct arch_context *c)
{
    *c = (struct arch_context){
        .rax = f->rax,
        .rbx = f->rbx,
        .rcx = f->rcx,
        .rdx = f->rdx,
        .rsi = f->rsi,
        .rdi = f->rdi,
        .rbp = f->rbp,
        .r8 = f->r8,
        .r9 = f->r9,
        .r10 = f->r10,
        .r11 = f->r11,
        .r12 = f->r12,
        .r13 = f->r13,
        .r14 = f->r14,
        .r15 = f->r15,
        .rip = f->rip,
        .rsp = f->rsp,
        .rflags = f->rflags,
        .fs_base = c->fs_base,
        .gs_base = c->gs_base,
        .restore_all = CTX_RESTORE_ALL_SET,
    };
}

/* An exception or interrupt taken in user mode: never returns along the trap path. */
static NORETURN void user_trap(const struct trap_frame *f)
{
    struct tcb *t = sched_current();
    if (!KLOCK_SMP) {
        save_user_frame(f, this_cpu()->current_ctx);
    } else if (t == NULL) { /* (SMP: saved before the lock) another CPU stopped the thread */
        if (f->vector >= VEC_FIRST_IRQ) { /* while this one waited: an interrupt is still */
            handle_interrupt(f);          /* handled, a fault comes again when it runs */
        }
        kernel_exit();
    }
    if (f->vector < VEC_FIRST_IRQ) {
        struct user_fault uf = {
            .kind = user_fault_kind_of(f->vector),
            .vector = (unsigned)f->vector,
            .address = f->vector == VEC_PF ? read_cr2() : 0,
            .code = f->error_code,
            .ip = f->rip,
        };
        thread_fault(t, &uf);
    } else {
        handle_interrupt(f);
    }
    kernel_exit();
}

/* Every entry from user mode takes the kernel lock (klock.h; kernel_exit releases it);
 * an interrupt in kernel mode takes it only when it ended an idle halt. An exception in
 * kernel mode is a kernel bug that stops the machine: it takes nothing. A cross-CPU call
 * (SMP build) is served before any of that, without the lock. In the SMP build an entry
 * from user mode saves the thread's registers before it waits for the lock: a call
 * served meanwhile may stop the thread (ksmp.h), and then its TCB must be whole (and
 * may be gone once the lock is taken). */
void trap_dispatch(struct trap_frame *f)
{
    if (KLOCK_SMP && f->vector == VEC_SMP_CALL) { /* served without the lock: the caller */
        if (f->cs & 3) {                          /* holds it (smp_call.c) */
            save_user_frame(f, this_cpu()->current_ctx);
        }
        smp_call_serve();
        lapic_eoi();
        if (f->cs & 3) { /* then on as any interrupt of user code */
            klock_acquire();
            kernel_exit();
        }
        return;
    }
    if (f->cs & 3) {
        if (KLOCK_SMP) {
            save_user_frame(f, this_cpu()->current_ctx);
        }
        klock_acquire();
        user_trap(f);
    }
    if (f->vector < VEC_FIRST_IRQ) {
        kernel_exception(f);
    }
    bool locked = klock_interrupt_enter();
    handle_interrupt(f);
    klock_interrupt_exit(locked);
}

static void handle_interrupt(const struct trap_frame *f)
{
    if (KLOCK_SMP && f->vector == VEC_SMP_RESCHED) { /* the exit (or the idle loop) that */
        ksmp_count_interrupt(true);                  /* follows decides again */
        lapic_eoi();
        return;
    }
    switch (f->vector) {
    case VEC_TIMER:
        timer_tick();
        sched_timer_event();
        lapic_eoi();
        break;
    case VEC_BENCH:
        break; /* a software interrupt: nothing to acknowledge */
    case VEC_SPURIOUS:
        break; /* spurious interrupts need no EOI */
    case VEC_IOMMU_FAULT:
        arch_iommu_fault_interrupt();
        lapic_eoi();
        break;
    case VEC_SMP_WAKE:
        smp_wake_interrupt();
        lapic_eoi();
        break;
    default:
        if (f->vector >= IRQ_VECTOR_BASE && f->vector < IRQ_VECTOR_BASE + IRQ_LINES) {
            unsigned line = (unsigned)(f->vector - IRQ_VECTOR_BASE);
            arch_irq_mask(line);         /* until its handler acknowledges it */
            ksmp_count_interrupt(false); /* the SMP kernel's per-CPU count (ksmp.h) */
            lapic_eoi();
            irq_raised(line);
            break;
        }
        kprintf("trap: unexpected interrupt vector %lu\n", f->vector);
        lapic_eoi();
        break;
    }
}
