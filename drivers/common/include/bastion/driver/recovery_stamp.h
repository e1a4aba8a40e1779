/*
 * The recovery-time stamp (tests and benchmarks only; docs/drivers.md, "Restart without
 * loss"): a small shared region in which a fault injector (drivers/blk/tests/restart/
 * crasher.c) stamps the cycle counter when it crashes a driver, and the first party to see
 * the driver's class complete work after the restart (blk_virt, at the first answer of the
 * restarted driver as it goes to its client; the virtio-net driver, at the first frame it
 * hands up) turns the stamp into one recovery time. Each looks only where the system maps
 * the region (setvar `recovery_stamp`).
 * Under `-icount shift=0` the counter counts guest instructions, so the figures repeat.
 *
 * Single writer per field: the injector writes `injected_at` (nonzero: a crash not yet
 * recovered from) and `injections`; the measuring party clears `injected_at` and keeps the
 * sums. Freestanding C11.
 */
#ifndef BASTION_DRIVER_RECOVERY_STAMP_H
#define BASTION_DRIVER_RECOVERY_STAMP_H

#include <stdint.h>

struct recovery_stamp {
    uint64_t injected_at; /* the counter at the last crash; 0: recovered */
    uint64_t injections;  /* crashes so far */
    uint64_t recovered;   /* recovery times taken */
    uint64_t sum, min, max;
    uint64_t last; /* the latest recovery time (the injector prints each one) */
};

static inline uint64_t recovery_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* The measuring party: work completed now; if a crash is pending, that is its recovery. */
static inline void recovery_completed(volatile struct recovery_stamp *s)
{
    uint64_t at = __atomic_load_n(&s->injected_at, __ATOMIC_ACQUIRE);
    if (at == 0) {
        return;
    }
    uint64_t took = recovery_counter() - at;
    __atomic_store_n(&s->injected_at, 0, __ATOMIC_RELAXED);
    s->sum += took;
    s->min = s->recovered == 0 || took < s->min ? took : s->min;
    s->max = took > s->max ? took : s->max;
    s->last = took;
    __atomic_store_n(&s->recovered, s->recovered + 1, __ATOMIC_RELEASE); /* `last` first */
}

#endif /* BASTION_DRIVER_RECOVERY_STAMP_H */
