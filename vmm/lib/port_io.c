/*
 * I/O port exits (machine.h): the guest PC's port map; the PCI bus and the virtio
 * console's BAR take whole accesses, every other device byte by byte. IN and OUT of 1, 2 or 4
 * bytes; string I/O (INS/OUTS) is not emulated (it would need the guest's memory operand; no
 * emulated device is used that way) and gets #GP.
 */
#include "dispatch.h"

#define PORT_PIC_MASTER 0x20u
#define PORT_PIC_SLAVE  0xa0u
#define PORT_ELCR0      0x4d0u
#define PORT_ELCR1      0x4d1u
#define PORT_KBD_CMD    0x64u
#define PORT_RESET_CF9  0xcf9u
#define PORT_POST       0x80u
#define KBD_CMD_RESET   0xfeu
#define CF9_RESET       0x04u

static bool is_pic(uint16_t port)
{
    return (port & ~1u) == PORT_PIC_MASTER || (port & ~1u) == PORT_PIC_SLAVE;
}

/* Note an unemulated port: counted always, reported the first time (up to a limit). */
static void unemulated(struct vmm_machine *m, uint16_t port, bool in, struct vmm_action *act)
{
    m->unemulated_port_accesses++;
    for (unsigned i = 0; i < m->reported_port_count; i++)
        if (m->reported_ports[i] == port)
            return;
    if (m->reported_port_count == VMM_REPORTED_PORTS)
        return;
    m->reported_ports[m->reported_port_count++] = port;
    vmm_error_set(&act->report, in ? "guest read unemulated port " : "guest wrote unemulated port ",
                  port, true);
}

/* An IN of one byte (wider accesses read each byte's port); *absent set when no device
 * answers. */
static uint8_t port_read(struct vmm_machine *m, uint16_t port, bool *absent)
{
    if (port >= VMM_COM1_BASE && port < VMM_COM1_BASE + 8)
        return vmm_uart_read(&m->com1, port - VMM_COM1_BASE);
    if (is_pic(port))
        return vmm_pic_read(&m->pic, port);
    if (port == PORT_ELCR0 || port == PORT_ELCR1 || port == PORT_RESET_CF9)
        return 0; /* every line edge-triggered; no reset pending */
    *absent = true;
    return 0xff; /* nothing answers: the bus floats high */
}

static void port_write(struct vmm_machine *m, uint16_t port, uint8_t value, bool *absent,
                       struct vmm_action *act)
{
    if (port >= VMM_COM1_BASE && port < VMM_COM1_BASE + 8) {
        vmm_uart_write(&m->com1, port - VMM_COM1_BASE, value);
    } else if (is_pic(port)) {
        vmm_pic_write(&m->pic, port, value);
    } else if ((port == PORT_KBD_CMD && value == KBD_CMD_RESET) ||
               (port == PORT_RESET_CF9 && (value & CF9_RESET))) {
        act->verdict = VMM_STOP;
        vmm_error_set(&act->report, "guest asked for a reset through port ", port, true);
    } else if (port != PORT_POST && port != PORT_ELCR0 && port != PORT_ELCR1 &&
               port != PORT_RESET_CF9) {
        *absent = true;
    }
}

/* The PCI configuration ports and the virtio devices' BARs take whole accesses (their
 * registers have widths and side effects): true when the access was one of theirs. A
 * byte at 0xcf9 stays the reset register's. */
static bool sized_access(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint16_t port,
                         unsigned size, struct vmm_action *act)
{
    uint16_t bar = vmm_pci_device_io_base(&m->pci);
    uint16_t net = vmm_pci_slot_io_base(&m->pci, VMM_PCI_NET_SLOT);
    bool pci = vmm_pci_port(port) && !(port == PORT_RESET_CF9 && size == 1);
    bool vcon = bar != 0 && port >= bar && port < bar + VMM_PCI_IO_BAR_SIZE;
    bool vnet = !vcon && net != 0 && port >= net && port < net + VMM_PCI_IO_BAR_SIZE;
    if (!pci && !vcon && !vnet)
        return false;
    bool in = (e->info0 & BST_VM_IO_IN) != 0;
    uint32_t value = (uint32_t)e->rax;
    if (pci && in)
        value = vmm_pci_read(&m->pci, port, size);
    else if (pci)
        vmm_pci_write(&m->pci, port, size, value);
    else if (vcon && in)
        value = vmm_vcon_read(&m->vcon, port - bar, size);
    else if (vcon)
        vmm_vcon_write(&m->vcon, port - bar, size, value);
    else if (in)
        value = vmm_vnet_read(&m->vnet, port - net, size);
    else
        vmm_vnet_write(&m->vnet, port - net, size, value);
    if (in) {
        uint64_t keep = size == 4 ? 0 : e->rax & ~((1ull << (8 * size)) - 1);
        vmm_set_gprs(act, e, keep | value, e->rbx, e->rcx, e->rdx);
    } else {
        act->run_flags |= BST_VCPU_RUN_ADVANCE;
    }
    const char *problem = vmm_vcon_problem(&m->vcon);
    if (!problem)
        problem = vmm_vnet_problem(&m->vnet);
    if (problem)
        vmm_error_set(&act->report, problem, 0, false);
    return true;
}

void vmm_exit_io(struct vmm_machine *m, const struct bst_vm_exit_msg *e, struct vmm_action *act)
{
    uint16_t port = BST_VM_IO_PORT(e->info0);
    unsigned size = BST_VM_IO_SIZE(e->info0);
    if ((e->info0 & BST_VM_IO_STRING) || (size != 1 && size != 2 && size != 4)) {
        vmm_error_set(&act->report, "guest string or odd-sized I/O at port ", port, true);
        vmm_inject_gp(m, act);
        return;
    }
    if (sized_access(m, e, port, size, act))
        return;
    bool absent = false;
    if (e->info0 & BST_VM_IO_IN) {
        uint64_t value = 0;
        for (unsigned i = 0; i < size; i++)
            value |= (uint64_t)port_read(m, (uint16_t)(port + i), &absent) << (8 * i);
        uint64_t keep = size == 4 ? 0 : e->rax & ~((1ull << (8 * size)) - 1);
        /* IN to EAX zero-extends into RAX; to AL/AX keeps the rest of RAX. */
        vmm_set_gprs(act, e, keep | value, e->rbx, e->rcx, e->rdx);
    } else {
        for (unsigned i = 0; i < size && act->verdict != VMM_STOP; i++)
            port_write(m, (uint16_t)(port + i), (uint8_t)(e->rax >> (8 * i)), &absent, act);
        act->run_flags |= BST_VCPU_RUN_ADVANCE;
    }
    if (absent && act->verdict != VMM_STOP)
        unemulated(m, port, e->info0 & BST_VM_IO_IN, act);
}
