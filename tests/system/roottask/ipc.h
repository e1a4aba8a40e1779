/*
 * The IPC system tests (suite system-ipc, built from ipc*.c with the shared harness
 * and environment of this directory): endpoints, reply objects, notifications, faults
 * as messages, deletion and suspension in the middle of IPC (docs/ipc.md).
 *
 * Children are threads of the root's address space or of a second one ("other space",
 * a private copy of the root task's image). Each gets one page shared with the root
 * (its IPC buffer, its TLS block and a struct ipc_child for arguments and results) and
 * a stack. Every child shares the root's CSpace, so CPtrs mean the same to both.
 */
#ifndef ROOTTASK_IPC_H
#define ROOTTASK_IPC_H

#include "roottask.h"

#include <bastion/fault.h>
#include <libbastion/ipc.h>
#include <libbastion/ipcbuffer.h>

#define LOW_PRIO 50

/* Arguments and results of a child, in the page it shares with the root. */
struct ipc_child {
    volatile uint64_t started; /* the child is about to make its first call */
    volatile uint64_t done;    /* the child finished what it was started for */
    volatile uint64_t err;     /* the error code of its (last) call */
    volatile uint64_t badge;   /* what its receive returned */
    volatile uint64_t info;
    volatile uint64_t count; /* rounds, or calls made */
    bst_cptr_t tcb, ep, reply, ntfn, cap;
    uint64_t id, length, label, arg;
    /* a passive server's LABEL_SPIN: a longer jump between two counter reads is time
     * it did not run (ipc_passive.c) */
    uint64_t gap;
    volatile uint64_t log[16];                /* what a yielding child saw, a FIFO position, ... */
    volatile uint64_t mr[BST_MSG_MAX_LENGTH]; /* the message words it received */
};

enum space_kind { SAME_SPACE, OTHER_SPACE };

struct ipc_thread {
    bst_cptr_t tcb;
    bst_cptr_t sc;              /* its scheduling context (unlimited) */
    struct ipc_child *c;        /* the root's view of the shared block */
    struct bst_ipc_buffer *buf; /* the root's view of the child's IPC buffer */
    uint64_t child_page;        /* the shared page, as the child sees it */
};

/*
 * A child with an IPC buffer, a TLS block and fault endpoint `fault_ep` (0: none), at
 * `prio`, not started. Its block is zeroed and its TCB recorded (c->tcb).
 */
bst_error_t ipc_thread_new(enum space_kind space, uint64_t prio, bst_cptr_t fault_ep,
                           struct ipc_thread *t);

/* The second address space's VSpace cap (made on first use; 0 if it cannot be). */
bst_cptr_t ipc_other_vspace(void);
/* Make a started child passive: once it waits in Recv (it runs at once when of higher
 * priority than the root), take its scheduling context. */
bst_error_t ipc_thread_make_passive(struct ipc_thread *t);

/* Start it at entry(c) on its own stack. */
bst_error_t ipc_thread_start(struct ipc_thread *t, void (*entry)(struct ipc_child *));

/* A child that ends: it records done and suspends itself. */
_Noreturn void ipc_child_finish(struct ipc_child *c);

/* Fresh endpoint, notification and reply objects. */
bst_error_t ep_new(bst_cptr_t *ep);
bst_error_t ntfn_new(bst_cptr_t *ntfn);
bst_error_t reply_new(bst_cptr_t *reply);

/* Mint a copy of `src` with rights and badge. */
bst_error_t cap_mint(bst_cptr_t src, bst_rights_t rights, uint64_t badge, bst_cptr_t *dst);

/*
 * Receive on `ep` without blocking the root for ever: NB_Recv until a message with a
 * non-zero label arrives (tests never send label 0) or a bounded time has passed
 * (BST_CANCELLED then, a code no receive returns here).
 */
bst_error_t recv_bounded(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                         uint64_t mr[BST_MSG_REGISTERS]);

/* The word MR i of a message pattern: distinct for every (seed, i). */
static inline uint64_t pattern(uint64_t seed, unsigned i)
{
    return (seed << 32) ^ (0x9e3779b97f4a7c15ull * (i + 1));
}

