/*
 * Invocation labels: the operation a message to a kernel object asks for.
 *
 * The label is the message info word's label field (msginfo.h) when the destination
 * capability names a kernel object rather than an endpoint. One table generates the
 * enum and the names; values are ABI and never change. Labels are planned for the whole
 * kernel; an object rejects a label that is not its own with BST_ILLEGAL_OPERATION.
 *
 * Arguments (message registers, in order) are documented in docs/abi.md.
 */
#ifndef BASTION_ABI_INVOCATION_H
#define BASTION_ABI_INVOCATION_H

/* X(NAME, value) */
#define BST_INVOCATION_TABLE(X)                                                                    \
    X(INVALID, 0)                                                                                  \
    X(UNTYPED_RETYPE, 1)                                                                           \
    X(CNODE_COPY, 2)                                                                               \
    X(CNODE_MINT, 3)                                                                               \
    X(CNODE_MOVE, 4)                                                                               \
    X(CNODE_MUTATE, 5)                                                                             \
    X(CNODE_DELETE, 6)                                                                             \
    X(CNODE_REVOKE, 7)                                                                             \
    X(CNODE_ROTATE, 8)                                                                             \
    X(TCB_CONFIGURE, 9)                                                                            \
    X(TCB_SET_PRIORITY, 10)                                                                        \
    X(TCB_SET_SCHED_PARAMS, 11)                                                                    \
    X(TCB_SET_SPACE, 12)                                                                           \
    X(TCB_SET_IPC_BUFFER, 13)                                                                      \
    X(TCB_SET_FAULT_ENDPOINT, 14)                                                                  \
    X(TCB_READ_REGISTERS, 15)                                                                      \
    X(TCB_WRITE_REGISTERS, 16)                                                                     \
    X(TCB_COPY_REGISTERS, 17)                                                                      \
    X(TCB_RESUME, 18)                                                                              \
    X(TCB_SUSPEND, 19)                                                                             \
    X(TCB_BIND_NOTIFICATION, 20)                                                                   \
    X(TCB_UNBIND_NOTIFICATION, 21)                                                                 \
    X(SCHED_CONTROL_CONFIGURE, 22)                                                                 \
    X(SCHED_CONTEXT_BIND, 23)                                                                      \
    X(SCHED_CONTEXT_UNBIND, 24)                                                                    \
    X(SCHED_CONTEXT_CONSUMED, 25)                                                                  \
    X(FRAME_MAP, 26)                                                                               \
    X(FRAME_UNMAP, 27)                                                                             \
    X(FRAME_GET_ADDRESS, 28)                                                                       \
    X(PAGE_TABLE_MAP, 29)                                                                          \
    X(PAGE_TABLE_UNMAP, 30)                                                                        \
    X(IRQ_CONTROL_GET, 31)                                                                         \
    X(IRQ_CONTROL_GET_MSI, 32)                                                                     \
    X(IRQ_CONTROL_GET_IOAPIC, 33)                                                                  \
    X(IRQ_HANDLER_ACK, 34)                                                                         \
    X(IRQ_HANDLER_SET_NOTIFICATION, 35)                                                            \
    X(IRQ_HANDLER_CLEAR, 36)                                                                       \
    X(IOPORT_CONTROL_ISSUE, 37)                                                                    \
    X(IOPORT_IN8, 38)                                                                              \
    X(IOPORT_IN16, 39)                                                                             \
    X(IOPORT_IN32, 40)                                                                             \
    X(IOPORT_OUT8, 41)                                                                             \
    X(IOPORT_OUT16, 42)                                                                            \
    X(IOPORT_OUT32, 43)                                                                            \
    X(DOMAIN_SET, 44)                                                                              \
    X(IOPORT_GRANT, 45)                                                                            \
    X(IOPORT_UNGRANT, 46)                                                                          \
    X(TCB_SET_TIMEOUT_ENDPOINT, 47)                                                                \
    X(DOMAIN_SCHEDULE, 48)                                                                         \
    X(IOMMU_SETUP, 49)                                                                             \
    X(IOSPACE_ASSIGN, 50)                                                                          \
    X(IOSPACE_SET_NOTIFICATION, 51)                                                                \
    X(IOSPACE_READ_FAULT, 52)                                                                      \
    X(IOPT_MAP, 53)                                                                                \
    X(IOPT_UNMAP, 54)                                                                              \
    X(FRAME_IO_MAP, 55)                                                                            \
    X(VCPU_BIND, 56)                                                                               \
    X(VCPU_RUN, 57)                                                                                \
    X(VCPU_READ_REGS, 58)                                                                          \
    X(VCPU_WRITE_REGS, 59)                                                                         \
    X(VCPU_INJECT, 60)                                                                             \
    X(GPT_MAP, 61)                                                                                 \
    X(GPT_UNMAP, 62)                                                                               \
    X(FRAME_GUEST_MAP, 63)                                                                         \
    X(KERNEL_IMAGE_ADD_FRAME, 64)                                                                  \
    X(DOMAIN_SET_IMAGE, 65)                                                                        \
    X(DOMAIN_IMAGE_PAGE, 66)                                                                       \
    X(DOMAIN_OBJECT_ADDRESS, 67)

typedef enum bst_invocation {
#define BST_INVOCATION_ENUM_ENTRY(name, value) BST_INV_##name = value,
    BST_INVOCATION_TABLE(BST_INVOCATION_ENUM_ENTRY)
#undef BST_INVOCATION_ENUM_ENTRY
} bst_invocation_t;

#define BST_INVOCATION_COUNT 68

/* The label's name without the BST_INV_ prefix; "?" for a value that is not a label. */
static inline const char *bst_invocation_name(bst_invocation_t inv)
{
    switch (inv) {
#define BST_INVOCATION_NAME_CASE(name, value)                                                      \
    case BST_INV_##name:                                                                           \
        return #name;
        BST_INVOCATION_TABLE(BST_INVOCATION_NAME_CASE)
#undef BST_INVOCATION_NAME_CASE
    }
    return "?";
}

#define BST_INVOCATION_COUNT_ENTRY(name, value) +1
_Static_assert(0 BST_INVOCATION_TABLE(BST_INVOCATION_COUNT_ENTRY) == BST_INVOCATION_COUNT,
               "BST_INVOCATION_COUNT must match the table");
#undef BST_INVOCATION_COUNT_ENTRY
_Static_assert(BST_INV_DOMAIN_OBJECT_ADDRESS == BST_INVOCATION_COUNT - 1, "labels must be dense");

#endif
