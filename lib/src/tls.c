/*
 * Per-thread blocks (libbastion/tls.h): setting the calling thread's own FS base.
 */
#include <libbastion/syscall.h>
#include <libbastion/tls.h>
#include <bastion/invocation.h>
#include <bastion/tcbregs.h>

/* lib/arch/x86_64/tls.S: writes registers rip .. fs_base of the caller as they are. */
uint64_t bst_arch_write_own_fs_base(uint64_t tcb, uint64_t info, uint64_t fs_base,
                                    struct bst_ipc_buffer *buf, uint64_t sysno);

_Static_assert(offsetof(struct bst_tcb_regs, fs_base) == 18 * 8,
               "tls.S writes 19 registers, the last one fs_base");

uint64_t bst_tls_set_own_fs_base(uint64_t self_tcb, uint64_t fs_base, struct bst_ipc_buffer *buf)
{
    bst_msginfo_t info = bst_msginfo_make(BST_INV_TCB_WRITE_REGISTERS, 2 + 19, 0, 0);
    return bst_arch_write_own_fs_base(self_tcb, info, fs_base, buf, BST_SYS_CALL);
}
