/*
 * The prime-and-probe cache channel root task (suite system-cache-channel, `make
 * bench-cache-channel`; docs/testing.md, "Cache channel"): a sender and a receiver in
 * two domains that share no memory, the receiver measuring with the cycle counter how
 * much of its cached data the sender's slot evicted.
 *
 * Three domains share the CPU in turn, slot_us each: the root's (0), the sender's (1)
 * and the receiver's (2). In each of its slots the sender sends one pseudo-random bit:
 * 1, it spends the slot reading its own buffer line by line, over and over; 0, it spins
 * without touching memory. At the start of each of its slots the receiver reads every
 * line of its own buffer (the probe, which is also the next prime) and records how many
 * cycles that took: lines the sender evicted come from further away.
 *
 *   l1d-*  the receiver's buffer is 32 KiB (8 pages: every line of a 32 KiB, 64-set
 *          L1D), the sender's 8 pages of which it reads the first half of each: half the
 *          L1D's sets (the set is bits 6-11 of the address, the same in every page)
 *   llc-*  the receiver's buffer is llc_pages pages of the colours 0-7 of 32 (a page's
 *          colour is its frame number modulo 32: its place in every physically
 *          indexed cache of up to 32 page colours), its eviction set for those colours;
 *          the sender reads llc_pages pages either of the same colours (uncoloured: the
 *          lines compete for the receiver's sets) or of 8-15 (coloured: the split of
 *          init/tests/colour's domains a and b, no set in common)
 *
 * Runs: l1d-open and llc-open (no protection), l1d-flushed and llc-flushed (the kernel's
 * core flushes, L1D through IA32_FLUSH_CMD where CPUID has it, and a pad, at every slot
 * end), llc-coloured (colouring, no flush). Each prints "tp-samples <run> s:cycles ..."
 * for the host's channel_capacity, which estimates bits per symbol with its noise
 * threshold. The labels reach the receiver through memory both threads see: the
 * harness's ground truth, never part of the measurement.
 *
 * Under TCG there are no caches and rdtsc follows the instruction count: the runs show
 * the harness working (both domains run, every symbol recorded, the symbols balanced),
 * never a cache channel. Real figures need real hardware (ACCEL=kvm on a host with
 * hardware virtualisation; tests/system/timeprot/run-cache-channel.sh decides).
 *
 * Harness arguments (short: a module name has 48 bytes): n=N symbols a run (100-1000,
 * default 1000); t=1 the small profile of the TCG runs (200 us slots and 16 LLC pages,
 * instead of 1 ms slots and 512 pages: the receiver primes 2 MiB of its colours).
 */
#include "domain_thread.h"

#include <bastion/domain.h>
#include <libbastion/start.h>
#include <libbastion/string.h>
#include <libbastion/vspace.h>

#define SYMBOLS_MAX     1000
#define SYMBOLS_MIN     100
#define WARMUP          4 /* the first slots (threads starting mid-slot) are not counted */
#define RECORDS_MAX     (SYMBOLS_MAX + WARMUP)
#define PAD_US          40
#define LINE            64
#define L1D_PAGES       8   /* 32 KiB: 64 sets of 8 ways of 64-byte lines */
#define LLC_PAGES_MAX   512 /* three buffers of them: 1536 of the root CNode's 4096 slots */
#define LLC_PAGES_SMALL 16
#define COLOURS         32
#define RECEIVER_COLOUR 0 /* colours 0-7: init/tests/colour's domain a */
#define SENDER_COLOUR   8 /* colours 8-15: its domain b */
#define COLOUR_RUN      8

/* What the sender publishes (for the labels), what it reads and what the receiver
 * records. */
static struct channel {
    volatile uint64_t seq;    /* the sender's slots so far */
    volatile uint64_t symbol; /* what it sends in slot seq */
    volatile uint64_t done;   /* the receiver has `records` records */
    uint64_t gap_ticks;
    const volatile uint8_t *send_buf, *recv_buf;
    uint64_t send_bytes, recv_bytes, send_stride_page; /* the sender reads the first
                                                          send_stride_page bytes of a page */
    struct {
        uint64_t seq, symbol, probe;
    } rec[RECORDS_MAX];
    unsigned n;
} ch;

static unsigned symbols = SYMBOLS_MAX, records = SYMBOLS_MAX + WARMUP;
static uint64_t slot_us = 1000, llc_pages = LLC_PAGES_MAX;

/* The three buffers: the receiver's (colours 0-7), the sender's of the same colours and
 * the sender's of colours 8-15; llc_pages pages each. The L1D runs use their first
 * L1D_PAGES pages. */
static uint64_t recv_base, shared_base, coloured_base;

/* One page a turn (a few microseconds even from DRAM), so that a turn is never mistaken
 * for the other domains' slots. */
