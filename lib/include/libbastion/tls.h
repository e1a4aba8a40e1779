/*
 * Per-thread data: each thread's FS base points to its own small block, so that every
 * thread finds its own IPC buffer (and later other thread-local state) with one load.
 *
 * The block's first word points to the block itself (the x86_64 TLS convention: code
 * can learn the block's address with `mov %fs:0`), the second is the thread's IPC
 * buffer. crt0 gives the root thread one; a program that starts a thread fills a block
 * with bst_tls_init() and writes its address as the thread's fs_base (register 18 of
 * TCB_WRITE_REGISTERS) before the thread runs. A thread whose FS base is 0 has no block
 * and must not use the IPC buffer (bst_ipc_buffer() would fault).
 */
#ifndef LIBBASTION_TLS_H
#define LIBBASTION_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/ipcbuffer.h>

struct bst_tls {
    struct bst_tls *self;              /* %fs:0 */
    struct bst_ipc_buffer *ipc_buffer; /* %fs:8 */
};

#define BST_TLS_SELF_OFFSET       0
#define BST_TLS_IPC_BUFFER_OFFSET 8
_Static_assert(offsetof(struct bst_tls, self) == BST_TLS_SELF_OFFSET, "TLS layout");
_Static_assert(offsetof(struct bst_tls, ipc_buffer) == BST_TLS_IPC_BUFFER_OFFSET, "TLS layout");

/* Fill a thread's block; its address is what the thread's fs_base must be. */
static inline uint64_t bst_tls_init(struct bst_tls *tls, struct bst_ipc_buffer *ipc_buffer)
{
    tls->self = tls;
    tls->ipc_buffer = ipc_buffer;
    return (uint64_t)(uintptr_t)tls;
}

/* The calling thread's block. */
static inline struct bst_tls *bst_tls_self(void)
{
    struct bst_tls *t;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(t));
    return t;
}

/*
 * Set the calling thread's own FS base to `fs_base` (TCB_WRITE_REGISTERS on its own TCB
 * cap `self_tcb`, which needs the caller's IPC buffer `buf`). Used by crt0 for the root
 * thread. Returns the kernel's error code; on error the FS base is unchanged.
 */
uint64_t bst_tls_set_own_fs_base(uint64_t self_tcb, uint64_t fs_base, struct bst_ipc_buffer *buf);

#endif
