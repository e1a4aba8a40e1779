/*
 * libFuzzer target: the random operation engine, with the input bytes choosing every
 * operation and argument. A disagreement with the model or a broken invariant aborts.
 * Run with `make fuzz-caps` (or `make fuzz`, which runs every fuzz target).
 */
#include "random_ops.h"

#include <stdlib.h>

struct byte_source {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

/* Two bytes per choice; zeros once the input runs out. */
static uint64_t bytes_pick(void *ctx, uint64_t bound)
{
    struct byte_source *b = ctx;
    uint64_t v = 0;
    for (int i = 0; i < 2; i++)
        v = (v << 8) | (b->pos < b->size ? b->data[b->pos++] : 0);
    return v % bound;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct byte_source b = {.data = data, .size = size, .pos = 0};
    struct choice_source src = {.pick = bytes_pick, .ctx = &b};
    char why[256];
    engine_start(&src);
    while (b.pos < b.size) {
        if (!engine_step(why, sizeof(why))) {
            fprintf(stderr, "fuzz-caps: %s\n", why);
            abort();
        }
    }
    return 0;
}