static void sender(struct probe_block *b)
{
    (void)b;
    uint64_t rng = 0x9e3779b97f4a7c15ull, last = counter(), seq = 0, symbol = 0, page = 0;
    for (;;) {
        uint64_t now = counter();
        if (now - last > ch.gap_ticks) { /* a new slot of ours: the next symbol */
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            symbol = rng >> 63;
            ch.symbol = symbol;
            ch.seq = ++seq;
        }
        last = now;
        if (symbol) {
            for (uint64_t off = 0; off < ch.send_stride_page; off += LINE)
                (void)ch.send_buf[page + off];
            page = page + PAGE_SIZE < ch.send_bytes ? page + PAGE_SIZE : 0;
        }
    }
}

/* Read every line of the receiver's buffer; the cycles it took. */
static uint64_t probe(void)
{
    uint32_t lo, hi, aux;
    __asm__ volatile("mfence; lfence; rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    uint64_t t0 = ((uint64_t)hi << 32) | lo;
    for (uint64_t off = 0; off < ch.recv_bytes; off += LINE)
        (void)ch.recv_buf[off];
    __asm__ volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return (((uint64_t)hi << 32) | lo) - t0;
}

static void receiver(struct probe_block *b)
{
    (void)b;
    uint64_t last = counter();
    for (;;) {
        uint64_t now = counter();
        if (now - last > ch.gap_ticks && !ch.done) { /* a new slot of ours: probe */
            uint64_t seq = ch.seq, symbol = ch.symbol, cycles = probe();
            if (ch.n == records) {
                ch.done = 1;
            } else {
                ch.rec[ch.n].seq = seq;
                ch.rec[ch.n].symbol = symbol;
                ch.rec[ch.n].probe = cycles;
                ch.n++;
            }
            now = counter();
        }
        last = now;
    }
}

/*
 * Map the three buffers (bases[0..2], `pages` pages each) from frames retyped one at a
 * time from `ut` (consecutive frames, so every colour comes round each COLOURS frames):
 * a frame of colours RECEIVER_COLOUR.. goes to the receiver's buffer, or once that is
 * full to the uncoloured sender's; one of SENDER_COLOUR.. to the coloured sender's; a
 * frame of any other colour (or of a full buffer) is deleted again, its slot reused.
 */
static bst_error_t map_coloured(bst_cptr_t ut, const uint64_t bases[3], uint64_t pages)
{
    uint64_t mapped[3] = {0, 0, 0};
    bst_cptr_t slot = slot_alloc();
    while (mapped[0] + mapped[1] + mapped[2] < 3 * pages) {
        if (slot == 0)
            return BST_NOT_ENOUGH_MEMORY;
        bst_error_t e = bst_untyped_retype(ut, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, slot, 1);
        uint64_t paddr = 0;
        if (e == BST_OK)
            e = bst_frame_get_address(slot, &paddr);
        if (e != BST_OK)
            return e;
        unsigned colour = (unsigned)((paddr / PAGE_SIZE) % COLOURS), to = 3;
        if (colour - RECEIVER_COLOUR < COLOUR_RUN)
            to = mapped[0] < pages ? 0 : mapped[1] < pages ? 1 : 3;
        else if (colour - SENDER_COLOUR < COLOUR_RUN && mapped[2] < pages)
            to = 2;
        if (to < 3) {
            e = bst_frame_map(slot, ROOT_VS, bases[to] + mapped[to] * PAGE_SIZE, BST_RIGHTS_RW, 0);
            mapped[to]++;
            slot = slot_alloc();
        } else {
            e = bst_cnode_delete(ROOT_CNODE, slot, BST_ROOT_DEPTH);
        }
        if (e != BST_OK)
            return e;
    }
    return BST_OK;
}

/* One run: the sender reads `send`'s first send_stride_page bytes of each of `pages`
 * pages, the receiver probes `pages` pages of recv_base; every slot with `flush` and
 * `pad_us`. */
static void run_cache(const char *run, uint64_t send, uint64_t pages, uint64_t send_stride_page,
                      unsigned flush, uint64_t pad_us)
{
    uint64_t khz = env_bootinfo()->counter_khz;
    CHECK(khz > 0, "boot-info gives no counter frequency");
    if (test_failed() || recv_base == 0)
        return;
    ch.seq = ch.symbol = ch.done = 0;
    ch.n = 0;
    ch.gap_ticks = slot_us / 2 * khz / 1000; /* away longer: the other domains' slots */
    ch.send_buf = (const volatile uint8_t *)(uintptr_t)send;
    ch.recv_buf = (const volatile uint8_t *)(uintptr_t)recv_base;
    ch.send_bytes = ch.recv_bytes = pages * PAGE_SIZE;
    ch.send_stride_page = send_stride_page;
    static struct bst_tls tls[2];
    bst_cptr_t sender_tcb, receiver_tcb;
    CHECK_OK(start_in_domain(sender, 1, &tls[0], &sender_tcb));
    CHECK_OK(start_in_domain(receiver, 2, &tls[1], &receiver_tcb));
    uint64_t slots[3], lengths[3] = {slot_us, slot_us, slot_us};
    for (unsigned d = 0; d < 3; d++)
        slots[d] = BST_DOMAIN_SLOT(d, flush, pad_us);
    CHECK_OK(bst_domain_schedule_slots(DOMAIN_CONTROL, 3, slots, lengths));
    bool done = wait_eq(&ch.done, 1); /* spinning in our slot, as channel.c explains */
    CHECK_OK(bst_domain_schedule(DOMAIN_CONTROL, 0, NULL, NULL)); /* domain 0 only again */
    CHECK(done, "the receiver took %u of %u records", ch.n, records);
    if (!done)
        return;
    unsigned skipped = 0, ones = 0;
    for (unsigned i = WARMUP; i < records; i++) {
        skipped += ch.rec[i].seq != ch.rec[i - 1].seq + 1;
        ones += (unsigned)ch.rec[i].symbol;
    }
    for (unsigned i = WARMUP; i < records; i += 16) {
        bst_printf("tp-samples %s", run);
        for (unsigned j = i; j < i + 16 && j < records; j++)
            bst_printf(" %lu:%lu", (unsigned long)ch.rec[j].symbol, (unsigned long)ch.rec[j].probe);
        bst_printf("\n");
    }
    bst_printf("cache: run %s: %u symbols (%u ones), %u not after exactly one sender slot, "
               "%lu pages probed\n",
               run, symbols, ones, skipped, (unsigned long)pages);
    CHECK(skipped * 50 < symbols, "%u of %u records did not follow one sender slot", skipped,
          symbols);
    CHECK(ones > symbols / 4 && ones < symbols * 3 / 4, "the sender sent %u ones of %u", ones,
          symbols);
}

/* The three buffers, from an untyped of their own: two buffers from 8 of the 32
 * colours take 8 times a buffer's pages. */
static void test_buffers(void)
{
    bst_cptr_t ut;
    unsigned bits = 12;
    while ((1ull << bits) < llc_pages * PAGE_SIZE * 8)
        bits++;
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, bits, &ut));
    uint64_t bases[3];
    for (unsigned i = 0; i < 3; i++) { /* one 2 MiB L1 table each: LLC_PAGES_MAX pages */
        bases[i] = region_alloc();
        struct tables t;
        CHECK_OK(tables_map(ROOT_VS, bases[i], 1, &t));
    }
    CHECK_OK(map_coloured(ut, bases, llc_pages));
    if (test_failed())
        return;
    for (unsigned i = 0; i < 3; i++) /* touch every page once: no first-touch costs later */
        memset((void *)(uintptr_t)bases[i], (int)i + 1, llc_pages * PAGE_SIZE);
    recv_base = bases[0];
    shared_base = bases[1];
    coloured_base = bases[2];
    bst_printf("cache: %lu pages each: receiver and uncoloured sender in colours %u-%u, "
               "coloured sender in %u-%u of %u\n",
               (unsigned long)llc_pages, RECEIVER_COLOUR, RECEIVER_COLOUR + COLOUR_RUN - 1,
               SENDER_COLOUR, SENDER_COLOUR + COLOUR_RUN - 1, COLOURS);
}

