/*
 * Supervision (docs/supervision.md): a parent PD applies each child's disposition from
 * system.xml (on_fault="restart|backoff|stop|escalate", max_restarts, backoff) when the
 * child faults. The policy is a pure function (bst_supervise_decide, host tested); the
 * rest carries its verdict out with the child control of <libbastion/pd.h>.
 *
 * A parent's fault() calls bst_supervise_fault(); a supervisor with back-off children
 * calls bst_supervise_poll() when its timer fires. The supervisor component
 * (supervisor/) does both; any parent PD may link this instead.
 */
#ifndef LIBBASTION_SUPERVISE_H
#define LIBBASTION_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/spec.h>

/* What the policy keeps per child. Zero is the state at start. */
struct bst_supervise_child {
    uint32_t restarts;        /* restarts so far (the count max_restarts limits) */
    uint32_t consecutive;     /* back-off: faults in a row without a quiet period */
    uint64_t last_restart_ms; /* when it was last restarted (or is due to be) */
    bool pending;             /* back-off: stopped until restart_at_ms */
    uint64_t restart_at_ms;
};

enum bst_supervise_verdict {
    BST_SUPERVISE_NONE,          /* no disposition: the parent's own code decides */
    BST_SUPERVISE_RESTART,       /* re-initialise it now */
    BST_SUPERVISE_RESTART_LATER, /* keep it stopped; re-initialise it at `at_ms` */
    BST_SUPERVISE_STOP,          /* leave it stopped */
    BST_SUPERVISE_ESCALATE,      /* leave it stopped; the parent faults for its own parent */
};

struct bst_supervise_action {
    enum bst_supervise_verdict verdict;
    uint64_t at_ms;
};

/* Back-off: the first delay is the word's backoff; each fault within BACKOFF_QUIET
 * delays of the last restart doubles it, up to BACKOFF_MAX_SHIFT doublings. */
#define BST_SUPERVISE_BACKOFF_MAX_SHIFT 6u
#define BST_SUPERVISE_BACKOFF_QUIET     128u

/* The policy: the verdict for a fault of a child with supervision word `word` at
 * `now_ms`, updating its state. Pure (host tested: lib/tests/host_supervise.c). */
struct bst_supervise_action bst_supervise_decide(uint32_t word, struct bst_supervise_child *c,
                                                 uint64_t now_ms);

#ifndef BST_SUPERVISE_POLICY_ONLY
#include <libbastion/pd.h>

/* Apply child `child`'s disposition to its fault (inside fault()). Returns false when the
 * child has none: the caller decides. Otherwise `*reply` is fault()'s answer. */
bool bst_supervise_fault(bst_child_t child, bst_msginfo_t msginfo, bst_msginfo_t *reply);

/* Restart the back-off children whose time has come; returns the ms until the next is
 * due, or UINT64_MAX when none waits. */
uint64_t bst_supervise_poll(void);

/* Call from init(): a supervisor that was itself restarted re-initialises every child
 * that has a disposition, so that it starts from a known state, as at boot. */
void bst_supervise_start(void);

/* Restarts of a child so far, and milliseconds on the cycle counter. */
uint32_t bst_supervise_restarts(bst_child_t child);
uint64_t bst_supervise_now_ms(void);
#endif

#endif /* LIBBASTION_SUPERVISE_H */