#define IPC_TESTS(X)                                                                               \
    X(test_ipc_root_priority, "ipc.root_priority")                                                 \
    X(test_fastpath_active_bails, "fastpath.active_server_bails_out")                              \
    X(test_fastpath_yield_bails_with_budgets, "fastpath.yield_bails_out_with_budgets")             \
    X(test_fastpath_active_hits, "fastpath.active_server_hits")                                    \
    X(test_fastpath_yield_hits, "fastpath.yield_hits")                                             \
    X(test_ipc_tls_per_thread, "ipc.tls_ipc_buffer_per_thread")                                    \
    X(test_ipc_call_same_len0, "ipc.call_same_space_len0")                                         \
    X(test_ipc_call_same_len1, "ipc.call_same_space_len1")                                         \
    X(test_ipc_call_same_len4, "ipc.call_same_space_len4")                                         \
    X(test_ipc_call_same_len120, "ipc.call_same_space_len120")                                     \
    X(test_ipc_call_same_equal_prio, "ipc.call_same_space_equal_priority")                         \
    X(test_ipc_call_same_low_prio, "ipc.call_same_space_lower_priority")                           \
    X(test_ipc_call_other_len0, "ipc.call_other_space_len0")                                       \
    X(test_ipc_call_other_len1, "ipc.call_other_space_len1")                                       \
    X(test_ipc_call_other_len4, "ipc.call_other_space_len4")                                       \
    X(test_ipc_call_other_len120, "ipc.call_other_space_len120")                                   \
    X(test_ipc_call_other_equal_prio, "ipc.call_other_space_equal_priority")                       \
    X(test_ipc_send_to_waiting_receiver, "ipc.send_to_waiting_receiver")                           \
    X(test_ipc_recv_from_waiting_sender, "ipc.recv_from_waiting_sender")                           \
    X(test_ipc_nb_send_dropped, "ipc.nb_send_without_receiver_dropped")                            \
    X(test_ipc_nb_send_delivered, "ipc.nb_send_to_waiting_receiver")                               \
    X(test_ipc_nb_recv_empty, "ipc.nb_recv_nothing_there")                                         \
    X(test_ipc_no_ipc_buffer_cut, "ipc.no_ipc_buffer_cuts_to_registers")                           \
    X(test_ipc_badges, "ipc.badges")                                                               \
    X(test_ipc_reply_recv, "ipc.reply_recv_server_loop")                                           \
    X(test_ipc_reply_nobody, "ipc.reply_without_caller")                                           \
    X(test_ipc_reply_reuse, "ipc.reply_object_reuse_fails_caller")                                 \
    X(test_ipc_label_signal_rejected, "ipc.label_signal_rejected")                                 \
    X(test_ipc_bad_caps, "ipc.invalid_capabilities")                                               \
    X(test_ipc_rights, "ipc.rights_insufficient")                                                  \
    X(test_ipc_rights_cap_fault, "ipc.rights_capability_fault")                                    \
    X(test_ipc_grant, "ipc.cap_transfer_grant")                                                    \
    X(test_ipc_no_grant, "ipc.cap_transfer_without_grant")                                         \
    X(test_ipc_grant_reply, "ipc.cap_transfer_grant_reply")                                        \
    X(test_ipc_no_grant_reply, "ipc.cap_transfer_without_grant_reply")                             \
    X(test_ntfn_signal_wait, "ntfn.signal_then_wait")                                              \
    X(test_ntfn_poll, "ntfn.poll")                                                                 \
    X(test_ntfn_coalesce, "ntfn.signals_coalesce")                                                 \
    X(test_ntfn_wait_blocks, "ntfn.wait_blocks_until_signal")                                      \
    X(test_ntfn_bound_ends_recv, "ntfn.bound_signal_ends_recv")                                    \
    X(test_ntfn_bound_pending, "ntfn.bound_signal_pending_at_recv")                                \
    X(test_ntfn_bind_errors, "ntfn.bind_unbind")                                                   \
    X(test_fault_page_resume, "fault.page_fault_resume_retries")                                   \
    X(test_fault_ud_resume_regs, "fault.invalid_opcode_resume_regs")                               \
    X(test_fault_divide_stop, "fault.divide_stop")                                                 \
    X(test_fault_unknown_syscall, "fault.unknown_syscall_resume")                                  \
    X(test_fault_capability, "fault.capability_fault")                                             \
    X(test_fault_syscall_at_map_top, "fault.syscall_at_map_top")                                   \
    X(test_delete_endpoint, "delete.endpoint_with_blocked_threads")                                \
    X(test_delete_notification, "delete.notification_with_waiter")                                 \
    X(test_delete_reply_caller, "delete.reply_with_caller")                                        \
    X(test_delete_reply_receiver, "delete.reply_with_receiver")                                    \
    X(test_delete_tcb_queued, "delete.tcb_queued_on_endpoint")                                     \
    X(test_delete_tcb_caller, "delete.tcb_waiting_for_reply")                                      \
    X(test_suspend_send, "suspend.blocked_send_restarts")                                          \
    X(test_suspend_recv, "suspend.blocked_recv_restarts")                                          \
    X(test_suspend_call, "suspend.waiting_reply_cancelled")                                        \
    X(test_fifo_senders, "order.fifo_senders")                                                     \
    X(test_fifo_receivers, "order.fifo_receivers")                                                 \
    X(test_yield_alone, "yield.alone_returns_ok")                                                  \
    X(test_yield_alternates, "yield.equal_priority_alternate")                                     \
    X(test_passive_no_time_of_its_own, "passive.runs_only_on_lent_time")                           \
    X(test_passive_callers_budget, "passive.charged_to_the_callers_budget")                        \
    X(test_passive_timeout_fault, "passive.timeout_fault_stop_cancels_call")                       \
    X(test_passive_timeout_resume, "passive.timeout_fault_resume_continues")                       \
    X(test_passive_chain, "passive.chain_of_two_servers")                                          \
    X(test_passive_bound_signal_waits, "passive.bound_signal_does_not_wake_it")                    \
    X(test_nb_send_recv, "ipc.nb_send_recv")                                                       \
    X(test_spaces_vspace_revoked, "spaces.vspace_revoked_thread_stops")                            \
    X(test_spaces_cspace_revoked, "spaces.cspace_revoked_thread_stops")                            \
    X(test_spaces_vspace_revoked_server, "spaces.vspace_revoked_server_leaves_endpoint")

IPC_TESTS(TEST_DECL)

#endif
