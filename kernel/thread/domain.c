/*
 * The static domain scheduler (thread/domain.h): the schedule and the switch point.
 * The domain control cap's invocations: thread/domain_invoke.c.
 */
#include <thread/domain.h>
#include <thread/sched.h>
#include <timer.h>

struct domain_state domain_state = {.slot_end = UINT64_MAX};

static void enter_slot(unsigned index, uint64_t start)
{
    domain_state.index = (uint8_t)index;
    domain_state.slot_end = start + domain_state.schedule[index].length;
    domain_state.current = domain_state.schedule[index].domain;
    sched_enter_domain(domain_state.current);
}

void domain_set_schedule(const struct domain_slot *slots, unsigned count, uint64_t now)
{
    domain_state.count = (uint8_t)count;
    for (unsigned i = 0; i < count; i++) {
        domain_state.schedule[i] = slots[i];
    }
    if (count == 0) {
        domain_state.index = 0;
        domain_state.slot_end = UINT64_MAX;
        domain_state.current = 0;
        sched_enter_domain(0);
    } else {
        enter_slot(0, now);
    }
}

/* The one switch point between domains. A slot that ended long ago (the kernel ran with
 * interrupts off, or a debugger stopped it) is skipped whole: the schedule keeps its
 * phase rather than running late slots back to back. */
void domain_check(uint64_t now)
{
    if (domain_state.count == 0 || now < domain_state.slot_end) {
        return;
    }
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
}
