/*
 * Fault messages: what a thread's fault endpoint receives when the thread faults, and
 * how the handler's reply tells the kernel what to do with it. See docs/ipc.md.
 *
 * The message's label is the fault type; its words:
 *   MR0 instruction pointer, MR1 fault address (page faults; else 0),
 *   MR2 architecture code (x86_64: the vector << 32 | the error code; for
 *   UNKNOWN_SYSCALL the system call number), MR3 stack pointer.
 * The badge is the fault endpoint cap's badge, so one handler can tell threads apart.
 *
 * TIMEOUT goes to the thread's timeout endpoint instead (TCB_SET_TIMEOUT_ENDPOINT), when
 * the scheduling context it runs on (its own, or its caller's when it is a passive
 * server) runs out of budget; MR1 and MR2 are 0. RESUME continues the thread when the
 * context's budget comes back; STOP suspends it (a caller that lent it the context gets
 * CANCELLED, and its context back).
 *
 * DMA is not the kernel's: init sends it (a Send: nothing waits for the reply) to the
 * fault handler of a PD whose device's DMA the IOMMU blocked (docs/drivers.md); the PD's
 * thread runs on. MR0 0, MR1 the I/O address, MR2 the requester id (bus << 8 | dev << 3
 * | fn) << 32 | the reason (bits 0-7 the unit's code, BST_IO_FAULT_WRITE: a write),
 * MR3 the number of DMA faults of the PD's I/O space so far.
 *
 * The reply's label says what happens next:
 *   RESUME        continue the thread (a page fault retries the instruction; an
 *                 unknown system call continues after it)
 *   RESUME_REGS   set the first `length` registers (bastion/tcbregs.h order) from the
 *                 reply's words, then continue
 *   STOP          leave the thread suspended
 */
#ifndef BASTION_ABI_FAULT_H
#define BASTION_ABI_FAULT_H

/* X(NAME, value) */
#define BST_FAULT_TABLE(X)                                                                         \
    X(PAGE, 1)                                                                                     \
    X(PROTECTION, 2)                                                                               \
    X(UNDEFINED_INSTRUCTION, 3)                                                                    \
    X(DIVIDE, 4)                                                                                   \
    X(UNKNOWN_SYSCALL, 5)                                                                          \
    X(BAD_INSTRUCTION_POINTER, 6)                                                                  \
    X(OTHER_EXCEPTION, 7)                                                                          \
    X(CAPABILITY, 8)                                                                               \
    X(TIMEOUT, 9)                                                                                  \
    X(DMA, 10)

typedef enum bst_fault {
#define BST_FAULT_ENUM_ENTRY(name, value) BST_FAULT_##name = value,
    BST_FAULT_TABLE(BST_FAULT_ENUM_ENTRY)
#undef BST_FAULT_ENUM_ENTRY
} bst_fault_t;

#define BST_FAULT_MSG_LENGTH 4

enum bst_fault_reply {
    BST_FAULT_REPLY_RESUME = 0,
    BST_FAULT_REPLY_RESUME_REGS = 1,
    BST_FAULT_REPLY_STOP = 2,
};

/* The label that marks a notification delivered to a thread blocked in Recv on an
 * endpoint (its bound notification was signalled): the badge register holds the
 * notification word. Messages may not use it (INVALID_ARGUMENT). */
#define BST_LABEL_SIGNAL 0xfffffffffffffull

#endif
