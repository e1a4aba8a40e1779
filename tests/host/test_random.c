/*
 * The model-based random test: long random sequences of object-layer operations, each
 * checked against the reference model, with the invariant checker after every step
 * (and at every preemption point).
 *
 *   test-caps-random                 fixed seeds, DEFAULT_STEPS steps in all
 *   BASTION_RANDOM_STEPS=N           N steps in all (a longer run)
 *   BASTION_RANDOM_SEED=S            one run from seed S instead of the fixed seeds
 */
#include "random_ops.h"

#include <stdlib.h>

#define DEFAULT_STEPS 1000000u

static const uint64_t fixed_seeds[] = {1, 0x5eed, 0xb0057ed, 0xdecafbad};

static uint64_t xorshift_pick(void *ctx, uint64_t bound)
{
    uint64_t *s = ctx;
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (*s * UINT64_C(0x2545F4914F6CDD1D)) % bound;
}

static bool run_seed(uint64_t seed, uint64_t steps)
{
    uint64_t state = seed ? seed : 1;
    struct choice_source src = {.pick = xorshift_pick, .ctx = &state};
    char why[256];
    engine_start(&src);
    for (uint64_t i = 0; i < steps; i++) {
        if (!engine_step(why, sizeof(why))) {
            printf("FAIL: random/seed_%llx: step %llu: %s\n", (unsigned long long)seed,
                   (unsigned long long)i, why);
            return false;
        }
    }
    const struct engine_stats *st = engine_stats();
    printf("PASS: random/seed_%llx (%llu steps: %llu ok, %llu predicted errors, "
           "%llu preemptions, up to %llu caps)\n",
           (unsigned long long)seed, (unsigned long long)st->steps, (unsigned long long)st->ok,
           (unsigned long long)st->errors, (unsigned long long)st->preemptions,
           (unsigned long long)st->max_caps);
    fflush(stdout);
    return true;
}

int main(void)
{
    const char *env_steps = getenv("BASTION_RANDOM_STEPS");
    const char *env_seed = getenv("BASTION_RANDOM_SEED");
    uint64_t total = env_steps ? strtoull(env_steps, NULL, 0) : DEFAULT_STEPS;
    if (env_seed)
        return run_seed(strtoull(env_seed, NULL, 0), total) ? 0 : 1;
    bool ok = true;
    size_t n = ARRAY_SIZE(fixed_seeds);
    for (size_t i = 0; i < n; i++)
        ok &= run_seed(fixed_seeds[i], total / n);
    return ok ? 0 : 1;
}