static void test_l1d_open(void)
{
    run_cache("l1d-open", shared_base, L1D_PAGES, PAGE_SIZE / 2, 0, 0);
}

static void test_l1d_flushed(void)
{
    run_cache("l1d-flushed", shared_base, L1D_PAGES, PAGE_SIZE / 2, BST_DOMAIN_FLUSH_CORE, PAD_US);
}

static void test_llc_open(void)
{
    run_cache("llc-open", shared_base, llc_pages, PAGE_SIZE, 0, 0);
}

static void test_llc_flushed(void)
{
    run_cache("llc-flushed", shared_base, llc_pages, PAGE_SIZE, BST_DOMAIN_FLUSH_CORE, PAD_US);
}

static void test_llc_coloured(void)
{
    run_cache("llc-coloured", coloured_base, llc_pages, PAGE_SIZE, 0, 0);
}

static const struct test tests[] = {
    {test_buffers, "cache.buffers"},         {test_l1d_open, "cache.l1d_open"},
    {test_l1d_flushed, "cache.l1d_flushed"}, {test_llc_open, "cache.llc_open"},
    {test_llc_flushed, "cache.llc_flushed"}, {test_llc_coloured, "cache.llc_coloured"},
};

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int main(const struct bst_bootinfo *bi)
{
    symbols = (unsigned)clamp(harness_args_value(bi, "n=", SYMBOLS_MAX), SYMBOLS_MIN, SYMBOLS_MAX);
    records = symbols + WARMUP;
    bool small = harness_args_value(bi, "t=", 0) == 1;
    slot_us = small ? 200 : 1000;
    llc_pages = small ? LLC_PAGES_SMALL : LLC_PAGES_MAX;
    return harness_run("cache", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
