/*
 * Program start in C (libbastion/start.h): crt0 calls __bst_start() with the kernel's
 * start registers. It gives the root thread its TLS block (libbastion/tls.h), so that
 * bst_ipc_buffer() works, then runs main() and exits with its result.
 */
#include <libbastion/start.h>
#include <libbastion/syscall.h>
#include <libbastion/tls.h>

_Noreturn void __bst_start(const struct bst_bootinfo *bi, struct bst_ipc_buffer *ipc_buffer);

static struct bst_tls root_tls;

_Noreturn void __bst_start(const struct bst_bootinfo *bi, struct bst_ipc_buffer *ipc_buffer)
{
    uint64_t fs_base = bst_tls_init(&root_tls, ipc_buffer);
    /* Without an IPC buffer the 21-word write cannot be sent: FS base stays 0. */
    if (ipc_buffer != NULL)
        bst_tls_set_own_fs_base(BST_SLOT_ROOT_TCB, fs_base, ipc_buffer);
    bst_debug_exit(main(bi));
}
