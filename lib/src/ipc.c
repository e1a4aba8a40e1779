/*
 * IPC system calls (libbastion/ipc.h) on the one system-call stub.
 */
#include <libbastion/ipc.h>

static void load_mrs(struct bst_sysregs *r, const uint64_t mr[BST_MSG_REGISTERS])
{
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
        r->mr[i] = mr ? mr[i] : 0;
}

/* Copy what a receive returned to the caller's out-parameters (any may be NULL). */
static bst_error_t received(const struct bst_sysregs *r, uint64_t *badge, bst_msginfo_t *info,
                            uint64_t mr[BST_MSG_REGISTERS])
{
    if (badge)
        *badge = r->rdi;
    if (info)
        *info = r->rsi;
    if (mr) {
        for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
            mr[i] = r->mr[i];
    }
    return (bst_error_t)r->rax;
}

static bst_error_t send_common(bst_syscall_t n, bst_cptr_t dest, bst_msginfo_t info,
                               const uint64_t mr[BST_MSG_REGISTERS])
{
    struct bst_sysregs r = {.rax = n, .rdi = dest, .rsi = info};
    load_mrs(&r, mr);
    bst_arch_syscall(&r);
    return (bst_error_t)r.rax;
}

bst_error_t bst_send(bst_cptr_t dest, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS])
{
    return send_common(BST_SYS_SEND, dest, info, mr);
}

bst_error_t bst_nb_send(bst_cptr_t dest, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS])
{
    return send_common(BST_SYS_NB_SEND, dest, info, mr);
}

bst_error_t bst_reply(bst_cptr_t reply, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS])
{
    return send_common(BST_SYS_SEND, reply, info, mr);
}

static bst_error_t recv_common(bst_syscall_t n, bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge,
                               bst_msginfo_t *info, uint64_t mr[BST_MSG_REGISTERS])
{
    struct bst_sysregs r = {.rax = n, .rdi = ep, .r12 = reply};
    bst_arch_syscall(&r);
    return received(&r, badge, info, mr);
}

bst_error_t bst_recv(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                     uint64_t mr[BST_MSG_REGISTERS])
{
    return recv_common(BST_SYS_RECV, ep, reply, badge, info, mr);
}

bst_error_t bst_nb_recv(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                        uint64_t mr[BST_MSG_REGISTERS])
{
    return recv_common(BST_SYS_NB_RECV, ep, reply, badge, info, mr);
}

bst_error_t bst_reply_recv(bst_cptr_t ep, bst_cptr_t reply, bst_msginfo_t reply_info,
                           uint64_t mr[BST_MSG_REGISTERS], uint64_t *badge, bst_msginfo_t *info)
{
    struct bst_sysregs r = {.rax = BST_SYS_REPLY_RECV, .rdi = ep, .rsi = reply_info, .r12 = reply};
    load_mrs(&r, mr);
    bst_arch_syscall(&r);
    return received(&r, badge, info, mr);
}

bst_error_t bst_nb_send_recv(bst_cptr_t dest, bst_msginfo_t info, bst_cptr_t ep, bst_cptr_t reply,
                             uint64_t mr[BST_MSG_REGISTERS], uint64_t *badge,
                             bst_msginfo_t *out_info)
{
    struct bst_sysregs r = {.rax = BST_SYS_NB_SEND_RECV, .rdi = dest, .rsi = info, .r12 = reply};
    if (mr != NULL) /* else the registers are zero already (a signal and a wait, say) */
        load_mrs(&r, mr);
    bst_arch_syscall_r13(&r, ep);
    return received(&r, badge, out_info, mr);
}

bst_error_t bst_signal(bst_cptr_t ntfn)
{
    return send_common(BST_SYS_SEND, ntfn, 0, NULL);
}

bst_error_t bst_wait(bst_cptr_t ntfn, uint64_t *word)
{
    return recv_common(BST_SYS_RECV, ntfn, 0, word, NULL, NULL);
}

bst_error_t bst_poll(bst_cptr_t ntfn, uint64_t *word)
{
    return recv_common(BST_SYS_NB_RECV, ntfn, 0, word, NULL, NULL);
}
