/*
 * The protection-domain runtime (libbastion/pd.h): start, the event loop, message
 * registers, channels and deferred operations.
 *
 * Guarantees: entry points run one at a time on the PD's one thread; a PPC or child
 * fault is answered with what the entry point returned, through the Reply-Recv that
 * also waits for the next event; deferred operations happen after the entry point
 * returns and before the next wait. Misuse (a channel the PD does not have, an MR index
 * out of range) prints what went wrong and faults the PD, so that its parent or init
 * reports it with a backtrace.
 */
#include <libbastion/device.h>
#include <libbastion/ipc.h>
#include <libbastion/ipcbuffer.h>
#include <libbastion/pd.h>
#include <libbastion/pd_abi.h>
#include <libbastion/syscall.h>
#include <libbastion/tls.h>

#include "pd_internal.h"

_Noreturn void __bst_pd_start(const struct bst_pd_startinfo *si, struct bst_ipc_buffer *ipc);

static struct bst_tls pd_tls;
static const struct bst_pd_startinfo *start_info;
static uint64_t mrs[BST_MSG_REGISTERS]; /* MR0..3; the rest live in the IPC buffer */

struct deferred {
    bool pending;
    bst_channel_t ch;
};
static struct deferred deferred_signal, deferred_ack;

const struct bst_pd_startinfo *pd_start_info(void)
{
    return start_info;
}

uint64_t bst_counter_khz(void)
{
    return start_info->counter_khz;
}

const char *bst_pd_name(void)
{
    return start_info ? start_info->name : "?";
}

_Noreturn void pd_misuse(const char *fmt, unsigned value)
{
    bst_printf("libbastion: PD '%s': ", bst_pd_name());
    bst_printf(fmt, value);
    bst_printf("\n");
    __builtin_trap();
}

void pd_check_channel(uint64_t mask, unsigned ch, const char *what)
{
    if (ch > BASTION_MAX_ID || !((mask >> ch) & 1))
        pd_misuse(what, ch);
}

/* ---- Message registers ---------------------------------------------------------------- */

uint64_t bst_mr_get(unsigned i)
{
    if (i >= BST_MSG_MAX_LENGTH)
        pd_misuse("bst_mr_get(%u): no such message register", i);
    return i < BST_MSG_REGISTERS ? mrs[i] : bst_ipc_buffer()->msg[i];
}

void bst_mr_set(unsigned i, uint64_t value)
{
    if (i >= BST_MSG_MAX_LENGTH)
        pd_misuse("bst_mr_set(%u): no such message register", i);
    if (i < BST_MSG_REGISTERS)
        mrs[i] = value;
    else
        bst_ipc_buffer()->msg[i] = value;
}

/* ---- Channels ------------------------------------------------------------------------- */

void bst_notify(bst_channel_t ch)
{
    pd_check_channel(start_info->notify_mask, ch,
                     "bst_notify on channel %u, which it does not have");
    bst_signal(BASTION_SLOT_NOTIFY_BASE + ch);
}

bst_error_t bst_notify_wait(bst_channel_t ch, uint64_t *word)
{
    pd_check_channel(start_info->notify_mask, ch,
                     "bst_notify_wait on channel %u, which it does not have");
    return bst_nb_send_recv(BASTION_SLOT_NOTIFY_BASE + ch, bst_msginfo_new(0, 0),
                            BASTION_SLOT_NOTIFICATION, BASTION_SLOT_REPLY, NULL, word, NULL);
}

bst_error_t bst_ppcall_status(bst_channel_t ch, bst_msginfo_t msginfo, bst_msginfo_t *reply)
{
    pd_check_channel(start_info->ppcall_mask, ch,
                     "bst_ppcall_status on channel %u, which it does not have");
    *reply = bst_msginfo_new(0, 0);
    return bst_call(BASTION_SLOT_PPCALL_BASE + ch, msginfo, mrs, reply);
}

uint32_t bst_pd_generation(void)
{
    return start_info->generation;
}

uint32_t bst_peer_generation(bst_channel_t ch)
{
    return ch > BASTION_MAX_ID ? 0 : ((volatile const uint32_t *)start_info->peer_generation)[ch];
}

bst_msginfo_t bst_ppcall(bst_channel_t ch, bst_msginfo_t msginfo)
{
    pd_check_channel(start_info->ppcall_mask, ch,
                     "bst_ppcall on channel %u, which it does not have");
    bst_msginfo_t reply = 0;
    bst_error_t e = bst_call(BASTION_SLOT_PPCALL_BASE + ch, msginfo, mrs, &reply);
    if (e != BST_OK) {
        bst_printf("libbastion: PD '%s': ppcall on channel %u failed: %s\n", bst_pd_name(), ch,
                   bst_error_name(e));
        return bst_msginfo_new(0, 0);
    }
    return reply;
}

