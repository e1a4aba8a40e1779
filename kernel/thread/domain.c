/*
 * The static domain scheduler (thread/domain.h): the schedule and the switch point, with
 * time protection for slots that ask for it (a pad, a flush policy).
 * The domain control cap's invocations: thread/domain_invoke.c.
 */
#include <bastion/domain.h>
#include <kprintf.h>
#include <thread/domain.h>
#include <thread/domain_irq.h>
#include <thread/sched.h>
#include <timeprot.h>
#include <timer.h>
#include <vm/kimage.h>

struct domain_state domain_state = {.slot_end = UINT64_MAX, .switch_at = UINT64_MAX};

static uint64_t pad_of(const struct domain_slot *s)
{
    return domain_state.nopad ? 0 : s->pad;
}

static void enter_slot(unsigned index, uint64_t start)
{
    const struct domain_slot *s = &domain_state.schedule[index];
    domain_state.index = (uint8_t)index;
    domain_state.slot_end = start + s->length;
    domain_state.switch_at = domain_state.slot_end - pad_of(s);
    domain_state.current = s->domain;
    sched_enter_domain(domain_state.current);
}

static void report_stats(void)
{
    const struct domain_stats *st = &domain_state.stats;
    if (st->padded != 0) {
        kprintf("domain: %lu switches, %lu padded, %lu late (worst %lu ticks past the slot end)\n",
                st->switches, st->padded, st->late, st->worst_late);
    }
    domain_state.stats = (struct domain_stats){0};
}

void domain_set_schedule(const struct domain_slot *slots, unsigned count, uint64_t now)
{
    report_stats();
    for (unsigned d = 0; d < NUM_DOMAINS; d++) {
        domain_irq_release((uint8_t)d); /* nothing waits for a slot of the old schedule */
    }
    if (domain_state.protect) {
        irq_domain_enter(-1); /* every pin hidden for the old schedule shown again */
    }
    domain_state.count = (uint8_t)count;
    domain_state.protect = false;
    for (unsigned i = 0; i < count; i++) {
        domain_state.schedule[i] = slots[i];
        domain_state.protect |= slots[i].pad != 0 || slots[i].flush != 0;
    }
    domain_state.protect &= !domain_state.nodefer; /* (only the interrupt side reads it) */
    if (count == 0) {
        domain_state.index = 0;
        domain_state.slot_end = UINT64_MAX;
        domain_state.switch_at = UINT64_MAX;
        domain_state.current = 0;
        kimage_enter_domain(0);
        sched_enter_domain(0);
    } else {
        enter_slot(0, now);
        kimage_enter_domain(domain_state.current);
        if (domain_state.protect) {
            irq_domain_enter(domain_state.current);
        }
    }
}

void domain_pads_disable(void)
{
    domain_state.nopad = true;
}

void domain_defer_disable(void)
{
    domain_state.nodefer = true;
}

/* The protected end of slot `left` (the one the CPU leaves): flush what its policy names,
 * take the interrupts already pending, then wait for the boundary `start` of the slot
 * entered. Everything the left domain caused (its overrun, the flushes of the state it
 * left, the interrupts it let pend) fits in the pad, or the switch is counted late.
 * Returns the counter time after it. */
static uint64_t protect_switch(const struct domain_slot *left, uint64_t start)
{
    if (left->flush != 0) {
        arch_timeprot_flush(left->flush);
    }
    if (pad_of(left) == 0) {
        return arch_counter_read();
    }
    domain_state.stats.padded++;
    arch_timeprot_take_pending();
    uint64_t now = arch_counter_read();
    if (now > start) {
        domain_state.stats.late++;
        if (now - start > domain_state.stats.worst_late) {
            domain_state.stats.worst_late = now - start;
        }
        return now;
    }
    arch_timeprot_wait_until(start);
    return start;
}

/* The one switch point between domains. A slot that ended long ago (the kernel ran with
 * interrupts off, or a debugger stopped it) is skipped whole: the schedule keeps its
 * phase rather than running late slots back to back. */
uint64_t domain_check(uint64_t now)
{
    if (domain_state.count == 0 || now < domain_state.switch_at) {
        return now;
    }
    const struct domain_slot *left = &domain_state.schedule[domain_state.index];
    unsigned i = domain_state.index;
    uint64_t start = domain_state.slot_end;
    for (;;) {
        i = (i + 1) % domain_state.count;
        if (now < start + domain_state.schedule[i].length) {
            break;
        }
        start += domain_state.schedule[i].length;
    }
    enter_slot(i, start);
    /* Its copy of the kernel image, if any; when the slot left flushes the TLB (below),
     * that one flush serves the change of copy too. */
    kimage_enter_domain_flushing(domain_state.current, left->flush);
    domain_state.stats.switches++;
    if (domain_state.protect) { /* inside the pad of the slot left */
        irq_domain_enter(domain_state.current);
        domain_irq_release(domain_state.current);
    }
    if (left->flush == 0 && pad_of(left) == 0) {
        return now;
    }
    return protect_switch(left, start);
}
