/*
 * Deferred interrupts under a protected domain schedule (thread/domain_irq.h).
 */
#include <ipc/ipc.h>
#include <irq/irq.h>
#include <thread/domain.h>
#include <thread/domain_irq.h>
#include <thread/tcb.h>

#define WORDS ((IRQ_LINES + 63) / 64)

static uint64_t deferred[NUM_DOMAINS][WORDS];
static uint32_t waiting; /* bit d: deferred[d] holds a line (the switch's quick test) */
static uint64_t deferred_count;

/* (-1: nobody would run; the signal only sets bits, nothing to defer.) */
int domain_irq_owner(const struct notification *n)
{
    if (n->queue.head != NULL) {
        return n->queue.head->domain;
    }
    return n->bound != NULL ? n->bound->domain : -1;
}

bool domain_irq_defer(unsigned irq, const struct notification *n)
{
    if (!domain_state.protect || n == NULL || irq >= IRQ_LINES) {
        return false;
    }
    int d = domain_irq_owner(n);
    if (d < 0 || d == domain_current()) {
        return false;
    }
    deferred[d][irq / 64] |= 1ull << (irq % 64);
    waiting |= 1u << d;
    deferred_count++;
    return true;
}

void domain_irq_release(uint8_t domain)
{
    if ((waiting & (1u << domain)) == 0) {
        return;
    }
    waiting &= ~(1u << domain);
    for (unsigned w = 0; w < WORDS; w++) {
        uint64_t bits = deferred[domain][w];
        deferred[domain][w] = 0;
        while (bits != 0) {
            unsigned i = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            irq_deliver_deferred(w * 64 + i);
        }
    }
}

uint64_t domain_irq_deferred_count(void)
{
    return deferred_count;
}
