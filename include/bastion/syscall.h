/*
 * System call numbers (planned for the whole kernel; IPC implements them).
 *
 * Every system call names a capability (in a register) and carries a message info
 * word (msginfo.h). Invoking a kernel object is a Call on its capability.
 */
#ifndef BASTION_ABI_SYSCALL_H
#define BASTION_ABI_SYSCALL_H

/* X(NAME, value) */
#define BST_SYSCALL_TABLE(X)                                                                       \
    X(CALL, 1)                                                                                     \
    X(SEND, 2)                                                                                     \
    X(NB_SEND, 3)                                                                                  \
    X(RECV, 4)                                                                                     \
    X(NB_RECV, 5)                                                                                  \
    X(REPLY_RECV, 6)                                                                               \
    X(NB_SEND_RECV, 7)                                                                             \
    X(YIELD, 8)                                                                                    \
    X(DEBUG_PUTC, 9)                                                                               \
    X(DEBUG_DUMP_CAPS, 10)                                                                         \
    X(DEBUG_NAME, 11)                                                                              \
    X(DEBUG_EXIT, 12)                                                                              \
    X(DEBUG_FLOOR_BEGIN, 13)                                                                       \
    X(DEBUG_FLOOR_END, 14)                                                                         \
    X(DEBUG_IRQ_STAMP, 15)                                                                         \
    X(DEBUG_ISOLATION, 16)                                                                         \
    X(DEBUG_CHECK_STATE, 17)                                                                       \
    X(DEBUG_IDLE_CYCLES, 18)                                                                       \
    X(DEBUG_FASTPATH_COUNT, 19)                                                                    \
    X(DEBUG_COVERAGE, 20)

#ifdef __ASSEMBLY__
/* Assembly gets the same numbers from the same table, as symbols. */
#define BST_SYSCALL_ASM_EQU(name, value) .equ BST_SYS_##name, value;
BST_SYSCALL_TABLE(BST_SYSCALL_ASM_EQU)
#undef BST_SYSCALL_ASM_EQU
#else

typedef enum bst_syscall {
#define BST_SYSCALL_ENUM_ENTRY(name, value) BST_SYS_##name = value,
    BST_SYSCALL_TABLE(BST_SYSCALL_ENUM_ENTRY)
#undef BST_SYSCALL_ENUM_ENTRY
} bst_syscall_t;

#define BST_SYSCALL_COUNT 20 /* valid numbers are 1 .. BST_SYSCALL_COUNT */

/* The call's name without the BST_SYS_ prefix; "?" for a value that is not a call. */
static inline const char *bst_syscall_name(bst_syscall_t s)
{
    switch (s) {
#define BST_SYSCALL_NAME_CASE(name, value)                                                         \
    case BST_SYS_##name:                                                                           \
        return #name;
        BST_SYSCALL_TABLE(BST_SYSCALL_NAME_CASE)
#undef BST_SYSCALL_NAME_CASE
    }
    return "?";
}

#define BST_SYSCALL_COUNT_ENTRY(name, value) +1
_Static_assert(0 BST_SYSCALL_TABLE(BST_SYSCALL_COUNT_ENTRY) == BST_SYSCALL_COUNT,
               "BST_SYSCALL_COUNT must match the table");
#undef BST_SYSCALL_COUNT_ENTRY

#endif /* __ASSEMBLY__ */

#endif
