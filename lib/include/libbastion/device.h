/*
 * Interrupt and I/O port invocations (docs/syscalls.md, "Interrupts and I/O ports"):
 * issue IRQ handler caps and I/O port caps from the control caps, deliver an interrupt
 * to a notification, acknowledge it, and access ports through a port cap.
 *
 * A PD uses the runtime's forms instead (<libbastion/pd.h>: bst_irq_ack(ch),
 * bst_ioport_in8(id, port), ...), which find the caps in the PD's CSpace by id.
 */
#ifndef LIBBASTION_DEVICE_H
#define LIBBASTION_DEVICE_H

#include <libbastion/syscall.h>

/* A new IRQ handler cap for IOAPIC line `line` (0..23), trigger 0 edge / 1 level,
 * polarity 0 active high / 1 active low, into slot `dest_index` of the CNode
 * `dest_cnode`. The line starts masked. */
bst_error_t bst_irq_control_get_ioapic(bst_cptr_t control, uint64_t line, unsigned trigger,
                                       unsigned polarity, bst_cptr_t dest_cnode,
                                       uint64_t dest_index);

/* What a device writes to raise an MSI: program `address` and `data` into its MSI
 * capability. `line` is the kernel's number for it (reports only). */
struct bst_msi_message {
    uint64_t address;
    uint64_t data;
    uint64_t line;
};

/* A new IRQ handler cap for an MSI vector the kernel picks (the first free one), into
 * slot `dest_index` of `dest_cnode`; *msg receives the message the device must send.
 * Until acknowledged, a further MSI is latched, not delivered; ACK delivers it. All
 * vectors issued: BST_REVOKE_FIRST. */
bst_error_t bst_irq_control_get_msi(bst_cptr_t control, bst_cptr_t dest_cnode, uint64_t dest_index,
                                    struct bst_msi_message *msg);

/* The same for the PCI function `source_id` (bus << 8 | dev << 3 | fn): with interrupt
 * remapping on, only that function's messages raise the vector. Above 0xffff:
 * BST_RANGE_ERROR. */
bst_error_t bst_irq_control_get_msi_for(bst_cptr_t control, bst_cptr_t dest_cnode,
                                        uint64_t dest_index, uint64_t source_id,
                                        struct bst_msi_message *msg);

/* Each interrupt ORs the badge of the notification cap `ntfn` (write right) into it. */
bst_error_t bst_irq_handler_set_notification(bst_cptr_t irq, bst_cptr_t ntfn);

/* Unmask the line (masked from the moment it fires until acknowledged). */
bst_error_t bst_irq_handler_ack(bst_cptr_t irq);

/* Unbind the notification. */
bst_error_t bst_irq_handler_clear(bst_cptr_t irq);

/* A new I/O port cap for ports first..last into slot `dest_index` of `dest_cnode`. */
bst_error_t bst_ioport_control_issue(bst_cptr_t control, uint64_t first, uint64_t last,
                                     bst_cptr_t dest_cnode, uint64_t dest_index);

/* Read (IOPORT_IN8/16/32) or write (IOPORT_OUT8/16/32) `bytes` (1, 2 or 4) at `port`
 * through the port cap `cap`; the access must lie inside its range. Other sizes:
 * BST_INVALID_ARGUMENT without a system call. */
bst_error_t bst_ioport_cap_in(bst_cptr_t cap, unsigned bytes, uint64_t port, uint64_t *value);
bst_error_t bst_ioport_cap_out(bst_cptr_t cap, unsigned bytes, uint64_t port, uint64_t value);

#endif
