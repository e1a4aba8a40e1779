/*
 * Invoking a kernel object: a Call on its capability whose label is a BST_INV_*
 * operation and whose MRs are the operation's arguments (docs/syscalls.md).
 *
 * The per-object wrappers (tcb.h, vspace.h, untyped.h, cnode.h) are built on
 * bst_invoke(); tests use it directly to send malformed messages (a short length, an
 * unknown label) that the typed wrappers cannot express.
 */
#ifndef LIBBASTION_INVOKE_H
#define LIBBASTION_INVOKE_H

#include <libbastion/syscall.h>
#include <bastion/invocation.h>

/*
 * Invoke `obj` with operation `label` and the `nargs` words of `args` as MR0..; copy the
 * first `nresults` MRs of the reply to `results` (which may be NULL when nresults is 0).
 * Words past MR3 go through the IPC buffer. nargs and nresults are at most
 * BST_MSG_MAX_LENGTH (larger values are programmer errors and are cut to it).
 */
bst_error_t bst_invoke(bst_cptr_t obj, bst_invocation_t label, const uint64_t *args, unsigned nargs,
                       uint64_t *results, unsigned nresults);

#endif
