/*
 * The protection-domain runtime: what a Bastion component is written against.
 *
 * A PD is one thread running an event loop in libbastion. The PD defines the entry
 * points; the loop calls them, one at a time (never concurrently: the PD has one
 * thread and the loop calls an entry point only from itself):
 *
 *   void init(void)                                   once at start (required)
 *   void notified(bst_channel_t ch)                   a notification or IRQ on `ch`
 *   bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
 *                                                     a protected procedure call on `ch`;
 *                                                     the result is the reply
 *   bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
 *                                                     a child PD faulted (parents only);
 *                                                     the result's label tells the kernel
 *                                                     what to do (bst_fault_reply_*); for
 *                                                     BST_FAULT_DMA (its device's DMA was
 *                                                     blocked; the child is running) STOP
 *                                                     stops the child, RESUME leaves it
 *
 * Message registers: bst_mr_get/bst_mr_set address MR0..MR(BST_MSG_MAX_LENGTH-1); inside
 * protected() and fault() they hold the message, and what the entry point leaves there
 * is the reply. Link a PD with $(call pd_program,...) (lib/lib.mk): it uses pd_crt0.
 *
 * Channels the PD does not have: notify, ppcall, irq_ack, I/O port access and child
 * control on such a channel or id print what went wrong and fault the PD (its parent or
 * init reports it).
 */
#ifndef LIBBASTION_PD_H
#define LIBBASTION_PD_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/errors.h>
#include <bastion/fault.h>
#include <bastion/msginfo.h>
#include <libbastion/printf.h>

typedef unsigned bst_channel_t; /* 0 .. BASTION_MAX_ID */
typedef unsigned bst_child_t;   /* 0 .. BASTION_MAX_ID */

/* ---- Entry points (defined by the PD) ------------------------------------------------- */

void init(void);
void notified(bst_channel_t ch);
bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo); /* default: an error reply */
bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo);    /* default: stop the child */
/* The notification bit init signals to every PD with a channel to a PD it has just
 * restarted or re-initialised ("peer restarted"; docs/supervision.md). Bits 0-62 are
 * channels, so this one can never be a channel's. The runtime finds which peer from the
 * generations below and calls peer_restarted(ch). */
#define BST_PD_PEER_RESTARTED_BIT 63u

/* The PD at the other end of `ch` was restarted or re-initialised (docs/supervision.md):
 * called once per restart seen, after init updated the peer's generation. Default: nothing. */
void peer_restarted(bst_channel_t ch);

/* ---- Messages --------------------------------------------------------------------------- */

static inline bst_msginfo_t bst_msginfo_new(uint64_t label, unsigned count)
{
    return bst_msginfo_make(label, count, 0, 0);
}

uint64_t bst_mr_get(unsigned i);
void bst_mr_set(unsigned i, uint64_t value);

/* ---- Channels --------------------------------------------------------------------------- */

/* Signal the PD at the other end of `ch`. */
void bst_notify(bst_channel_t ch);

/* Signal `ch`, then wait on the PD's notification, as one system call (NB_SEND_RECV): for
 * code that waits outside the event loop (bastion/driver/wait.h). The word that woke it in
 * `*word`. */
bst_error_t bst_notify_wait(bst_channel_t ch, uint64_t *word);

/* Call the (higher-priority) PD at the other end of `ch`; MRs in and out. Returns the
 * reply's message info (label 0 and length 0 when the call itself failed). */
bst_msginfo_t bst_ppcall(bst_channel_t ch, bst_msginfo_t msginfo);
/* The same without a message on failure: the kernel's error (BST_OBJECT_DELETED when the
 * callee was restarted while it held the call), the reply's message info in `*reply`. */
bst_error_t bst_ppcall_status(bst_channel_t ch, bst_msginfo_t msginfo, bst_msginfo_t *reply);

