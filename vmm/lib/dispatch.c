/*
 * The exit dispatcher (machine.h): one exit in, one action out. Each reason's handler
 * finishes or faults the exiting instruction; then, if the guest goes on, the
 * interrupt step offers it the highest pending interrupt (the APIC's, else the 8259's
 * through LINT0), injected at once if the guest can take it, else with an
 * INTERRUPT_WINDOW exit asked for.
 */
#include "dispatch.h"

#include <vmm/bytes.h>

void vmm_machine_init(struct vmm_machine *m, vmm_host_cpuid_fn host_cpuid, uint32_t tsc_khz)
{
    *m = (struct vmm_machine){.cpuid = {.host = host_cpuid, .tsc_khz = tsc_khz}};
    vmm_uart_reset(&m->com1);
    vmm_pci_reset(&m->pci, &vmm_vcon_pci_identity);
    vmm_vcon_reset(&m->vcon);
    const uint8_t mac[6] = VMM_DEFAULT_MAC;
    vmm_pci_add_device(&m->pci, VMM_PCI_NET_SLOT, &vmm_vnet_pci_identity, VMM_PCI_NET_BAR_BASE,
                       VMM_PCI_NET_IRQ);
    vmm_vnet_init(&m->vnet, mac);
    vmm_pic_reset(&m->pic);
    vmm_lapic_reset(&m->lapic);
    vmm_msr_reset(&m->msrs);
}

void vmm_machine_attach_ram(struct vmm_machine *m, uint8_t *ram, uint64_t size)
{
    vmm_vcon_attach_ram(&m->vcon, ram, size);
    vmm_vnet_attach_ram(&m->vnet, ram, size);
}

void vmm_machine_set_mac(struct vmm_machine *m, const uint8_t mac[6])
{
    vmm_bytes_copy(m->vnet.mac, mac, sizeof(m->vnet.mac));
}

/* The device lines into the 8259 pair: the UART's, the virtio devices' INTx. */
static void update_lines(struct vmm_machine *m)
{
    vmm_pic_set_line(&m->pic, VMM_COM1_IRQ, vmm_uart_irq(&m->com1));
    vmm_pic_set_line(&m->pic, VMM_PCI_DEVICE_IRQ, vmm_vcon_irq(&m->vcon));
    vmm_pic_set_line(&m->pic, VMM_PCI_NET_IRQ, vmm_vnet_irq(&m->vnet));
}

void vmm_set_gprs(struct vmm_action *act, const struct bst_vm_exit_msg *e, uint64_t rax,
                  uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
    (void)e;
    act->gprs[0] = rax, act->gprs[1] = rbx, act->gprs[2] = rcx, act->gprs[3] = rdx;
    act->run_flags |= BST_VCPU_RUN_SET_GPRS | BST_VCPU_RUN_ADVANCE;
}

static void inject_exception(struct vmm_action *act, unsigned vector, bool has_error,
                             uint64_t error)
{
    act->inject = true;
    act->event = BST_VCPU_EVENT_VECTOR(vector) | BST_VCPU_EVENT_EXCEPTION |
                 (has_error ? BST_VCPU_EVENT_ERROR_CODE : 0);
    act->error_code = has_error ? error : 0;
    act->run_flags &= ~(uint64_t)(BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS);
}

void vmm_inject_gp(struct vmm_machine *m, struct vmm_action *act)
{
    m->gp_injected++;
    inject_exception(act, VMM_VECTOR_GP, true, 0);
}

void vmm_inject_ud(struct vmm_machine *m, struct vmm_action *act)
{
    m->ud_injected++;
    inject_exception(act, VMM_VECTOR_UD, false, 0);
}

static void stop(struct vmm_action *act, const char *why, uint64_t value)
{
    act->verdict = VMM_STOP;
    vmm_error_set(&act->report, why, value, true);
}

static void exit_cpuid(struct vmm_machine *m, const struct bst_vm_exit_msg *e,
                       struct vmm_action *act)
{
    uint32_t r[4];
    vmm_cpuid(&m->cpuid, (uint32_t)e->info0, (uint32_t)e->info1, r);
    vmm_set_gprs(act, e, r[VMM_EAX], r[VMM_EBX], r[VMM_ECX], r[VMM_EDX]);
}

static void exit_nested_fault(const struct bst_vm_exit_msg *e, struct vmm_action *act)
{
    stop(act, "guest touched guest-physical memory it does not have, stopped: ", e->info0);
    vmm_error_append(&act->report, " access ", e->info1, true);
    vmm_error_append(&act->report, " rip ", e->rip, true);
}

/* The interrupt a device or the timer wants delivered now, or -1. */
static int pending_vector(struct vmm_machine *m, bool take)
{
    int v = vmm_lapic_pending(&m->lapic);
    if (v >= 0) {
        if (take)
            vmm_lapic_accept(&m->lapic, (unsigned)v);
        return v;
    }
    if (!vmm_lapic_extint_open(&m->lapic))
        return -1;
    return take ? vmm_pic_acknowledge(&m->pic) : vmm_pic_pending(&m->pic);
}

/* Offer the guest its pending interrupt. `can_take`: it can take one at this entry. */
static void deliver(struct vmm_machine *m, bool can_take, struct vmm_action *act)
{
    if (act->inject || pending_vector(m, false) < 0)
        return;
    if (!can_take) {
        act->run_flags |= BST_VCPU_RUN_WINDOW;
        return;
    }
    int v = pending_vector(m, true);
    act->inject = true;
    act->event = BST_VCPU_EVENT_VECTOR((unsigned)v) | BST_VCPU_EVENT_EXTINT;
    act->error_code = 0;
    m->interrupts_injected++;
}

