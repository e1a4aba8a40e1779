/*
 * Names of fault types (libbastion/pd.h), for reports by PDs and init alike.
 */
#include <libbastion/pd.h>

const char *bst_fault_name(uint64_t label)
{
    switch (label) {
    case BST_FAULT_PAGE:
        return "page fault";
    case BST_FAULT_PROTECTION:
        return "protection fault";
    case BST_FAULT_UNDEFINED_INSTRUCTION:
        return "invalid instruction";
    case BST_FAULT_DIVIDE:
        return "divide error";
    case BST_FAULT_UNKNOWN_SYSCALL:
        return "unknown system call";
    case BST_FAULT_BAD_INSTRUCTION_POINTER:
        return "invalid instruction pointer";
    case BST_FAULT_OTHER_EXCEPTION:
        return "exception";
    case BST_FAULT_CAPABILITY:
        return "capability fault";
    case BST_FAULT_TIMEOUT:
        return "timeout";
    case BST_FAULT_DMA:
        return "DMA fault";
    default:
        return "unknown fault";
    }
}
