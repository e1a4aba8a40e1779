/*
 * The static domain scheduler: a fixed cyclic schedule of (domain, length) slots. Every
 * thread belongs to one domain (0 unless set through the domain control cap) and runs
 * only while its domain's slot is current; within a slot the ordinary priority
 * scheduler decides. With no schedule, domain 0 runs for ever. A slot whose domain has
 * nothing to run idles to its end: no domain can take another's time.
 *
 * The switch happens at exactly one point: domain_check(), called from the scheduler
 * at each kernel exit (through budget_step()). Time protection lives there too
 * (docs/kernel.md, "Time protection"): a slot may carry a pad and a flush policy. A
 * padded slot hands the CPU to the kernel `pad` before its end (the timer is armed for
 * that point, domain_switch_at()); the kernel switches, flushes what the slot's policy
 * names (arch/timeprot.h), takes the interrupts already pending, and then waits until the
 * slot's end exactly, so the next domain starts at a fixed time after its boundary
 * whatever the previous one did. Without a pad nothing of this runs.
 */
#ifndef BASTION_THREAD_DOMAIN_H
#define BASTION_THREAD_DOMAIN_H

#include <bastion/errors.h>
#include <ktypes.h>

#define NUM_DOMAINS          16
#define DOMAIN_SCHEDULE_MAX  16
#define DOMAIN_MIN_LENGTH_US 100
#define DOMAIN_MAX_PAD_US    1000000 /* 1 s: far above any kernel path */

struct domain_slot {
    uint8_t domain;
    uint8_t flush;   /* BST_DOMAIN_FLUSH_* done when this slot ends */
    uint64_t length; /* counter ticks */
    uint64_t pad;    /* counter ticks before the end kept for the switch (0: none) */
};

/* What the switches did since the schedule was installed (the kernel prints it when
 * the schedule is replaced or removed). A late switch reached its slot's end after it
 * had passed: the pad was shorter than the kernel path that ran into it. */
struct domain_stats {
    uint64_t switches;
    uint64_t padded;
    uint64_t late;
    uint64_t worst_late; /* ticks */
};

struct domain_state {
    uint8_t current;    /* the domain whose slot runs now */
    uint8_t index;      /* its entry in the schedule */
    uint8_t count;      /* entries; 0: no schedule (domain 0 only) */
    bool nopad;         /* fault injection (`tp_nopad`): pads are ignored */
    bool protect;       /* a slot has a pad or a flush (no tp_nodefer): interrupts wait */
    bool nodefer;       /* fault injection (`tp_nodefer`): interrupts are not deferred */
    uint64_t slot_end;  /* counter time the current slot ends (UINT64_MAX: never) */
    uint64_t switch_at; /* when the kernel takes the CPU for the switch: slot_end - pad */
    struct domain_slot schedule[DOMAIN_SCHEDULE_MAX];
    struct domain_stats stats;
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

/* When the kernel must next take the CPU for the domain switch (the timer deadline). */
static inline uint64_t domain_slot_end(void)
{
    return domain_state.count != 0 ? domain_state.switch_at : UINT64_MAX;
}

/* Install a schedule (count entries, lengths and pads in ticks), starting with its first
 * slot now; count 0 removes it (domain 0 runs). The caller has checked every slot
 * (pad + DOMAIN_MIN_LENGTH_US fits in the length). */
void domain_set_schedule(const struct domain_slot *slots, unsigned count, uint64_t now);
/* The switch point: move to the next slot(s) when the current one has ended (or, for a
 * padded slot, when its pad has begun). Returns the counter time after the switch (now,
 * or later when it waited out a pad). */
uint64_t domain_check(uint64_t now);
/* Ignore every pad from now on (the `tp_nopad` command-line word: the test that shows
 * the timing channel is open again without padding). */
void domain_pads_disable(void);
/* Deliver interrupts at once, never hiding a line (`tp_nodefer`: the test that shows the
 * interrupt channel open again without deferral). */
void domain_defer_disable(void);

struct invocation;
bst_error_t domain_control_invoke(struct invocation *inv);

#endif
