/*
 * The console link: how the VMM PD lends its guest's serial console to a native PD
 * (docs/virtualisation.md, "Linux under Bastion"). One shared page and one channel.
 *
 * Guest to native: the VMM collects the guest's console output into lines; each line
 * that starts with VMM_LINK_PREFIX it copies into the ring `from_guest`, slot
 * seq % VMM_LINK_SLOTS (NUL-terminated, without the newline, cut at VMM_LINK_SLOT - 1
 * bytes), where seq is the line's number from 1, then sets from_guest_seq to seq and
 * notifies the native PD. The native PD reads every line after the last it saw; it can
 * fall behind by VMM_LINK_SLOTS - 1 lines before one is overwritten (from_guest_seq tells
 * it how many it missed). A higher priority does not make it keep up: its budget, or the
 * host, may hold it while the VMM goes on.
 *
 * When the guest stops, the VMM sends the line VMM_LINK_STOPPED the same way.
 *
 * Which console of the guest's the link carries is the VMM's choice: the Linux VMM PD
 * joins it to the virtio console (/dev/hvc0 in the guest), so that the lines and the
 * input travel through virtio; the UART's output then only goes to the debug console.
 *
 * Native to guest: the native PD writes bytes into `to_guest`, then their count into
 * to_guest_len (last), and notifies the VMM. The VMM copies them out, sets to_guest_len to
 * 0 and feeds them into the guest's console (the virtio console's receive buffers, or the
 * UART's receive FIFO) as the guest takes them. A count over
 * VMM_LINK_LINE is refused (reported, nothing taken); the native PD writes again only
 * once to_guest_len is 0.
 */
#ifndef VMM_CONSOLE_LINK_H
#define VMM_CONSOLE_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/machine.h>

#define VMM_LINK_LINE    1024u /* input bytes at a time */
#define VMM_LINK_SLOTS   4u
#define VMM_LINK_SLOT    512u /* bytes of a guest line, with its NUL */
#define VMM_LINK_PREFIX  "BASTION-GUEST-"
/* The line the VMM itself sends when its guest has stopped. */
#define VMM_LINK_STOPPED "VMM: guest stopped"

struct vmm_console_link {
    volatile uint32_t from_guest_seq;
    volatile uint32_t to_guest_len;
    char from_guest[VMM_LINK_SLOTS][VMM_LINK_SLOT];
    char to_guest[VMM_LINK_LINE];
};

_Static_assert(sizeof(struct vmm_console_link) <= 4096, "one page");

/* The VMM's side of the link (console_link.c): pure, host-tested; the PD notifies. */
struct vmm_link_end {
    struct vmm_console_link *link; /* the shared page (NULL: no partner) */
    char line[VMM_LINK_SLOT];      /* the guest's console line being collected */
    unsigned line_len;
    uint32_t lines_sent;
    char input[VMM_LINK_LINE]; /* the partner's input not yet in the guest's console */
    unsigned input_len, input_pos;
    bool virtio; /* input goes to the virtio console (else to the UART) */
};

void vmm_link_init(struct vmm_link_end *e, struct vmm_console_link *link);
/* Put text (cut to VMM_LINK_SLOT - 1 bytes) in the ring as the next line. False (nothing
 * done) without a link. The caller then notifies the partner. */
bool vmm_link_send(struct vmm_link_end *e, const char *text);
/* The guest's console bytes: '\r' dropped, lines cut at VMM_LINK_SLOT - 1 bytes (the rest
 * of a long line dropped), each whole line that starts with VMM_LINK_PREFIX sent.
 * Returns how many lines were sent (the caller notifies when > 0). */
unsigned vmm_link_console(struct vmm_link_end *e, const uint8_t *bytes, unsigned n);
/* Take the partner's input, if any (to_guest_len non-zero), and clear to_guest_len.
 * A count over VMM_LINK_LINE, or input while the last is still being fed, is refused:
 * false with err saying why, nothing taken. True otherwise (also when there was none). */
bool vmm_link_take_input(struct vmm_link_end *e, struct vmm_error *err);
/* Move pending input into the guest's console as far as it has room: the UART's receive
 * FIFO, or with e->virtio set the virtio console's posted receive buffers. */
void vmm_link_feed(struct vmm_link_end *e, struct vmm_machine *m);

#endif
