/*
 * IPC system calls (docs/ipc.md): endpoints, reply objects and notifications.
 *
 * A message is a message info word (label, length, extra caps: bastion/msginfo.h), the
 * message registers and, on receive, a badge. MR0..MR3 travel in CPU registers and are
 * passed here in `mr` arrays of BST_MSG_REGISTERS words; MR4 and up live in the calling
 * thread's IPC buffer (libbastion/ipcbuffer.h): write them there before sending, read
 * them there after receiving. An `mr` argument may be NULL where the message has no
 * register words to send (zeros are sent) or the caller does not want them.
 *
 * A Call on an endpoint is bst_call() (libbastion/syscall.h): it sends, then waits for
 * the reply, whose register MRs come back in `mr`.
 *
 * Every function returns the kernel's error code (rax). With a fault endpoint, an IPC
 * call whose capability is missing, of the wrong type or lacks a right does not return
 * an error: the thread takes a capability fault (docs/ipc.md).
 */
#ifndef LIBBASTION_IPC_H
#define LIBBASTION_IPC_H

#include <libbastion/syscall.h>
#include <bastion/fault.h>

/* Send on an endpoint, waiting for a receiver; SEND on a reply cap is a Reply and on a
 * notification cap a Signal. */
bst_error_t bst_send(bst_cptr_t dest, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS]);

/* As bst_send, but a message no receiver is waiting for is dropped. */
bst_error_t bst_nb_send(bst_cptr_t dest, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS]);

/*
 * Receive on endpoint `ep` with reply object `reply` (a Call received fills it), waiting
 * for a sender. The sender's badge goes to *badge, its message info to *info and MR0..3
 * to mr (each may be NULL). A signal of the thread's bound notification ends the wait
 * too: label BST_LABEL_SIGNAL, length 0, *badge the notification word.
 */
bst_error_t bst_recv(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                     uint64_t mr[BST_MSG_REGISTERS]);

/* As bst_recv without waiting: an empty message (length 0, badge 0) when no sender waits. */
bst_error_t bst_nb_recv(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                        uint64_t mr[BST_MSG_REGISTERS]);

/* Reply through `reply` (SEND on the reply cap); a reply nobody waits for goes nowhere. */
bst_error_t bst_reply(bst_cptr_t reply, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS]);

/*
 * Reply with `reply_info` and mr (in) through `reply`, then receive on `ep` with the same
 * reply object: the next message's badge, info and MR0..3 (mr, out) come back as for
 * bst_recv.
 */
bst_error_t bst_reply_recv(bst_cptr_t ep, bst_cptr_t reply, bst_msginfo_t reply_info,
                           uint64_t mr[BST_MSG_REGISTERS], uint64_t *badge, bst_msginfo_t *info);

/* Signal: OR the notification cap's badge into the notification's word. */
/* NB_SEND_RECV: send `info` (MRs from mr) to `dest` without blocking (dropped when no
 * receiver waits; a notification is signalled), then wait in Recv on `ep` with `reply`,
 * as one system call: the caller is already waiting when anyone sees the message. */
bst_error_t bst_nb_send_recv(bst_cptr_t dest, bst_msginfo_t info, bst_cptr_t ep, bst_cptr_t reply,
                             uint64_t mr[BST_MSG_REGISTERS], uint64_t *badge,
                             bst_msginfo_t *out_info);

bst_error_t bst_signal(bst_cptr_t ntfn);

/* Wait: block until the notification's word is non-zero, return it in *word, clear it. */
bst_error_t bst_wait(bst_cptr_t ntfn, uint64_t *word);

/* Poll: the word (0 if nothing) without blocking, cleared. */
bst_error_t bst_poll(bst_cptr_t ntfn, uint64_t *word);

#endif