void bst_irq_ack(bst_channel_t ch)
{
    pd_check_channel(start_info->irq_mask, ch, "bst_irq_ack on channel %u, which is not an IRQ");
    bst_error_t e = bst_irq_handler_ack(BASTION_SLOT_IRQ_BASE + ch);
    if (e != BST_OK)
        bst_printf("libbastion: PD '%s': acknowledging the IRQ on channel %u failed: %s\n",
                   bst_pd_name(), ch, bst_error_name(e));
}

void bst_deferred_notify(bst_channel_t ch)
{
    pd_check_channel(start_info->notify_mask, ch,
                     "bst_deferred_notify on channel %u, which it does not have");
    if (deferred_signal.pending)
        bst_notify(deferred_signal.ch);
    deferred_signal = (struct deferred){.pending = true, .ch = ch};
}

void bst_deferred_irq_ack(bst_channel_t ch)
{
    pd_check_channel(start_info->irq_mask, ch,
                     "bst_deferred_irq_ack on channel %u, which is not an IRQ");
    if (deferred_ack.pending)
        bst_irq_ack(deferred_ack.ch);
    deferred_ack = (struct deferred){.pending = true, .ch = ch};
}

/* Carry out the deferred acknowledgement (just before the next wait). A deferred signal
 * is left for next_event(), which folds it into the wait when it can. */
static void flush_deferred_ack(void)
{
    if (deferred_ack.pending) {
        deferred_ack.pending = false;
        bst_irq_ack(deferred_ack.ch);
    }
}

/* Send the deferred signal on its own (when it cannot ride on the wait). */
static void flush_deferred_signal(void)
{
    if (deferred_signal.pending) {
        deferred_signal.pending = false;
        bst_signal(BASTION_SLOT_NOTIFY_BASE + deferred_signal.ch);
    }
}

/* ---- Default entry points --------------------------------------------------------------- */

__attribute__((weak)) void notified(bst_channel_t ch)
{
    bst_printf("libbastion: PD '%s': notification on channel %u but no notified()\n", bst_pd_name(),
               ch);
}

__attribute__((weak)) void peer_restarted(bst_channel_t ch)
{
    (void)ch;
}

/* The generation of each channel's peer as the PD last saw it: peer_restarted() is
 * called for those that moved. Set at start, so a PD restarted itself sees only later
 * restarts of its peers. */
static uint32_t seen_generation[BASTION_MAX_ID + 1];

static void note_peer_generations(void)
{
    for (unsigned ch = 0; ch <= BASTION_MAX_ID; ch++)
        seen_generation[ch] = bst_peer_generation(ch);
}

static void dispatch_peer_restarts(void)
{
    for (unsigned ch = 0; ch <= BASTION_MAX_ID; ch++) {
        uint32_t g = bst_peer_generation(ch);
        if (g != seen_generation[ch]) {
            seen_generation[ch] = g;
            peer_restarted(ch);
        }
    }
}

__attribute__((weak)) bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)msginfo;
    bst_printf("libbastion: PD '%s': call on channel %u but no protected()\n", bst_pd_name(), ch);
    return bst_msginfo_new(0, 0);
}

__attribute__((weak)) bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    bst_printf("libbastion: PD '%s': child %u: %s at ip 0x%lx, address 0x%lx; stopping it\n",
               bst_pd_name(), child, bst_fault_name(bst_msginfo_label(msginfo)),
               (unsigned long)bst_mr_get(0), (unsigned long)bst_mr_get(1));
    return bst_fault_reply_stop();
}

/* ---- The event loop ---------------------------------------------------------------------- */

/* What one received event asks for; returns true when it must be answered with `*reply`. */
static bool dispatch(uint64_t badge, bst_msginfo_t info, bst_msginfo_t *reply)
{
    if (bst_msginfo_label(info) == BST_LABEL_SIGNAL) {
        /* Each set bit in ascending order (a wake-up usually has one or two). */
        for (; badge != 0; badge &= badge - 1) {
            unsigned ch = (unsigned)__builtin_ctzll(badge);
            if (ch == BST_PD_PEER_RESTARTED_BIT)
                dispatch_peer_restarts();
            if (ch > BASTION_MAX_ID)
                break;
            notified(ch);
        }
        return false;
    }
    if (badge & BASTION_BADGE_PPCALL) {
        *reply = protected((bst_channel_t)(badge & BST_PD_BADGE_ID_MASK), info);
        return true;
    }
    if (badge & BST_PD_BADGE_FAULT) {
        bst_child_t child = (bst_child_t)(badge & BST_PD_BADGE_ID_MASK);
        *reply = fault(child, info);
        if (bst_msginfo_label(info) != BST_FAULT_DMA)
            return true;
        /* Sent by init (bastion/fault.h): no thread waits for the answer, so the runtime
         * carries out a STOP itself; the child runs on otherwise. */
        if (bst_msginfo_label(*reply) == BST_FAULT_REPLY_STOP)
            bst_child_stop(child);
        return false;
    }
    bst_printf("libbastion: PD '%s': message with unknown badge 0x%lx ignored\n", bst_pd_name(),
               (unsigned long)badge);
    return false;
}

