/*
 * The guest machine the VMM emulates, and the exit dispatcher that turns each VM exit
 * message into emulation (docs/virtualisation.md, "The exit dispatcher").
 *
 * vmm_dispatch() is a pure function of the machine state, the exit message
 * (include/bastion/vcpu.h) and the guest's TSC: it updates the emulated devices and
 * returns what the VMM thread must do next, as a value: the VCPU_RUN flags and
 * registers that finish the exiting instruction, an event to inject, a register-backed
 * MSR to move through VCPU_READ_REGS/WRITE_REGS, whether to wait for the guest's next
 * timer event, or to stop the guest, with a report. The PD (vmm/vmm_pd.c) only carries
 * these out; the host tests drive the dispatcher with made-up exits.
 *
 * The guest PC: a 16550 at COM1 (0x3f8, IRQ 4), the 8259 pair, an x2APIC with the
 * TSC-deadline timer, reset through port 0x64 (0xfe) or 0xcf9, a PCI bus (pci_bus.h)
 * with a legacy virtio console in an I/O BAR (virtio_console.h, INTx on IRQ 11) and a
 * legacy virtio-net device in another (virtio_net.h, INTx on IRQ 10), both working once
 * the VMM gives them guest RAM with vmm_machine_attach_ram; every other port reads
 * as absent (all ones) and ignores writes, and is reported (the first time each).
 * No MMIO device: a nested page fault is a guest error that stops the guest.
 */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include <bastion/vcpu.h>
#include <stdbool.h>
#include <stdint.h>
#include <vmm/cpuid_policy.h>
#include <vmm/error.h>
#include <vmm/lapic.h>
#include <vmm/msr_policy.h>
#include <vmm/pic8259.h>
#include <vmm/pci_bus.h>
#include <vmm/uart16550.h>
#include <vmm/virtio_console.h>
#include <vmm/virtio_net.h>

#define VMM_COM1_BASE      0x3f8u
#define VMM_COM1_IRQ       4u
#define VMM_REPORTED_PORTS 32u /* distinct unemulated ports reported, then only counted */
#define VMM_EXIT_REASONS   16u
/* A locally administered unicast MAC for the guest's virtio-net device by default. */
#define VMM_DEFAULT_MAC                                                                            \
    {                                                                                              \
        0x02, 0xba, 0x57, 0x00, 0x00, 0x01                                                         \
    }

struct vmm_machine {
    struct vmm_uart com1;
    struct vmm_pci_bus pci;
    struct vmm_virtio_console vcon; /* at 00:01.0, INTx on VMM_PCI_DEVICE_IRQ */
    struct vmm_virtio_net vnet;     /* at 00:02.0, INTx on VMM_PCI_NET_IRQ */
    struct vmm_pic pic;
    struct vmm_lapic lapic;
    struct vmm_msr_state msrs;
    struct vmm_cpuid_policy cpuid;
    uint64_t exits[VMM_EXIT_REASONS]; /* by reason; [0] counts unknown reasons */
    uint64_t unemulated_port_accesses;
    uint16_t reported_ports[VMM_REPORTED_PORTS];
    unsigned reported_port_count;
    uint64_t gp_injected, ud_injected, interrupts_injected;
};

enum vmm_verdict {
    VMM_RESUME, /* VCPU_RUN again with the action's flags */
    VMM_WAIT,   /* the guest halted: VCPU_RUN again once the guest TSC reaches wait_until
                   or a notification comes (UINT64_MAX: only a notification) */
    VMM_STOP,   /* the guest cannot go on: report and do not run it again */
};

enum vmm_reg_op {
    VMM_REG_NONE,
    VMM_REG_READ,  /* RDMSR of a register-backed MSR: read `reg`, then vmm_reg_read_done() */
    VMM_REG_WRITE, /* WRMSR: write reg_value to `reg`; if the kernel refuses,
                      vmm_reg_write_refused() */
};

struct vmm_action {
    enum vmm_verdict verdict;
    uint64_t run_flags; /* BST_VCPU_RUN_* */
    uint64_t gprs[4];   /* rax, rbx, rcx, rdx with BST_VCPU_RUN_SET_GPRS */
    bool inject;
    uint64_t event, error_code; /* VCPU_INJECT's words */
    enum vmm_reg_op reg_op;
    unsigned reg; /* enum bst_vcpu_reg */
    uint64_t reg_value;
    uint64_t wait_until;
    struct vmm_error report; /* msg non-empty: a line for the log (always with STOP) */
};

/* A fresh machine; host_cpuid and tsc_khz feed the CPUID policy. */
void vmm_machine_init(struct vmm_machine *m, vmm_host_cpuid_fn host_cpuid, uint32_t tsc_khz);

/* The guest RAM the virtio devices' rings and buffers must lie in (the VMM's mapping
 * of guest-physical 0). */
void vmm_machine_attach_ram(struct vmm_machine *m, uint8_t *ram, uint64_t size);
/* The virtio-net device's MAC (VMM_DEFAULT_MAC until set; before the guest runs). */
void vmm_machine_set_mac(struct vmm_machine *m, const uint8_t mac[6]);

/* Handle one exit at guest TSC now and say what to do next. */
void vmm_dispatch(struct vmm_machine *m, const struct bst_vm_exit_msg *exit, uint64_t now,
                  struct vmm_action *act);

/* After a VMM_WAIT: the guest TSC is now `now` (its timer's deadline, or a notification
 * came). Turns *act (the HLT's action: ADVANCE, WAIT) into a RESUME that injects the
 * interrupt that became pending, if any; `exit` is the HLT's exit message. */
void vmm_wake(struct vmm_machine *m, const struct bst_vm_exit_msg *exit, uint64_t now,
              struct vmm_action *act);

/* Finish a VMM_REG_READ with the register's value (sets rax/rdx, ADVANCE). */
void vmm_reg_read_done(struct vmm_action *act, uint64_t value);
/* The kernel refused a VMM_REG_WRITE's value: the guest gets #GP instead. */
void vmm_reg_write_refused(struct vmm_machine *m, struct vmm_action *act);

/* Input for the guest's console: returns how many of the bytes the UART took. */
unsigned vmm_console_input(struct vmm_machine *m, const uint8_t *bytes, unsigned n);
/* The same for the virtio console: how many bytes its receive buffers took. */
unsigned vmm_virtio_console_input(struct vmm_machine *m, const uint8_t *bytes, unsigned n);

/* The guest's next transmitted frame into out (VMM_VNET_FRAME_MAX bytes): its length,
 * or 0 when none (virtio_net.h). */
unsigned vmm_net_take_frame(struct vmm_machine *m, uint8_t *out);
/* A received frame for the guest: whether a posted receive buffer took it. */
bool vmm_net_put_frame(struct vmm_machine *m, const uint8_t *frame, unsigned len);
/* Why the virtio-net device broke since the last call, or NULL. */
const char *vmm_net_problem(struct vmm_machine *m);

/* The enum bst_vcpu_reg backing msr, or -1 when msr is not register-backed. */
int vmm_msr_backing_reg(uint32_t msr);

#endif
