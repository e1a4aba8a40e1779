/*
 * The time-protection root task (suite system-timeprot; docs/testing.md): a timing
 * channel between two domains through the kernel, measured with and without protection.
 *
 * Three domains share the CPU in turn: the root's (0), the sender's (1) and the
 * receiver's (2), SLOT_US each. In each of its slots the sender sends one symbol, a
 * pseudo-random bit: 1, it spends the slot in system calls that do real kernel work
 * (retyping 64 KiB of untyped into frames, which zeroes them, then revoking them), so
 * that its slot often ends while the kernel works for it; 0, it spins in user mode. The
 * receiver spins reading the cycle counter; at the start of each of its slots it measures
 * how long it was away (the first counter reading after the gap less the last one
 * before it). Its own slot always ends while it spins, so any variation in that gap is
 * the time the receiver's slot began late: the sender's overrun.
 *
 * The labels (which symbol the sender sent in the slot just before) reach the receiver's
 * log through memory both threads see: that is the harness's ground truth, read only to
 * label a measurement, never part of it. The root prints every (symbol, gap) pair as
 * "tp-samples <run> s:gap ..." lines; tests/system/timeprot/channel_capacity.c (host)
 * estimates the mutual information between them.
 *
 * Run "open": no pad, no flush. Run "padded": every slot padded by PAD_US with the
 * on-core flushes: the receiver must see the same gap whatever the sender sent.
 */
#include "../roottask/roottask.h"

#include <bastion/domain.h>
#include <libbastion/start.h>
#include <libbastion/string.h>
#include <libbastion/tls.h>

#define DOMAIN_CONTROL ((bst_cptr_t)BST_SLOT_DOMAIN_CONTROL)
#define SLOT_US        150
#define PAD_US         40
#define SYMBOLS        1000
#define WARMUP         4 /* the first slots (threads starting mid-slot) are not counted */
#define RECORDS        (SYMBOLS + WARMUP)
#define SENDER_FRAMES  16  /* 64 KiB: one zeroing chunk of the kernel's */
#define GAP_US         100 /* away longer than this: another domain's slot came between */

static inline uint64_t counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* What the sender publishes (for the labels) and the receiver records. */
static struct channel {
    volatile uint64_t seq;    /* the sender's slots so far */
    volatile uint64_t symbol; /* what it sends in slot seq */
    volatile uint64_t done;   /* the receiver has RECORDS records */
    uint64_t gap_ticks;
    bst_cptr_t ut, dest;
    struct {
        uint64_t seq, symbol, gap;
    } rec[RECORDS];
    unsigned n;
} ch;

static void sender(struct probe_block *b)
{
    (void)b;
    uint64_t rng = 0x9e3779b97f4a7c15ull, last = counter(), seq = 0, symbol = 0;
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
            bst_untyped_retype(ch.ut, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, ch.dest, SENDER_FRAMES);
            bst_cnode_revoke(ROOT_CNODE, ch.ut, BST_ROOT_DEPTH);
        }
    }
}

static void receiver(struct probe_block *b)
{
    (void)b;
    uint64_t last = counter();
    for (;;) {
        uint64_t now = counter();
        if (now - last > ch.gap_ticks && ch.n < RECORDS) {
            ch.rec[ch.n].seq = ch.seq;
            ch.rec[ch.n].symbol = ch.symbol;
            ch.rec[ch.n].gap = now - last;
            if (++ch.n == RECORDS)
                ch.done = 1;
        }
        last = now;
    }
}

/* Start a same-space thread in `domain` at entry(NULL), with an IPC buffer (a fresh
 * frame) and a TLS block that names it: the sender's retype takes more arguments than
 * the registers hold. */
static bst_error_t start_in_domain(void (*entry)(struct probe_block *), uint64_t domain,
                                   struct bst_tls *tls)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t tcb, frame;
    bst_error_t e = tables_map(ROOT_VS, base, 1, &t);
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &frame);
    if (e == BST_OK)
        e = thread_new(ROOT_VS, HIGH_PRIO, &tcb);
    if (e == BST_OK)
        e = bst_tcb_set_ipc_buffer(tcb, base, frame);
    if (e == BST_OK)
        e = bst_domain_set(DOMAIN_CONTROL, tcb, domain);
    if (e != BST_OK)
        return e;
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = (uint64_t)(uintptr_t)entry;
    r.rsp = stack_alloc() - 8; /* as if called: entry sees rsp + 8 aligned to 16 */
    r.rflags = 0x202;
    r.fs_base = bst_tls_init(tls, (struct bst_ipc_buffer *)(uintptr_t)base);
    return bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r);
}

