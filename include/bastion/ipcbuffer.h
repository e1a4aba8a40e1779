/*
 * The IPC buffer: one per thread, in its own address space, where message registers
 * beyond the first BST_MSG_REGISTERS (which travel in CPU registers) and capability
 * transfer details live. See docs/syscalls.md.
 */
#ifndef BASTION_ABI_IPCBUFFER_H
#define BASTION_ABI_IPCBUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "msginfo.h"

#define BST_MSG_REGISTERS    4    /* MR0..MR3 travel in CPU registers */
#define BST_IPC_BUFFER_ALIGN 1024 /* an IPC buffer's address must be aligned to this */
#define BST_DEBUG_NAME_MAX   32   /* thread names, including the NUL */

struct bst_ipc_buffer {
    uint64_t msg[BST_MSG_MAX_LENGTH];      /* msg[i] holds MRi for i >= BST_MSG_REGISTERS */
    uint64_t user_data;                    /* free for the thread's own use */
    uint64_t caps[BST_MSG_MAX_EXTRA_CAPS]; /* send: CPtrs of extra caps; receive: badges */
    uint64_t receive_cnode;                /* where a received capability goes */
    uint64_t receive_index;
    uint64_t receive_depth;
};

_Static_assert(sizeof(struct bst_ipc_buffer) <= BST_IPC_BUFFER_ALIGN,
               "an IPC buffer fits in its alignment");
_Static_assert(offsetof(struct bst_ipc_buffer, user_data) == BST_MSG_MAX_LENGTH * 8,
               "IPC buffer layout");
_Static_assert(offsetof(struct bst_ipc_buffer, receive_cnode) == (BST_MSG_MAX_LENGTH + 4) * 8,
               "IPC buffer layout");

#endif