/* A passive PD's first wait also tells init it may take the PD's scheduling context:
 * from then on the PD runs only on its callers' time. */
static bool become_passive;

/* Wait for the next event, answering the last one first when it needs an answer. */
static bst_error_t next_event(bool answer, bst_msginfo_t reply, uint64_t *badge,
                              bst_msginfo_t *info)
{
    if (become_passive) {
        become_passive = false;
        flush_deferred_signal();
        return bst_nb_send_recv(BST_PD_SLOT_INIT, bst_msginfo_new(BST_INIT_REQ_PASSIVE, 0),
                                BASTION_SLOT_ENDPOINT, BASTION_SLOT_REPLY, mrs, badge, info);
    }
    if (answer) {
        flush_deferred_signal();
        return bst_reply_recv(BASTION_SLOT_ENDPOINT, BASTION_SLOT_REPLY, reply, mrs, badge, info);
    }
    bool endpoint = (start_info->flags & BST_PD_HAS_ENDPOINT) != 0;
    bst_cptr_t source = endpoint ? BASTION_SLOT_ENDPOINT : BASTION_SLOT_NOTIFICATION;
    bst_error_t e;
    if (deferred_signal.pending) {
        /* The signal and the wait as one system call (NB_SEND_RECV): the PD is waiting
         * before the peer it wakes can run, and it needs no second kernel entry. A signal
         * carries no message and a notification delivers none: no registers to copy. */
        deferred_signal.pending = false;
        e = bst_nb_send_recv(BASTION_SLOT_NOTIFY_BASE + deferred_signal.ch, bst_msginfo_new(0, 0),
                             source, BASTION_SLOT_REPLY, endpoint ? mrs : NULL, badge, info);
        if (e != BST_OK) /* the send may not have happened: signals coalesce, send again */
            bst_signal(BASTION_SLOT_NOTIFY_BASE + deferred_signal.ch);
    } else if (endpoint) {
        e = bst_recv(BASTION_SLOT_ENDPOINT, BASTION_SLOT_REPLY, badge, info, mrs);
    } else {
        e = bst_wait(BASTION_SLOT_NOTIFICATION, badge);
    }
    if (!endpoint)
        *info = bst_msginfo_new(BST_LABEL_SIGNAL, 0);
    return e;
}

static _Noreturn void event_loop(void)
{
    bool answer = false;
    bst_msginfo_t reply = 0;
    for (;;) {
        uint64_t badge = 0;
        bst_msginfo_t info = 0;
        flush_deferred_ack();
        bst_error_t e = next_event(answer, reply, &badge, &info);
        answer = false;
        if (e != BST_OK) {
            bst_printf("libbastion: PD '%s': waiting for events failed: %s\n", bst_pd_name(),
                       bst_error_name(e));
            continue;
        }
        answer = dispatch(badge, info, &reply);
    }
}

_Noreturn void __bst_pd_start(const struct bst_pd_startinfo *si, struct bst_ipc_buffer *ipc)
{
    if (si == NULL || si->magic != BST_PD_STARTINFO_MAGIC) {
        bst_printf("libbastion: started without start info: not started by init?\n");
        __builtin_trap();
    }
    start_info = si;
    /* A restart (not a re-initialisation) keeps memory: forget what the last run left. */
    deferred_signal.pending = false;
    deferred_ack.pending = false;
    bst_tls_set_own_fs_base(BASTION_SLOT_TCB, bst_tls_init(&pd_tls, ipc), ipc);
    /* Open the PD's IRQ lines: a line starts masked, and one that fired during the last
     * run and was not acknowledged would stay masked across a restart. */
    for (unsigned ch = 0; ch <= BASTION_MAX_ID; ch++)
        if ((si->irq_mask >> ch) & 1)
            bst_irq_ack(ch);
    note_peer_generations();
    init();
    become_passive = (si->flags & (BST_PD_PASSIVE | BST_PD_HAS_ENDPOINT | BST_PD_HAS_INIT)) ==
                     (BST_PD_PASSIVE | BST_PD_HAS_ENDPOINT | BST_PD_HAS_INIT);
    event_loop();
}

_Noreturn void bst_system_exit(int status)
{
    bst_debug_exit(status);
}
