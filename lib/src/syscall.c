/*
 * Raw system calls built on the assembly stub (libbastion/syscall.h).
 */
#include <libbastion/syscall.h>
#include <libbastion/ipcbuffer.h>
#include <libbastion/string.h>

bst_error_t bst_call(bst_cptr_t dest, bst_msginfo_t info, uint64_t mr[BST_MSG_REGISTERS],
                     bst_msginfo_t *reply_info)
{
    struct bst_sysregs r = {.rax = BST_SYS_CALL, .rdi = dest, .rsi = info};
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
        r.mr[i] = mr[i];
    bst_arch_syscall(&r);
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++)
        mr[i] = r.mr[i];
    if (reply_info)
        *reply_info = r.rsi;
    return (bst_error_t)r.rax;
}

bst_error_t bst_yield(void)
{
    struct bst_sysregs r = {.rax = BST_SYS_YIELD};
    bst_arch_syscall(&r);
    return (bst_error_t)r.rax;
}

void bst_debug_putc(char c)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_PUTC, .rdi = (uint8_t)c};
    bst_arch_syscall(&r);
}

void bst_debug_dump_caps(void)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_DUMP_CAPS};
    bst_arch_syscall(&r);
}

bst_error_t bst_debug_name(bst_cptr_t tcb, const char *name)
{
    struct bst_ipc_buffer *buf = bst_ipc_buffer();
    bst_strlcpy((char *)buf->msg, name, BST_DEBUG_NAME_MAX);
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_NAME, .rdi = tcb};
    bst_arch_syscall(&r);
    return (bst_error_t)r.rax;
}

bst_error_t bst_debug_idle_cycles(struct bst_idle_cycles *out)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_IDLE_CYCLES};
    bst_arch_syscall(&r);
    *out = (struct bst_idle_cycles){.halted = r.rdi, .now = r.rsi, .hz = r.mr[0]};
    return (bst_error_t)r.rax;
}

_Noreturn void bst_debug_exit(int status)
{
    for (;;) {
        struct bst_sysregs r = {.rax = BST_SYS_DEBUG_EXIT, .rdi = (uint64_t)(int64_t)status};
        bst_arch_syscall(&r);
    }
}
