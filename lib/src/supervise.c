/*
 * Supervision in a parent PD (libbastion/supervise.h): carries out the policy's verdict
 * on a child's fault with init's re-initialisation, keeps restart counters, and restarts
 * back-off children when their delay is over.
 */
#include <libbastion/pd.h>
#include <libbastion/supervise.h>

#include "pd_internal.h"

static struct bst_supervise_child children[BASTION_MAX_ID + 1];

uint64_t bst_supervise_now_ms(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t khz = bst_counter_khz();
    return khz ? ((uint64_t)hi << 32 | lo) / khz : 0;
}

uint32_t bst_supervise_restarts(bst_child_t child)
{
    return child <= BASTION_MAX_ID ? children[child].restarts : 0;
}

static const char *const verdict_names[] = {
    [BST_SUPERVISE_NONE] = "left to the parent",     [BST_SUPERVISE_RESTART] = "re-initialised",
    [BST_SUPERVISE_RESTART_LATER] = "backing off",   [BST_SUPERVISE_STOP] = "stopped",
    [BST_SUPERVISE_ESCALATE] = "escalated: stopped",
};

static void reinit(bst_child_t child)
{
    bst_error_t e = bst_child_reinit(child);
    if (e != BST_OK)
        bst_printf("supervise: PD '%s': re-initialising child %u failed: %s\n", bst_pd_name(),
                   child, bst_error_name(e));
}

bool bst_supervise_fault(bst_child_t child, bst_msginfo_t msginfo, bst_msginfo_t *reply)
{
    if (child > BASTION_MAX_ID)
        return false;
    uint32_t word = pd_start_info()->supervision[child];
    struct bst_supervise_action a =
        bst_supervise_decide(word, &children[child], bst_supervise_now_ms());
    if (a.verdict == BST_SUPERVISE_NONE)
        return false;
    bst_printf("supervise: PD '%s': child %u: %s at ip 0x%lx (address 0x%lx): %s", bst_pd_name(),
               child, bst_fault_name(bst_msginfo_label(msginfo)), (unsigned long)bst_fault_ip(),
               (unsigned long)bst_fault_addr(), verdict_names[a.verdict]);
    if (a.verdict == BST_SUPERVISE_RESTART || a.verdict == BST_SUPERVISE_RESTART_LATER)
        bst_printf(" (restart %u)", children[child].restarts);
    bst_printf("\n");
    /* After a re-initialisation a STOP finds nobody waiting; but for a DMA fault (the child
     * was running, bastion/fault.h) the runtime would stop the fresh child with it. */
    bool dma = bst_msginfo_label(msginfo) == BST_FAULT_DMA;
    *reply = dma && a.verdict == BST_SUPERVISE_RESTART ? bst_fault_reply_resume()
                                                       : bst_fault_reply_stop();
    if (a.verdict == BST_SUPERVISE_RESTART)
        reinit(child);
    if (a.verdict == BST_SUPERVISE_ESCALATE) {
        bst_printf("supervise: PD '%s': escalating: faulting for its own parent\n", bst_pd_name());
        __builtin_trap();
    }
    return true;
}

uint64_t bst_supervise_poll(void)
{
    uint64_t now = bst_supervise_now_ms(), next = UINT64_MAX;
    for (bst_child_t c = 0; c <= BASTION_MAX_ID; c++) {
        if (!children[c].pending)
            continue;
        if (children[c].restart_at_ms <= now) {
            children[c].pending = false;
            reinit(c);
        } else if (children[c].restart_at_ms - now < next) {
            next = children[c].restart_at_ms - now;
        }
    }
    return next;
}

void bst_supervise_start(void)
{
    if (bst_pd_generation() == 0)
        return; /* at boot init starts the children */
    for (bst_child_t c = 0; c <= BASTION_MAX_ID; c++)
        if (pd_start_info()->supervision[c] != 0)
            reinit(c);
}