/* Generations (docs/supervision.md): how many times init restarted or re-initialised this
 * PD, and the PD at the other end of channel `ch` (0 for a channel the PD lacks). A
 * client compares the peer's with the one it saw last to tell that its server lost its
 * state. */
uint32_t bst_pd_generation(void);
uint32_t bst_peer_generation(bst_channel_t ch);

/* Acknowledge the IRQ on `ch` (an <irq id="ch"> of the PD): IRQ_HANDLER_ACK on its
 * handler cap, which unmasks the line. The kernel masks a line from the moment it fires
 * until it is acknowledged, so notified(ch) is followed by exactly one acknowledgement
 * once the device is served. The runtime acknowledges every IRQ of the PD once before
 * init() (at boot and after a restart), so lines are open when the PD starts. */
void bst_irq_ack(bst_channel_t ch);

/* Deferred forms: done by the event loop when the current entry point returns, just
 * before it waits for the next event. One of each may be pending; deferring a second
 * sends the first at once. The deferred signal rides on the wait itself (NB_SEND_RECV,
 * one system call), unless the loop must first answer a protected procedure call. */
void bst_deferred_notify(bst_channel_t ch);
void bst_deferred_irq_ack(bst_channel_t ch);

/* ---- I/O ports ------------------------------------------------------------------------- */

typedef unsigned bst_ioport_t; /* the id of an <ioport> of the PD: 0 .. BASTION_MAX_ID */

/* Read or write one port of the PD's I/O port range `id` (IOPORT_IN8/16/32, OUT8/16/32
 * on its cap; one system call per access). An id the PD does not have, or a port (or a
 * 16/32-bit access) outside the range, is misuse: the PD faults with a message. */
uint8_t bst_ioport_in8(bst_ioport_t id, uint16_t port);
uint16_t bst_ioport_in16(bst_ioport_t id, uint16_t port);
uint32_t bst_ioport_in32(bst_ioport_t id, uint16_t port);
void bst_ioport_out8(bst_ioport_t id, uint16_t port, uint8_t value);
void bst_ioport_out16(bst_ioport_t id, uint16_t port, uint16_t value);
void bst_ioport_out32(bst_ioport_t id, uint16_t port, uint32_t value);

/* ---- Children (parents only) ------------------------------------------------------------ */

bst_error_t bst_child_stop(bst_child_t child);    /* suspend */
bst_error_t bst_child_resume(bst_child_t child);  /* continue where it stopped */
bst_error_t bst_child_restart(bst_child_t child); /* start again at its entry, memory as is */
bst_error_t bst_child_reinit(bst_child_t child);  /* reset data, bss and stack from the
                                                    image, then start it as if booted */

/* Replies for fault(): continue (retry the instruction) or leave the child stopped. */
static inline bst_msginfo_t bst_fault_reply_resume(void)
{
    return bst_msginfo_new(BST_FAULT_REPLY_RESUME, 0);
}

static inline bst_msginfo_t bst_fault_reply_stop(void)
{
    return bst_msginfo_new(BST_FAULT_REPLY_STOP, 0);
}

/* The fault message's words (valid inside fault()). */
static inline uint64_t bst_fault_ip(void)
{
    return bst_mr_get(0);
}

static inline uint64_t bst_fault_addr(void)
{
    return bst_mr_get(1);
}

/* A short name for a fault label ("page fault", ...). */
const char *bst_fault_name(uint64_t label);

/* ---- Debug ------------------------------------------------------------------------------ */

/* This PD's name (from the system description). */
const char *bst_pd_name(void);

/* Print to the debug console (bst_printf, <libbastion/printf.h>). */
#define bst_dbg_printf bst_printf

/* Debug builds: end the whole QEMU run, 0 = success (the examples end so). */
_Noreturn void bst_system_exit(int status);

/* The cycle counter's (rdtsc's) frequency in kHz, as the kernel measured it at boot. */
uint64_t bst_counter_khz(void);

#endif
