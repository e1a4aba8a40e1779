/*
 * Message transfer between two threads (kernel/ipc/transfer.c).
 */
#ifndef BASTION_IPC_TRANSFER_H
#define BASTION_IPC_TRANSFER_H

#include <thread/tcb.h>

/* Deliver s's message (its registers and IPC buffer, or its pending fault message) to
 * r: r's registers get the result (BST_OK, badge, message info) and the words. With
 * can_grant, the first extra cap the message names is copied to r's receive slot. */
void ipc_transfer(struct tcb *s, struct tcb *r, uint64_t badge, bool can_grant);

#endif
