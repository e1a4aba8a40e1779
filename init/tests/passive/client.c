/*
 * client: budgeted (8 ms per 10 ms). It calls the passive server for 3 ms of work and
 * checks that its own scheduling context was charged for it, then ends the run.
 */
#include <libbastion/pd.h>
#include <bastion/spec.h>
#include <libbastion/sched.h>

void init(void)
{
    uint64_t before, after;
    if (bst_sched_context_consumed(BASTION_SLOT_SCHED_CONTEXT, &before) != BST_OK) {
        bst_printf("client: FAIL: cannot read its context's use\n");
        bst_system_exit(1);
    }
    bst_mr_set(0, 3000);
    bst_mr_set(1, bst_counter_khz());
    bst_ppcall(0, bst_msginfo_new(0, 2));
    uint64_t answer = bst_mr_get(0);
    bst_sched_context_consumed(BASTION_SLOT_SCHED_CONTEXT, &after);
    if (answer != 3001)
        bst_printf("client: FAIL: the server answered %lu\n", (unsigned long)answer);
    else if (after < 2900)
        bst_printf("client: FAIL: 3 ms of server work charged %lu us to the caller\n",
                   (unsigned long)after);
    else
        bst_printf("client: ok: the passive server's work was charged to the caller (%lu us)\n",
                   (unsigned long)after);
    bst_system_exit(0);
}
