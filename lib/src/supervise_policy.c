/*
 * The supervision policy (libbastion/supervise.h): a pure function from a child's
 * disposition, its history and the time to a verdict. No system calls, so that the host
 * tests can drive it through every case.
 */
#define BST_SUPERVISE_POLICY_ONLY
#include <libbastion/supervise.h>

static struct bst_supervise_action verdict(enum bst_supervise_verdict v, uint64_t at_ms)
{
    return (struct bst_supervise_action){.verdict = v, .at_ms = at_ms};
}

/* Back-off: restart after backoff << (faults in a row - 1), capped; a child that ran
 * quietly for BACKOFF_QUIET first delays since its last restart starts again at one. */
static struct bst_supervise_action back_off(uint64_t backoff_ms, struct bst_supervise_child *c,
                                            uint64_t now_ms)
{
    if (c->consecutive > 0 &&
        now_ms - c->last_restart_ms > BST_SUPERVISE_BACKOFF_QUIET * backoff_ms)
        c->consecutive = 0;
    uint32_t shift = c->consecutive < BST_SUPERVISE_BACKOFF_MAX_SHIFT
                         ? c->consecutive
                         : BST_SUPERVISE_BACKOFF_MAX_SHIFT;
    c->consecutive++;
    c->pending = true;
    c->restart_at_ms = now_ms + (backoff_ms << shift);
    c->last_restart_ms = c->restart_at_ms;
    return verdict(BST_SUPERVISE_RESTART_LATER, c->restart_at_ms);
}

struct bst_supervise_action bst_supervise_decide(uint32_t word, struct bst_supervise_child *c,
                                                 uint64_t now_ms)
{
    uint32_t on_fault = BASTION_SUPERVISION_ON_FAULT(word);
    uint32_t max = BASTION_SUPERVISION_MAX_RESTARTS_OF(word);
    switch (on_fault) {
    case BASTION_ON_FAULT_RESTART:
    case BASTION_ON_FAULT_BACKOFF:
        if (max != 0 && c->restarts >= max)
            return verdict(BST_SUPERVISE_ESCALATE, now_ms); /* out of restarts */
        c->restarts++;
        if (on_fault == BASTION_ON_FAULT_BACKOFF)
            return back_off(BASTION_SUPERVISION_BACKOFF_MS(word), c, now_ms);
        c->last_restart_ms = now_ms;
        return verdict(BST_SUPERVISE_RESTART, now_ms);
    case BASTION_ON_FAULT_STOP:
        return verdict(BST_SUPERVISE_STOP, now_ms);
    case BASTION_ON_FAULT_ESCALATE:
        return verdict(BST_SUPERVISE_ESCALATE, now_ms);
    default:
        return verdict(BST_SUPERVISE_NONE, now_ms);
    }
}
