/*
 * supervisor: the parent. Its child's faults arrive at fault(); it re-initialises the
 * child (fresh data and bss, as if booted) up to three times, then leaves it stopped.
 */
#include <libbastion/pd.h>

#define WORKER       0 /* child id */
#define MAX_RESTARTS 3

static unsigned restarts;

void init(void)
{
    bst_printf("supervisor: watching my worker\n");
}

bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    bst_printf("supervisor: child %u: %s at address 0x%lx (ip 0x%lx)\n", child,
               bst_fault_name(bst_msginfo_label(msginfo)), (unsigned long)bst_fault_addr(),
               (unsigned long)bst_fault_ip());
    if (restarts == MAX_RESTARTS) {
        bst_printf("supervisor: giving up after %u restarts; worker stays stopped\n", restarts);
        bst_system_exit(0);
    }
    restarts++;
    bst_printf("supervisor: re-initialising worker (restart %u of %u)\n", restarts, MAX_RESTARTS);
    bst_error_t e = bst_child_reinit(child);
    if (e != BST_OK)
        bst_printf("supervisor: re-initialisation failed: %s\n", bst_error_name(e));
    /* The child was restarted: this reply finds nobody waiting and goes nowhere. */
    return bst_fault_reply_stop();
}
