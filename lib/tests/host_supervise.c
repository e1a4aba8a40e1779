/*
 * Host tests of the supervision policy (lib/src/supervise_policy.c, libbastion/supervise.h):
 * every disposition's verdict, max_restarts, and the back-off schedule: the first delay,
 * doubling per fault in a row, the cap at BACKOFF_MAX_SHIFT doublings, the reset after a
 * quiet period, and the restart count shared with max_restarts. Suite host-supervise;
 * prints the harness protocol (PASS:/FAIL: lines).
 */
#include <stdio.h>
#include <string.h>

#define BST_SUPERVISE_POLICY_ONLY
#include <libbastion/supervise.h>

static int failures;

#define CHECK(name, cond, ...)                                                                     \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("PASS: %s\n", name);                                                            \
        } else {                                                                                   \
            printf("FAIL: %s: ", name);                                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void plain_dispositions(void)
{
    struct bst_supervise_child c = {0};
    struct bst_supervise_action a =
        bst_supervise_decide(BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_NONE, 0, 0), &c, 5);
    CHECK("supervise/none", a.verdict == BST_SUPERVISE_NONE && c.restarts == 0, "verdict %d",
          a.verdict);
    a = bst_supervise_decide(BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_STOP, 0, 0), &c, 5);
    CHECK("supervise/stop", a.verdict == BST_SUPERVISE_STOP && c.restarts == 0, "verdict %d",
          a.verdict);
    a = bst_supervise_decide(BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_ESCALATE, 0, 0), &c, 5);
    CHECK("supervise/escalate", a.verdict == BST_SUPERVISE_ESCALATE && c.restarts == 0,
          "verdict %d", a.verdict);
    bool all_now = true;
    for (uint64_t t = 0; t < 1000; t++) {
        a = bst_supervise_decide(BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_RESTART, 0, 0), &c, t);
        all_now &= a.verdict == BST_SUPERVISE_RESTART && a.at_ms == t;
    }
    CHECK("supervise/restart-unlimited", all_now && c.restarts == 1000,
          "1000 faults: all restarted at once %d, restarts %u", all_now, c.restarts);
}

static void max_restarts(void)
{
    struct bst_supervise_child c = {0};
    uint32_t word = BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_RESTART, 3, 0);
    unsigned restarted = 0;
    for (int i = 0; i < 3; i++)
        restarted += bst_supervise_decide(word, &c, 10).verdict == BST_SUPERVISE_RESTART;
    struct bst_supervise_action a = bst_supervise_decide(word, &c, 10);
    CHECK("supervise/max-restarts",
          restarted == 3 && a.verdict == BST_SUPERVISE_ESCALATE && c.restarts == 3,
          "%u restarts then verdict %d (restarts %u)", restarted, a.verdict, c.restarts);
    a = bst_supervise_decide(word, &c, 1000000);
    CHECK("supervise/max-restarts-stays-spent", a.verdict == BST_SUPERVISE_ESCALATE,
          "verdict %d a long time later", a.verdict);
}

/* A child that faults as soon as it is restarted: the delays double up to the cap. */
static void backoff_schedule(void)
{
    const uint64_t first = 10;
    uint32_t word = BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_BACKOFF, 0, first);
    struct bst_supervise_child c = {0};
    uint64_t now = 1000;
    char why[256] = "";
    bool ok = true;
    for (uint32_t k = 0; k < 12 && ok; k++) {
        struct bst_supervise_action a = bst_supervise_decide(word, &c, now);
        uint32_t shift = k < BST_SUPERVISE_BACKOFF_MAX_SHIFT ? k : BST_SUPERVISE_BACKOFF_MAX_SHIFT;
        uint64_t want = now + (first << shift);
        if (a.verdict != BST_SUPERVISE_RESTART_LATER || a.at_ms != want || !c.pending ||
            c.restart_at_ms != want) {
            snprintf(why, sizeof why, "fault %u at %llu: verdict %d at %llu, wanted %llu", k,
                     (unsigned long long)now, a.verdict, (unsigned long long)a.at_ms,
                     (unsigned long long)want);
            ok = false;
        }
        c.pending = false; /* restarted on time (bst_supervise_poll) */
        now = a.at_ms + 1; /* and faults 1 ms later */
    }
    CHECK("supervise/backoff-doubles-to-cap", ok, "%s", why);
    CHECK("supervise/backoff-counts-restarts", c.restarts == 12, "restarts %u", c.restarts);

    /* Quiet for more than BACKOFF_QUIET first delays since the last restart: back to one. */
    uint64_t quiet_from = c.last_restart_ms;
    now = quiet_from + BST_SUPERVISE_BACKOFF_QUIET * first + 1;
    struct bst_supervise_action a = bst_supervise_decide(word, &c, now);
    CHECK("supervise/backoff-resets-after-quiet", a.at_ms == now + first && c.consecutive == 1,
          "after a quiet run: restart at +%llu (wanted +%llu), consecutive %u",
          (unsigned long long)(a.at_ms - now), (unsigned long long)first, c.consecutive);
    /* Exactly at the quiet limit is not quiet enough: the delay doubles again. */
    now = c.last_restart_ms + BST_SUPERVISE_BACKOFF_QUIET * first;
    a = bst_supervise_decide(word, &c, now);
    CHECK("supervise/backoff-quiet-boundary", a.at_ms == now + 2 * first,
          "at the quiet limit: restart at +%llu (wanted +%llu)",
          (unsigned long long)(a.at_ms - now), (unsigned long long)(2 * first));
}

static void backoff_max_restarts(void)
{
    uint32_t word = BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_BACKOFF, 2, 50);
    struct bst_supervise_child c = {0};
    struct bst_supervise_action a1 = bst_supervise_decide(word, &c, 0);
    struct bst_supervise_action a2 = bst_supervise_decide(word, &c, a1.at_ms + 1);
    struct bst_supervise_action a3 = bst_supervise_decide(word, &c, a2.at_ms + 1);
    CHECK("supervise/backoff-max-restarts",
          a1.verdict == BST_SUPERVISE_RESTART_LATER && a1.at_ms == 50 &&
              a2.verdict == BST_SUPERVISE_RESTART_LATER && a2.at_ms == 51 + 100 &&
              a3.verdict == BST_SUPERVISE_ESCALATE,
          "verdicts %d@%llu %d@%llu %d", a1.verdict, (unsigned long long)a1.at_ms, a2.verdict,
          (unsigned long long)a2.at_ms, a3.verdict);
}

/* The word's fields as the tool packs them, at their limits. */
static void word_fields(void)
{
    uint32_t w =
        BASTION_SUPERVISION_WORD(BASTION_ON_FAULT_BACKOFF, BASTION_SUPERVISION_MAX_RESTARTS,
                                 BASTION_SUPERVISION_MAX_BACKOFF_MS);
    CHECK("supervise/word-fields",
          BASTION_SUPERVISION_ON_FAULT(w) == BASTION_ON_FAULT_BACKOFF &&
              BASTION_SUPERVISION_MAX_RESTARTS_OF(w) == BASTION_SUPERVISION_MAX_RESTARTS &&
              BASTION_SUPERVISION_BACKOFF_MS(w) == BASTION_SUPERVISION_MAX_BACKOFF_MS,
          "word %#x", w);
}

int main(void)
{
    plain_dispositions();
    max_restarts();
    backoff_schedule();
    backoff_max_restarts();
    word_fields();
    return failures ? 1 : 0;
}