/* Print the run's records (after the warm-up) 16 to a line, for the host harness. */
static void print_samples(const char *run)
{
    for (unsigned i = WARMUP; i < RECORDS; i += 16) {
        bst_printf("tp-samples %s", run);
        for (unsigned j = i; j < i + 16 && j < RECORDS; j++)
            bst_printf(" %lu:%lu", (unsigned long)ch.rec[j].symbol, (unsigned long)ch.rec[j].gap);
        bst_printf("\n");
    }
}

/* One run: the schedule with `flush` and `pad_us` on every slot, SYMBOLS symbols. */
static void run_channel(const char *run, unsigned flush, uint64_t pad_us)
{
    uint64_t khz = env_bootinfo()->counter_khz;
    CHECK(khz > 0, "boot-info gives no counter frequency");
    ch.seq = ch.symbol = ch.done = 0;
    ch.n = 0;
    ch.gap_ticks = GAP_US * khz / 1000;
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, 16, &ch.ut));
    ch.dest = slot_alloc();
    for (unsigned i = 1; i < SENDER_FRAMES; i++)
        CHECK(slot_alloc() == ch.dest + i, "no %u consecutive slots", SENDER_FRAMES);
    static struct bst_tls tls[2];
    CHECK_OK(start_in_domain(sender, 1, &tls[0]));
    CHECK_OK(start_in_domain(receiver, 2, &tls[1]));
    uint64_t slots[3], lengths[3] = {SLOT_US, SLOT_US, SLOT_US};
    for (unsigned d = 0; d < 3; d++)
        slots[d] = BST_DOMAIN_SLOT(d, flush, pad_us);
    CHECK_OK(bst_domain_schedule_slots(DOMAIN_CONTROL, 3, slots, lengths));
    /* The root spins in its slot rather than block: an idle CPU under QEMU's -icount
     * lets virtual time follow the host's (sleep=on), which a loaded host makes late by
     * milliseconds, and that noise would drown both runs. */
    bool done = wait_eq(&ch.done, 1);
    CHECK_OK(bst_domain_schedule(DOMAIN_CONTROL, 0, NULL, NULL)); /* domain 0 only again */
    CHECK(done, "the receiver took no more than %u records", ch.n);
    unsigned skipped = 0, ones = 0;
    for (unsigned i = WARMUP; i < RECORDS; i++) {
        skipped += ch.rec[i].seq != ch.rec[i - 1].seq + 1;
        ones += (unsigned)ch.rec[i].symbol;
    }
    print_samples(run);
    bst_printf("tp: run %s: %u symbols (%u ones), %u not after exactly one sender slot\n", run,
               SYMBOLS, ones, skipped);
    CHECK(skipped * 50 < SYMBOLS, "%u of %u records did not follow one sender slot", skipped,
          SYMBOLS);
    CHECK(ones > SYMBOLS / 4 && ones < SYMBOLS * 3 / 4, "the sender sent %u ones of %u", ones,
          SYMBOLS);
}

static void test_channel_open(void)
{
    run_channel("open", 0, 0);
}

static void test_channel_padded(void)
{
    run_channel("padded", BST_DOMAIN_FLUSH_CORE, PAD_US);
}

/* DOMAIN_SCHEDULE's time-protection errors (docs/syscalls.md). */
static void test_schedule_errors(void)
{
    uint64_t len[1] = {1000}, slot[1];
    slot[0] = BST_DOMAIN_SLOT(0, 0, 901); /* leaves 99 us: below the minimum slot */
    CHECK_ERR(bst_domain_schedule_slots(DOMAIN_CONTROL, 1, slot, len), BST_INVALID_ARGUMENT);
    slot[0] = BST_DOMAIN_SLOT(0, 0x10, 0); /* an unknown flush flag */
    CHECK_ERR(bst_domain_schedule_slots(DOMAIN_CONTROL, 1, slot, len), BST_INVALID_ARGUMENT);
    slot[0] = BST_DOMAIN_SLOT(0, 0, 0) | (1ull << 48); /* a reserved bit */
    CHECK_ERR(bst_domain_schedule_slots(DOMAIN_CONTROL, 1, slot, len), BST_INVALID_ARGUMENT);
    slot[0] = BST_DOMAIN_SLOT(16, 0, 0);
    CHECK_ERR(bst_domain_schedule_slots(DOMAIN_CONTROL, 1, slot, len), BST_RANGE_ERROR);
    slot[0] = BST_DOMAIN_SLOT(0, BST_DOMAIN_FLUSH_ALL, 900); /* exactly 100 us left */
    CHECK_OK(bst_domain_schedule_slots(DOMAIN_CONTROL, 1, slot, len));
    CHECK_OK(bst_domain_schedule(DOMAIN_CONTROL, 0, NULL, NULL));
}

static const struct test tests[] = {
    {test_schedule_errors, "timeprot.schedule_errors"},
    {test_channel_open, "timeprot.channel_open"},
    {test_channel_padded, "timeprot.channel_padded"},
};

int main(const struct bst_bootinfo *bi)
{
    return harness_run("timeprot", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
