/*
 * The calling thread's IPC buffer, where message registers MR4 and up live.
 *
 * Each thread has its own: the address is the second word of the thread's TLS block
 * (libbastion/tls.h), read through the FS segment. crt0 records the root thread's
 * buffer (the kernel passes its address at start); a program that starts a thread
 * gives it a TLS block whose ipc_buffer is the buffer it configured for the thread
 * (or NULL), or the thread calls bst_set_ipc_buffer() itself. A thread with no TLS
 * block (FS base 0) must not call these.
 */
#ifndef LIBBASTION_IPCBUFFER_H
#define LIBBASTION_IPCBUFFER_H

#include <bastion/ipcbuffer.h>
#include <libbastion/tls.h>

/* The calling thread's IPC buffer; NULL when it has none. */
static inline struct bst_ipc_buffer *bst_ipc_buffer(void)
{
    struct bst_ipc_buffer *b;
    __asm__ volatile("movq %%fs:%c1, %0" : "=r"(b) : "i"(BST_TLS_IPC_BUFFER_OFFSET) : "memory");
    return b;
}

static inline void bst_set_ipc_buffer(struct bst_ipc_buffer *buffer)
{
    __asm__ volatile("movq %0, %%fs:%c1"
                     :
                     : "r"(buffer), "i"(BST_TLS_IPC_BUFFER_OFFSET)
                     : "memory");
}

#endif
