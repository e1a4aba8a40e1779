/*
 * Scheduling contexts (thread/schedcontext.h): the refill arithmetic. Pure logic on
 * counter ticks, built on the host for tests too. Invocations: schedcontext_invoke.c.
 */
#include <kmem.h>
#include <thread/schedcontext.h>

struct sched_context *sched_context_of(const struct cap *c)
{
    return kmem_ptr(c->paddr);
}

static struct sc_refill *refill_at(struct sched_context *sc, unsigned i)
{
    return &sc->refills[(sc->head + i) % SC_MAX_REFILLS];
}

/* Add a refill of `amount` at `time` (after every other: refills are in time order). */
static void sc_return(struct sched_context *sc, uint64_t time, uint64_t amount)
{
    if (amount == 0) {
        return;
    }
    if (sc->count == 1 && refill_at(sc, 0)->amount == 0) {
        *refill_at(sc, 0) = (struct sc_refill){time, amount};
    } else if (sc->count < SC_MAX_REFILLS) {
        *refill_at(sc, sc->count) = (struct sc_refill){time, amount};
        sc->count++;
    } else { /* full: fold into the last, which is never earlier (never early budget) */
        struct sc_refill *tail = refill_at(sc, sc->count - 1);
        tail->amount += amount;
        tail->time = time > tail->time ? time : tail->time;
    }
}

/* Merge every due refill into the head, so the head holds all that is available, and
 * pay any debt out of it (the payment comes back a period later, like any use). */
uint64_t sc_available(struct sched_context *sc, uint64_t now)
{
    if (sc->count == 0) {
        return 0;
    }
    struct sc_refill *head = refill_at(sc, 0);
    while (sc->count > 1 && refill_at(sc, 1)->time <= now) {
        struct sc_refill *next = refill_at(sc, 1);
        next->amount += head->amount;
        sc->head = (uint8_t)((sc->head + 1) % SC_MAX_REFILLS);
        sc->count--;
        head = next;
    }
    if (head->time > now) {
        return 0;
    }
    if (sc->debt > 0 && head->amount > 0) {
        uint64_t pay = sc->debt < head->amount ? sc->debt : head->amount;
        head->amount -= pay;
        sc->debt -= pay;
        sc_return(sc, now + sc->period, pay);
        if (head->amount == 0 && sc->count > 1) {
            sc->head = (uint8_t)((sc->head + 1) % SC_MAX_REFILLS);
            sc->count--;
            return 0;
        }
    }
    head = refill_at(sc, 0);
    return head->time <= now ? head->amount : 0;
}

void sc_charge(struct sched_context *sc, uint64_t start, uint64_t used)
{
    if (sc->count == 0 || used == 0) {
        return;
    }
    sc->consumed += used;
    /* Take `used` from the earliest refills; what they cannot cover (the timer fired
     * late) becomes a debt paid from refills as they come due: never forgiven. */
    uint64_t left = used;
    while (left > 0 && sc->count > 0) {
        struct sc_refill *head = refill_at(sc, 0);
        uint64_t take = left < head->amount ? left : head->amount;
        head->amount -= take;
        left -= take;
        if (head->amount == 0 && sc->count > 1) {
            sc->head = (uint8_t)((sc->head + 1) % SC_MAX_REFILLS);
            sc->count--;
        } else if (head->amount == 0) {
            break;
        }
    }
    sc->debt += left;
    sc_return(sc, start + sc->period, used - left);
}

uint64_t sc_next_release(const struct sched_context *sc)
{
    return sc->count == 0 ? UINT64_MAX : sc->refills[sc->head].time;
}

void sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period, uint64_t now)
{
    sc->budget = budget;
    sc->period = period;
    sc->head = 0;
    sc->count = 1;
    sc->debt = 0;
    sc->refills[0] = (struct sc_refill){now, budget};
}
