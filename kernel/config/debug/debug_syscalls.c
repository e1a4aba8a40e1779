/*
 * Debug system calls (docs/syscalls.md): console output, CSpace dump, thread names,
 * and ending a test image. Release builds will leave this file out.
 */
#include "debug_console.h"

#include <arch/irq_stamp.h>
#include <arch/kpti.h>
#include <bastion/syscall.h>
#include <console.h>
#include <ipc/fastpath.h>
#include <kcov.h>
#include <kpercpu.h>
#include <kprintf.h>
#include <ksmp.h>
#include <kstring.h>
#include <machine.h>
#include <object/cnode.h>
#include <object/objects.h>
#include <syscall/syscall.h>
#include <thread/sched.h>
#include <timer.h>
#include <vm/gspace.h>
#include <vm/vcpu.h>
#include <vm/vspace_check.h>

/* kernel/arch/<arch>/debug/floor.S: route SYSCALL to the bare floor entry. */
void arch_floor_begin(void);

static void dump_caps(struct tcb *t)
{
    const struct cap *root = &t->slots[TCB_SLOT_CSPACE].cap;
    kprintf("cspace of '%s': root CNode %#lx, %u slots\n", t->name, root->paddr,
            1u << root->u.cnode.radix);
    for (uint64_t i = 1; i < (1ull << root->u.cnode.radix); i++) {
        const struct cap *c = &cnode_slot(root, i)->cap;
        if (!cap_is_null(c)) {
            kprintf("  %4lu: %-14s paddr %#014lx bits %2u rights %#x\n", i,
                    bst_obj_name(cap_type(c)), c->paddr, c->size_bits, c->rights);
        }
    }
}

static uint64_t set_name(struct tcb *caller, uint64_t cptr)
{
    struct invocation inv = {.caller = caller};
    struct lookup_result l = invocation_lookup_cap(&inv, cptr);
    const struct bst_ipc_buffer *buf = tcb_ipc_buffer(caller);
    if (l.status != BST_OK) {
        return l.status;
    }
    if (cap_type(&l.slot->cap) != BST_OBJ_TCB) {
        return BST_INVALID_CAPABILITY;
    }
    if (buf == NULL) {
        return BST_INVALID_ARGUMENT;
    }
    struct tcb *t = tcb_of(&l.slot->cap);
    const char *src = (const char *)buf->msg;
    size_t i = 0;
    for (; i + 1 < sizeof(t->name) && src[i] != '\0'; i++) {
        t->name[i] = src[i];
    }
    t->name[i] = '\0';
    return BST_OK;
}

/* DEBUG_CHECK_STATE: the object layer's invariants (with the scheduler's ready queues,
 * every CPU's) and the VSpace oracle. Result 1: bit 0 set when the objects hold, bit 1
 * when the VSpaces do; result 2: the user entries the oracle checked. A failure is
 * printed. */
static void check_state(struct arch_context *c)
{
    struct invariant_result o = objects_check_invariants();
    if (!o.ok) {
        kprintf("check: objects: %s (slot %p)\n", o.why, (const void *)o.where);
    }
    const char *guest = vcpu_check_invariants();
    guest = guest != NULL ? guest : gspace_check_invariants();
    if (guest != NULL) { /* virtualisation's objects count as the object layer's */
        kprintf("check: virtualisation: %s\n", guest);
        o.ok = false;
    }
    const char *sched = sched_check_invariants();
    if (sched != NULL) { /* the scheduler's queues, every CPU's, count as the objects' too */
        kprintf("check: scheduler: %s\n", sched);
        o.ok = false;
    }
    struct vspace_check_result v = vspace_check_mappings();
    if (v.why != NULL) {
        kprintf("check: vspace %u, vaddr %#lx -> %#lx: %s\n", v.id, v.vaddr, v.paddr, v.why);
    }
    arch_syscall_set_result(c, BST_OK, (o.ok ? 1u : 0u) | (v.why == NULL ? 2u : 0u), v.entries);
}

