/*
 * crasher: the fault injector of the driver-restart tests (drivers/blk/tests/restart,
 * drivers/net/tests/restart; docs/drivers.md, "Restart without loss"). It is the parent of
 * the driver under test (its child 0, a nested <protection_domain>) and a timer client.
 * At random moments (a timeout drawn between crasher_min_us and crasher_max_us) it wakes,
 * above the driver's priority, so the driver is stopped wherever it was, and injects one
 * of, drawn at random:
 *   - restart: bst_child_restart, memory kept, from its entry;
 *   - reinit:  bst_child_reinit, its writable memory back to the pristine image;
 *   - fault:   the driver stopped, its instruction pointer set to an unmapped address and
 *              resumed: it faults at once, its fault() comes here, and the crasher
 *              restarts or re-initialises it (drawn again) from fault().
 * With `crasher_reinit` 0 it only restarts (the driver keeps its memory). After
 * `crasher_target` injections it notifies channel CH_DONE (if it has one) once, and
 * after `crasher_limit` (0: no limit) it stops injecting. Every 100 injections it prints a
 * line; a fault of the child that it did not cause is reported as FAIL (and the child
 * restarted). With `crasher_stamp` mapped (bastion/driver/recovery_stamp.h) it stamps each
 * injection for the recovery-time benchmark (bench/recovery) and prints each recovery the
 * measuring party took, at the next injection (`crasher: recovery N cycles`, or `crasher:
 * recovery none` when the driver had not completed work by then), and once more a
 * crasher_max_us after the last one.
 */
#include <stdint.h>

#include <bastion/spec.h>
#include <bastion/tcbregs.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>
#include <libbastion/tcb.h>

#include <bastion/driver/recovery_stamp.h>

uint64_t crasher_seed = 1;       /* setvar */
uint64_t crasher_min_us = 2000;  /* setvar: the shortest time between injections */
uint64_t crasher_max_us = 10000; /* setvar: the longest */
uint64_t crasher_target = 200;   /* setvar: injections before CH_DONE is notified */
uint64_t crasher_limit;          /* setvar: injections at most (0: no limit) */
uint64_t crasher_delay_us;       /* setvar: wait this long before the first */
uintptr_t crasher_stamp;         /* setvar_vaddr: a struct recovery_stamp, or 0 */
uint64_t crasher_notify_done;    /* setvar: nonzero: channel CH_DONE exists */
uint64_t crasher_reinit = 1;     /* setvar: 0: restarts only (memory kept), never reinit */

#define CH_TIMER 0u
#define CH_DONE  1u
#define CHILD    0u
#define BAD_IP   0x10ull /* the first page is never mapped */

static uint64_t rng, injections, restarts, reinits, faults, foreign_faults;
static bool fault_pending, done_told, final_reported;
static uint64_t recoveries_reported;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void schedule(uint64_t us)
{
    timer_set_timeout(us * 1000ull);
}

static void schedule_next(void)
{
    uint64_t span = crasher_max_us > crasher_min_us ? crasher_max_us - crasher_min_us : 0;
    schedule(crasher_min_us + (span > 0 ? next_random() % span : 0));
}

/* Start the child again, from its image (reinit) or over its memory (restart). */
static void revive(void)
{
    bool reinit = crasher_reinit != 0 && next_random() % 2 == 0;
    bst_error_t e = reinit ? bst_child_reinit(CHILD) : bst_child_restart(CHILD);
    if (e != BST_OK)
        bst_printf("FAIL: crasher: %s of the driver refused: %s\n", reinit ? "reinit" : "restart",
                   bst_error_name(e));
    reinit ? reinits++ : restarts++;
}

/* Make the child fault where it stands: stopped, its rip pointed at an unmapped page. */
static bool make_fault(void)
{
    bst_cptr_t tcb = BASTION_SLOT_CHILD_TCB_BASE + CHILD;
    struct bst_tcb_regs regs;
    if (bst_child_stop(CHILD) != BST_OK ||
        bst_tcb_read_registers(tcb, BST_TCB_REGISTER_COUNT, &regs) != BST_OK)
        return false;
    regs.rip = BAD_IP;
    fault_pending = true;
    if (bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &regs) !=
        BST_OK) {
        fault_pending = false;
        return false;
    }
    return true;
}

/* The recovery of the last injection, if the measuring party has taken it (outside the
 * measured path: the crasher runs only at its timeouts). */
static void report_recovery(void)
{
    if (crasher_stamp == 0 || injections == 0)
        return;
    volatile struct recovery_stamp *s = (volatile struct recovery_stamp *)crasher_stamp;
    uint64_t recovered = __atomic_load_n(&s->recovered, __ATOMIC_ACQUIRE);
    if (recovered > recoveries_reported) {
        recoveries_reported = recovered;
        bst_printf("crasher: recovery %lu cycles\n", (unsigned long)s->last);
    } else {
        bst_printf("crasher: recovery none\n");
    }
}

static void inject(void)
{
    report_recovery();
    injections++;
    if (crasher_stamp != 0) {
        volatile struct recovery_stamp *s = (volatile struct recovery_stamp *)crasher_stamp;
        s->injections = injections;
        __atomic_store_n(&s->injected_at, recovery_counter(), __ATOMIC_RELEASE);
    }
    switch (next_random() % 3) {
    case 0:
        if (make_fault()) {
            faults++;
            break;
        }
        revive(); /* could not redirect it: restart it instead */
        break;
    default:
        revive();
        break;
    }
    if (injections % 100 == 0)
        bst_printf("crasher: %lu injections (%lu restarts, %lu re-initialisations, %lu of them "
                   "after a fault)\n",
                   (unsigned long)injections, (unsigned long)restarts, (unsigned long)reinits,
                   (unsigned long)faults);
    if (injections >= crasher_target && !done_told) {
        done_told = true;
        bst_printf("crasher: target of %lu injections reached\n", (unsigned long)crasher_target);
        if (crasher_notify_done != 0)
            bst_notify(CH_DONE);
    }
}

void init(void)
{
    rng = crasher_seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
    timer_init(CH_TIMER);
    bst_printf("crasher: injecting every %lu to %lu us\n", (unsigned long)crasher_min_us,
               (unsigned long)crasher_max_us);
    schedule(crasher_delay_us > 0 ? crasher_delay_us : crasher_max_us);
}

void notified(bst_channel_t ch)
{
    if (ch != CH_TIMER)
        return;
    if (crasher_limit != 0 && injections >= crasher_limit) {
        if (!final_reported && !fault_pending) {
            final_reported = true;
            report_recovery(); /* the last injection's, a crasher_max_us after it */
            bst_printf("crasher: done: %lu injections, %lu recoveries\n", (unsigned long)injections,
                       (unsigned long)recoveries_reported);
        }
        return;
    }
    if (!fault_pending)
        inject();
    schedule_next();
}

bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    if (child == CHILD && fault_pending && bst_fault_ip() == BAD_IP) {
        fault_pending = false;
        revive();
        return bst_fault_reply_stop(); /* it runs again already: the reply goes nowhere */
    }
    foreign_faults++;
    bst_printf("FAIL: crasher: child %u faulted by itself: %s at ip 0x%lx, address 0x%lx\n", child,
               bst_fault_name(bst_msginfo_label(msginfo)), (unsigned long)bst_fault_ip(),
               (unsigned long)bst_fault_addr());
    fault_pending = false;
    revive();
    return bst_fault_reply_stop();
}