static void exit_hlt(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                     struct vmm_action *act)
{
    act->run_flags |= BST_VCPU_RUN_ADVANCE;
    if (pending_vector(m, false) >= 0 || !(e->flags & BST_VM_STATE_IF))
        return; /* an interrupt ends the halt at once (or the guest halted for good: below) */
    act->verdict = VMM_WAIT;
    act->wait_until = vmm_lapic_next_event(&m->lapic);
    (void)now;
}

static void handle(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                   struct vmm_action *act)
{
    switch (e->reason) {
    case BST_VM_EXIT_IO:
        vmm_exit_io(m, e, act);
        return;
    case BST_VM_EXIT_CPUID:
        exit_cpuid(m, e, act);
        return;
    case BST_VM_EXIT_MSR_READ:
        vmm_exit_msr_read(m, e, now, act);
        return;
    case BST_VM_EXIT_MSR_WRITE:
        vmm_exit_msr_write(m, e, now, act);
        return;
    case BST_VM_EXIT_HLT:
        exit_hlt(m, e, now, act);
        return;
    case BST_VM_EXIT_NESTED_FAULT:
        exit_nested_fault(e, act);
        return;
    case BST_VM_EXIT_SHUTDOWN:
        stop(act, "guest shut down (triple fault) at rip ", e->rip);
        return;
    case BST_VM_EXIT_INVALID_STATE:
        stop(act, "the CPU refused the guest's state; exit code ", e->arch_code);
        return;
    case BST_VM_EXIT_EXCEPTION: /* #DB, #AC: intercepted only to bound their loops */
        inject_exception(act, (unsigned)e->info0 & 0xff, (e->info0 & 0xff) == 17, e->info1);
        return;
    case BST_VM_EXIT_VIRT_INSTRUCTION:
    case BST_VM_EXIT_HYPERCALL:
    case BST_VM_EXIT_XSETBV: /* no XSAVE in the guest's CPUID */
        vmm_inject_ud(m, act);
        return;
    case BST_VM_EXIT_INTERRUPT_WINDOW:
    case BST_VM_EXIT_SIGNAL:
        return; /* the interrupt step does the work */
    default:
        stop(act, "unexpected exit; hardware exit code ", e->arch_code);
        return;
    }
}

void vmm_dispatch(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                  struct vmm_action *act)
{
    *act = (struct vmm_action){.verdict = VMM_RESUME, .wait_until = UINT64_MAX};
    m->exits[e->reason < VMM_EXIT_REASONS ? e->reason : 0]++;
    handle(m, e, now, act);
    if (act->verdict == VMM_STOP)
        return;
    vmm_lapic_update(&m->lapic, now);
    update_lines(m);
    if (e->reason == BST_VM_EXIT_HLT && !(e->flags & BST_VM_STATE_IF) &&
        pending_vector(m, false) < 0) {
        stop(act, "guest halted with interrupts off (powered off) at rip ", e->rip);
        return;
    }
    /* The guest can take an interrupt at this entry if IF is set, no shadow holds (an
     * instruction completed by ADVANCE ends any shadow it was in) and no other event
     * goes in first. */
    bool shadow = (e->flags & BST_VM_STATE_SHADOW) && !(act->run_flags & BST_VCPU_RUN_ADVANCE);
    bool can_take = (e->flags & BST_VM_STATE_IF) && !shadow && !(e->flags & BST_VM_STATE_PENDING);
    if (act->verdict == VMM_WAIT && pending_vector(m, false) >= 0)
        act->verdict = VMM_RESUME;
    deliver(m, can_take, act);
}

unsigned vmm_console_input(struct vmm_machine *m, const uint8_t *bytes, unsigned n)
{
    unsigned taken = 0;
    while (taken < n && vmm_uart_receive(&m->com1, bytes[taken]))
        taken++;
    update_lines(m);
    return taken;
}

unsigned vmm_virtio_console_input(struct vmm_machine *m, const uint8_t *bytes, unsigned n)
{
    unsigned taken = vmm_vcon_input(&m->vcon, bytes, n);
    update_lines(m);
    return taken;
}

unsigned vmm_net_take_frame(struct vmm_machine *m, uint8_t *out)
{
    unsigned len = vmm_vnet_take_frame(&m->vnet, out);
    update_lines(m);
    return len;
}

bool vmm_net_put_frame(struct vmm_machine *m, const uint8_t *frame, unsigned len)
{
    bool put = vmm_vnet_put_frame(&m->vnet, frame, len);
    update_lines(m);
    return put;
}

const char *vmm_net_problem(struct vmm_machine *m)
{
    return vmm_vnet_problem(&m->vnet);
}

void vmm_wake(struct vmm_machine *m, const struct bst_vm_exit_msg *exit, uint64_t now,
              struct vmm_action *act)
{
    act->verdict = VMM_RESUME;
    vmm_lapic_update(&m->lapic, now);
    update_lines(m);
    /* The halt completed (ADVANCE), so no shadow holds; IF is as the guest halted. */
    deliver(m, (exit->flags & BST_VM_STATE_IF) && !(exit->flags & BST_VM_STATE_PENDING), act);
}