bool syscall_debug(struct tcb *caller, uint64_t number)
{
    struct arch_context *c = &caller->arch.ctx;
    uint64_t arg = arch_syscall_cptr(c);
    switch (number) {
    case BST_SYS_DEBUG_PUTC:
        debug_console_putc(caller, (char)arg);
        return true;
    case BST_SYS_DEBUG_DUMP_CAPS:
        dump_caps(caller);
        return true;
    case BST_SYS_DEBUG_NAME:
        arch_syscall_set_result(c, set_name(caller, arg), 0, 0);
        return true;
    case BST_SYS_DEBUG_FLOOR_BEGIN:
        arch_syscall_set_result(c, BST_OK, 0, 0);
        arch_floor_begin();
        return true;
    case BST_SYS_DEBUG_IRQ_STAMP:
        /* arg 1: stamp interrupt entries from now on, 0: stop; both return the TSC at
         * the entry of the last stamped interrupt (the latency benchmark). */
        arch_irq_stamp_enable(arg != 0);
        arch_syscall_set_result(c, BST_OK, arch_irq_entry_stamp, 0);
        return true;
    case BST_SYS_DEBUG_ISOLATION: {
        /* Page-table isolation's state for the tests (arch/kpti.h): result 1 has bit 0
         * set when it is on and bit 1 when the caller's VSpace's user view maps nothing
         * of the kernel but the shared pages; result 2 counts entries from user mode
         * that found the kernel view loaded (never, when every exit is right). */
        const struct cap *vs = &caller->slots[TCB_SLOT_VSPACE].cap;
        const char *problem = cap_type(vs) == BST_OBJ_VSPACE ? kpti_check_user_view(vs->paddr)
                                                             : "the caller has no VSpace";
        bool view_ok = problem == NULL;
        if (!view_ok) {
            kprintf("isolation: '%s': %s\n", caller->name, problem);
        }
        arch_syscall_set_result(c, BST_OK, (arch_kpti ? 1u : 0u) | (view_ok ? 2u : 0u),
                                kpti_misses());
        return true;
    }
    case BST_SYS_DEBUG_CHECK_STATE:
        check_state(c);
        return true;
    case BST_SYS_DEBUG_IDLE_CYCLES:
        /* The counter cycles this CPU spent halted idle since boot, the counter now and
         * its frequency: busy cycles over a window = d(now) - d(halted). */
        arch_syscall_set_result(c, BST_OK, arch_idle_cycles(), arch_counter_read());
        arch_syscall_set_mr(c, 0, arch_counter_hz());
        if (KCPU_COUNT > 1) { /* the SMP kernel: this CPU's interrupts taken (ksmp.h) */
            arch_syscall_set_mr(c, 1, ksmp_device_interrupts());
            arch_syscall_set_mr(c, 2, ksmp_resched_interrupts());
        }
        return true;
    case BST_SYS_DEBUG_FASTPATH_COUNT:
        /* How often the fastpath of kind rdi (ipc/fastpath.h) was taken, in rdi; rsi bit 0
         * while the fastpaths are enabled, bit 1 when the CPU has what the assembly one
         * needs. An unknown kind is INVALID_ARGUMENT. */
        if (arg >= FASTPATH_KINDS) {
            arch_syscall_set_result(c, BST_INVALID_ARGUMENT, 0, 0);
            return true;
        }
        arch_syscall_set_result(c, BST_OK, fastpath_hits[arg],
                                (fastpath_enabled() ? 1u : 0u) |
                                    (fastpath_asm_available() ? 2u : 0u));
        return true;
    case BST_SYS_DEBUG_COVERAGE: /* a KCOV=1 kernel's edge counts (bastion/coverage.h) */
        return kcov_syscall(caller);
    case BST_SYS_DEBUG_EXIT:
        debug_console_flush();
        kprintf("ipc: fastpath taken %lu times\n", fastpath_total());
        kprintf("debug exit from '%s': %s\n", caller->name, arg == 0 ? "pass" : "fail");
        arch_emulator_exit(arg == 0 ? MACHINE_EXIT_PASS : MACHINE_EXIT_FAIL);
        arch_halt();
    default:
        return false;
    }
}
