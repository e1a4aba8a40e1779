/*
 * Kernel-object invocation: arguments to MRs (registers, then the IPC buffer), one
 * Call, results back from the reply's MRs.
 */
#include <libbastion/invoke.h>
#include <libbastion/ipcbuffer.h>

bst_error_t bst_invoke(bst_cptr_t obj, bst_invocation_t label, const uint64_t *args, unsigned nargs,
                       uint64_t *results, unsigned nresults)
{
    if (nargs > BST_MSG_MAX_LENGTH)
        nargs = BST_MSG_MAX_LENGTH;
    if (nresults > BST_MSG_MAX_LENGTH)
        nresults = BST_MSG_MAX_LENGTH;

    uint64_t mr[BST_MSG_REGISTERS] = {0};
    for (unsigned i = 0; i < nargs; i++) {
        if (i < BST_MSG_REGISTERS)
            mr[i] = args[i];
        else
            bst_ipc_buffer()->msg[i] = args[i];
    }
    bst_error_t e = bst_call(obj, bst_msginfo_make((uint64_t)label, nargs, 0, 0), mr, NULL);
    for (unsigned i = 0; i < nresults; i++)
        results[i] = i < BST_MSG_REGISTERS ? mr[i] : bst_ipc_buffer()->msg[i];
    return e;
}
