/*
 * The closed list of error codes every kernel operation can return.
 *
 * One table (BST_ERROR_TABLE) generates the enum and the name function, so the kernel,
 * libbastion and the host tool agree by construction. Codes are ABI: they travel in a
 * message register, so values never change once released; new codes are appended.
 * Each kernel operation documents the subset it can return.
 */
#ifndef BASTION_ABI_ERRORS_H
#define BASTION_ABI_ERRORS_H

/* X(NAME, value, description) */
#define BST_ERROR_TABLE(X)                                                                         \
    X(OK, 0, "success")                                                                            \
    X(INVALID_ARGUMENT, 1, "an argument is outside its documented domain")                         \
    X(INVALID_CAPABILITY, 2, "a capability is empty or of the wrong type for the operation")       \
    X(ILLEGAL_OPERATION, 3, "the operation is not allowed on this capability")                     \
    X(RANGE_ERROR, 4, "a count, size, depth or index is out of range")                             \
    X(ALIGNMENT_ERROR, 5, "an address or size is not suitably aligned")                            \
    X(FAILED_LOOKUP, 6, "a capability address does not resolve to a slot")                         \
    X(SLOT_OCCUPIED, 7, "the destination slot is not empty (delete it first)")                     \
    X(REVOKE_FIRST, 8, "the capability has derived children (revoke it first)")                    \
    X(NOT_ENOUGH_MEMORY, 9, "the untyped memory has no room for the objects")                      \
    X(INSUFFICIENT_RIGHTS, 10, "the capability lacks a right the operation needs")                 \
    X(TRUNCATED_MESSAGE, 11, "the message is shorter than the operation's arguments")              \
    X(OBJECT_DELETED, 12, "the object was deleted while the caller waited on it")                  \
    X(PREEMPTED, 13, "kernel-internal: preempted, the kernel restarts the call")                   \
    X(CANCELLED, 14, "the thread was suspended while it waited for a reply")

typedef enum bst_error {
#define BST_ERROR_ENUM_ENTRY(name, value, text) BST_##name = value,
    BST_ERROR_TABLE(BST_ERROR_ENUM_ENTRY)
#undef BST_ERROR_ENUM_ENTRY
} bst_error_t;

/* Number of codes; every value below it is a valid code. */
#define BST_ERROR_COUNT 15

/* The code's name without the BST_ prefix ("FAILED_LOOKUP"); "?" for a non-code. */
static inline const char *bst_error_name(bst_error_t e)
{
    switch (e) {
#define BST_ERROR_NAME_CASE(name, value, text)                                                     \
    case BST_##name:                                                                               \
        return #name;
        BST_ERROR_TABLE(BST_ERROR_NAME_CASE)
#undef BST_ERROR_NAME_CASE
    }
    return "?";
}

/* A one-line human description of the code. */
static inline const char *bst_error_text(bst_error_t e)
{
    switch (e) {
#define BST_ERROR_TEXT_CASE(name, value, text)                                                     \
    case BST_##name:                                                                               \
        return text;
        BST_ERROR_TABLE(BST_ERROR_TEXT_CASE)
#undef BST_ERROR_TEXT_CASE
    }
    return "unknown error";
}

#define BST_ERROR_COUNT_ENTRY(name, value, text) +1
_Static_assert(0 BST_ERROR_TABLE(BST_ERROR_COUNT_ENTRY) == BST_ERROR_COUNT,
               "BST_ERROR_COUNT must match the table");
#undef BST_ERROR_COUNT_ENTRY
_Static_assert(BST_CANCELLED == BST_ERROR_COUNT - 1, "error codes must be dense");

#endif
