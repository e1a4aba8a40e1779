/*
 * The static domain scheduler: a fixed cyclic schedule of (domain, length) slots. Every
 * thread belongs to one domain (0 unless set through the domain control cap) and runs
 * only while its domain's slot is current; within a slot the ordinary priority
 * scheduler decides. With no schedule, domain 0 runs for ever. A slot whose domain has
 * nothing to run idles to its end: no domain can take another's time.
 *
 * The switch happens at exactly one point: domain_check(), called from the scheduler
 * at each kernel exit (through budget_step()). That is where time protection (flushing
 * or partitioning microarchitectural state between domains) will go.
 */
#ifndef BASTION_THREAD_DOMAIN_H
#define BASTION_THREAD_DOMAIN_H

#include <bastion/errors.h>
#include <ktypes.h>

#define NUM_DOMAINS          16
#define DOMAIN_SCHEDULE_MAX  16
#define DOMAIN_MIN_LENGTH_US 100

struct domain_slot {
    uint8_t domain;
    uint64_t length; /* counter ticks */
};

struct domain_state {
    uint8_t current;   /* the domain whose slot runs now */
    uint8_t index;     /* its entry in the schedule */
    uint8_t count;     /* entries; 0: no schedule (domain 0 only) */
    uint64_t slot_end; /* counter time the current slot ends (UINT64_MAX: never) */
    struct domain_slot schedule[DOMAIN_SCHEDULE_MAX];
};
extern struct domain_state domain_state;

static inline bool domain_schedule_active(void)
{
    return domain_state.count != 0;
}

static inline uint8_t domain_current(void)
{
    return domain_state.current;
}

static inline uint64_t domain_slot_end(void)
{
    return domain_state.count != 0 ? domain_state.slot_end : UINT64_MAX;
}

/* Install a schedule (count entries, lengths in ticks), starting with its first slot now;
 * count 0 removes it (domain 0 runs). */
void domain_set_schedule(const struct domain_slot *slots, unsigned count, uint64_t now);
/* The switch point: move to the next slot(s) when the current one has ended. */
void domain_check(uint64_t now);

struct invocation;
bst_error_t domain_control_invoke(struct invocation *inv);

#endif
