/*
 * The calling thread's IPC buffer, where message registers MR4 and up live.
 *
 * crt0 records the root thread's buffer (the kernel passes its address at start).
 * A thread that the program starts itself calls bst_set_ipc_buffer() first if it makes
 * calls with more than four MRs. The address is kept per address space, not per thread:
 * until the library has thread-local storage, only one thread of an address space may
 * make long calls (the others keep to the four register MRs).
 */
#ifndef LIBBASTION_IPCBUFFER_H
#define LIBBASTION_IPCBUFFER_H

#include <bastion/ipcbuffer.h>

/* Set by crt0 from the kernel's start registers; NULL when the thread has none. */
extern struct bst_ipc_buffer *__bst_ipc_buffer;

static inline struct bst_ipc_buffer *bst_ipc_buffer(void)
{
    return __bst_ipc_buffer;
}

static inline void bst_set_ipc_buffer(struct bst_ipc_buffer *buffer)
{
    __bst_ipc_buffer = buffer;
}

#endif
