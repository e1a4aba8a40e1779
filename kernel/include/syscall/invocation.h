/*
 * A kernel-object invocation being decoded: the caller, the invoked cap, and the
 * message (label and arguments, read from the registers and the IPC buffer), plus how
 * results go back. Every object's invoke function takes one of these; it must decode
 * and check everything before changing anything (STYLE.md: decode, then perform).
 */
#ifndef BASTION_SYSCALL_INVOCATION_H
#define BASTION_SYSCALL_INVOCATION_H

#include <bastion/invocation.h>
#include <bastion/msginfo.h>
#include <object/cspace.h>
#include <thread/tcb.h>

#define INVOCATION_MAX_ARGS 33 /* the most any invocation takes (DOMAIN_SCHEDULE: 1 + 2 x 16) */

struct invocation {
    struct tcb *caller;
    struct cte *slot; /* the invoked capability */
    uint64_t cptr;    /* its address in the caller's CSpace */
    bst_invocation_t label;
    unsigned length; /* message words the caller sent */
    uint64_t args[INVOCATION_MAX_ARGS];
    unsigned reply_length; /* results set with invocation_reply() */
};

/* Argument i, or fails the decode with TRUNCATED_MESSAGE when the message is shorter:
 * use as `if (inv->length < n) return BST_TRUNCATED_MESSAGE;` first. */
static inline uint64_t invocation_arg(const struct invocation *inv, unsigned i)
{
    return inv->args[i];
}

/* Result word i (MR i of the reply). */
void invocation_reply(struct invocation *inv, unsigned i, uint64_t value);

/* Resolve a cap argument (a CPtr) in the caller's CSpace. */
struct lookup_result invocation_lookup_cap(const struct invocation *inv, uint64_t cptr);
/* The same for a cap that must be of type `want`: its slot in *out. Errors: lookup
 * errors, INVALID_CAPABILITY (another type). */
bst_error_t invocation_typed_cap(const struct invocation *inv, uint64_t cptr, bst_objtype_t want,
                                 struct cte **out);

/* The empty slot an issuing invocation puts its new cap in: argument cnode_arg names a
 * CNode cap in the caller's CSpace, argument cnode_arg + 1 the slot index in it. Errors:
 * lookup errors, INVALID_CAPABILITY, RANGE_ERROR, SLOT_OCCUPIED. */
bst_error_t invocation_dest_slot(struct invocation *inv, unsigned cnode_arg, struct cte **out);

/* I/O port caps (x86: kernel/arch/x86_64/ioport.c). */
bst_error_t arch_ioport_control_invoke(struct invocation *inv);
bst_error_t arch_ioport_invoke(struct invocation *inv);

/* The caller's CSpace root cap (for slot_refs). */
const struct cap *invocation_cspace_root(const struct invocation *inv);

#endif
