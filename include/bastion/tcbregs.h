/*
 * A thread's user registers as TCB_READ_REGISTERS and TCB_WRITE_REGISTERS order them
 * (x86_64). The order is ABI; see docs/syscalls.md.
 */
#ifndef BASTION_ABI_TCBREGS_H
#define BASTION_ABI_TCBREGS_H

#include <stddef.h>
#include <stdint.h>

/* X(name, index) */
#define BST_TCB_REGS_TABLE(X)                                                                      \
    X(rip, 0)                                                                                      \
    X(rsp, 1)                                                                                      \
    X(rflags, 2)                                                                                   \
    X(rax, 3)                                                                                      \
    X(rbx, 4)                                                                                      \
    X(rcx, 5)                                                                                      \
    X(rdx, 6)                                                                                      \
    X(rsi, 7)                                                                                      \
    X(rdi, 8)                                                                                      \
    X(rbp, 9)                                                                                      \
    X(r8, 10)                                                                                      \
    X(r9, 11)                                                                                      \
    X(r10, 12)                                                                                     \
    X(r11, 13)                                                                                     \
    X(r12, 14)                                                                                     \
    X(r13, 15)                                                                                     \
    X(r14, 16)                                                                                     \
    X(r15, 17)                                                                                     \
    X(fs_base, 18)                                                                                 \
    X(gs_base, 19)

#define BST_TCB_REGISTER_COUNT 20

struct bst_tcb_regs {
#define BST_TCB_REGS_FIELD(name, index) uint64_t name;
    BST_TCB_REGS_TABLE(BST_TCB_REGS_FIELD)
#undef BST_TCB_REGS_FIELD
};

#define BST_TCB_REGS_OFFSET_CHECK(name, index)                                                     \
    _Static_assert(offsetof(struct bst_tcb_regs, name) == (index)*8, "register order is ABI");
BST_TCB_REGS_TABLE(BST_TCB_REGS_OFFSET_CHECK)
#undef BST_TCB_REGS_OFFSET_CHECK
_Static_assert(sizeof(struct bst_tcb_regs) == BST_TCB_REGISTER_COUNT * 8, "register count");

/* TCB_WRITE_REGISTERS flags (MR0). */
#define BST_TCB_WRITE_RESUME 0x1u

#endif
