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
 *
 * Runs "irq-open" and "irq-protected" modulate a device instead: for 1 the sender starts
 * the PIT at 20 kHz at the start of its slot (its interrupts go to a notification bound
 * to the sender, which acknowledges them in its own slot), for 0 it stops it. Without
 * protection the PIT traps into the receiver's slot; the receiver counts the pauses
 * inside its slot (longer than STEAL_TICKS) as stolen time. The measurement of every
 * run is the time the receiver lost: the gap before its slot plus what was stolen in it.
 * Protected, the PIT's line is masked for the receiver's slot and its interrupts wait
 * for the sender's (docs/kernel.md, "Deferred interrupts").
 */
#include "domain_thread.h"

#include <bastion/domain.h>
#include <libbastion/ipc.h>
#include <libbastion/start.h>
#include <libbastion/string.h>
#include <libbastion/tls.h>

#define SLOT_US        150
#define PAD_US         40
#define SYMBOLS_MAX    1000 /* `make bench`'s runs; `make test` asks for fewer */
#define SYMBOLS_MIN    100
#define WARMUP         4 /* the first slots (threads starting mid-slot) are not counted */
#define RECORDS_MAX    (SYMBOLS_MAX + WARMUP)
#define SENDER_FRAMES  16  /* 64 KiB: one zeroing chunk of the kernel's */
#define GAP_US         100 /* away longer than this: another domain's slot came between */
#define STEAL_TICKS    60  /* a pause this long inside the receiver's slot: a trap */
#define IRQ_CONTROL    ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define IOPORT_CONTROL ((bst_cptr_t)BST_SLOT_IOPORT_CONTROL)
#define PIT_LINE       2  /* the PIT's ISA IRQ 0 arrives on IOAPIC line 2 */
#define PIT_RELOAD     60 /* 1.193182 MHz / 60: an interrupt every 50 us */

/* What the sender modulates: its own kernel work (the slot overrun), or a device's
 * interrupts (the PIT, running or stopped) that land in the receiver's slot. */
enum mode { MODE_KERNEL_WORK, MODE_INTERRUPTS };

/* What the sender publishes (for the labels) and the receiver records. */
static struct channel {
    volatile uint64_t seq;    /* the sender's slots so far */
    volatile uint64_t symbol; /* what it sends in slot seq */
    volatile uint64_t done;   /* the receiver has `records` records */
    uint64_t interrupts;      /* MODE_INTERRUPTS: how many the sender took */
    uint64_t gap_ticks;
    enum mode mode;
    bst_cptr_t ut, dest;       /* MODE_KERNEL_WORK: the sender's untyped, 16 free slots */
    bst_cptr_t pit, irq, ntfn; /* MODE_INTERRUPTS: the PIT's ports, handler, notification */
    struct {
        uint64_t seq, symbol, gap, stolen;
    } rec[RECORDS_MAX];
    unsigned n;
} ch;

/* Symbols a run (the harness argument symbols=N, SYMBOLS_MIN to SYMBOLS_MAX), and the
 * records that takes with the warm-up. */
static unsigned symbols = SYMBOLS_MAX, records = SYMBOLS_MAX + WARMUP;

static void pit_out(uint64_t port, uint64_t value)
{
    uint64_t args[2] = {port, value};
    bst_invoke(ch.pit, BST_INV_IOPORT_OUT8, args, 2, NULL, 0);
}

/* Channel 0 as a rate generator (mode 2) every PIT_RELOAD ticks, or one shot (mode 0),
 * which fires once and then stays quiet. */
static void pit_run(bool run)
{
    pit_out(0x43, run ? 0x34 : 0x30);
    pit_out(0x40, run ? PIT_RELOAD : 1);
    pit_out(0x40, 0);
}

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
            if (ch.mode == MODE_INTERRUPTS)
                pit_run(symbol != 0);
        }
        last = now;
        if (ch.mode == MODE_INTERRUPTS) { /* take the PIT's interrupts in our own slot */
            uint64_t word;
            if (bst_poll(ch.ntfn, &word) == BST_OK && word != 0) {
                bst_invoke(ch.irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0);
                ch.interrupts++;
            }
        } else if (symbol) {
            bst_untyped_retype(ch.ut, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, ch.dest, SENDER_FRAMES);
            bst_cnode_revoke(ROOT_CNODE, ch.ut, BST_ROOT_DEPTH);
        }
    }
}

/* Per slot: the gap before it (how late it began) and the time stolen inside it (pauses
 * longer than STEAL_TICKS: traps), the latter known when the next slot begins. */
static void receiver(struct probe_block *b)
{
    (void)b;
    uint64_t last = counter(), stolen = 0;
    for (;;) {
        uint64_t now = counter(), d = now - last;
        if (d > ch.gap_ticks && !ch.done) {
            if (ch.n > 0)
                ch.rec[ch.n - 1].stolen = stolen;
            if (ch.n == records) {
                ch.done = 1;
            } else {
                ch.rec[ch.n].seq = ch.seq;
                ch.rec[ch.n].symbol = ch.symbol;
                ch.rec[ch.n].gap = d;
                ch.n++;
            }
            stolen = 0;
        } else if (d > STEAL_TICKS) {
            stolen += d;
        }
        last = now;
    }
}

/* Print the run's records (after the warm-up) 16 to a line, for the host harness: the
 * measurement is the time the receiver lost, before its slot and inside it. */
static void print_samples(const char *run)
{
    for (unsigned i = WARMUP; i < records; i += 16) {
        bst_printf("tp-samples %s", run);
        for (unsigned j = i; j < i + 16 && j < records; j++)
            bst_printf(" %lu:%lu", (unsigned long)ch.rec[j].symbol,
                       (unsigned long)(ch.rec[j].gap + ch.rec[j].stolen));
        bst_printf("\n");
    }
}

/* The PIT's ports and its line, delivered to a notification bound to the sender (so its
 * interrupts belong to the sender's domain); the PIT stopped. */
static void setup_pit(void)
{
    ch.pit = slot_alloc();
    uint64_t io[4] = {0x40, 0x43, ROOT_CNODE, ch.pit};
    CHECK_OK(bst_invoke(IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE, io, 4, NULL, 0));
    ch.irq = slot_alloc();
    uint64_t line[5] = {PIT_LINE, 0, 0, ROOT_CNODE, ch.irq};
    CHECK_OK(bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_IOAPIC, line, 5, NULL, 0));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ch.ntfn));
    bst_cptr_t badged = slot_alloc(); /* a badge, or the signal sets no bit */
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ch.ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_RW, 1));
    CHECK_OK(bst_invoke(ch.irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &badged, 1, NULL, 0));
    pit_run(false);
    CHECK_OK(bst_invoke(ch.irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0));
}

static void teardown_pit(void)
{
    pit_run(false);
    bst_cnode_delete(ROOT_CNODE, ch.irq, BST_ROOT_DEPTH); /* masks the line, frees it */
    bst_cnode_delete(ROOT_CNODE, ch.pit, BST_ROOT_DEPTH);
}

/* One run: the schedule with `flush` and `pad_us` on every slot, `symbols` symbols. */
static void run_channel(const char *run, enum mode mode, unsigned flush, uint64_t pad_us)
{
    uint64_t khz = env_bootinfo()->counter_khz;
    CHECK(khz > 0, "boot-info gives no counter frequency");
    ch.seq = ch.symbol = ch.done = ch.interrupts = 0;
    ch.n = 0;
    ch.gap_ticks = GAP_US * khz / 1000;
    ch.mode = mode;
    if (mode == MODE_INTERRUPTS)
        setup_pit();
    if (test_failed())
        return;
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, 16, &ch.ut));
    ch.dest = slot_alloc();
    for (unsigned i = 1; i < SENDER_FRAMES; i++)
        CHECK(slot_alloc() == ch.dest + i, "no %u consecutive slots", SENDER_FRAMES);
    static struct bst_tls tls[2];
    bst_cptr_t sender_tcb, receiver_tcb;
    CHECK_OK(start_in_domain(sender, 1, &tls[0], &sender_tcb));
    if (mode == MODE_INTERRUPTS)
        CHECK_OK(bst_tcb_bind_notification(sender_tcb, ch.ntfn));
    CHECK_OK(start_in_domain(receiver, 2, &tls[1], &receiver_tcb));
    uint64_t slots[3], lengths[3] = {SLOT_US, SLOT_US, SLOT_US};
    for (unsigned d = 0; d < 3; d++)
        slots[d] = BST_DOMAIN_SLOT(d, flush, pad_us);
    CHECK_OK(bst_domain_schedule_slots(DOMAIN_CONTROL, 3, slots, lengths));
    /* The root spins in its slot rather than block: an idle CPU under QEMU's -icount
     * lets virtual time follow the host's (sleep=on), which a loaded host makes late by
     * milliseconds, and that noise would drown both runs. */
    bool done = wait_eq(&ch.done, 1);
    CHECK_OK(bst_domain_schedule(DOMAIN_CONTROL, 0, NULL, NULL)); /* domain 0 only again */
    if (mode == MODE_INTERRUPTS)
        teardown_pit();
    CHECK(done, "the receiver took no more than %u records", ch.n);
    unsigned skipped = 0, ones = 0;
    for (unsigned i = WARMUP; i < records; i++) {
        skipped += ch.rec[i].seq != ch.rec[i - 1].seq + 1;
        ones += (unsigned)ch.rec[i].symbol;
    }
    print_samples(run);
    bst_printf("tp: run %s: %u symbols (%u ones), %u not after exactly one sender slot, %lu "
               "interrupts taken by the sender\n",
               run, symbols, ones, skipped, (unsigned long)ch.interrupts);
    CHECK(skipped * 50 < symbols, "%u of %u records did not follow one sender slot", skipped,
          symbols);
    CHECK(ones > symbols / 4 && ones < symbols * 3 / 4, "the sender sent %u ones of %u", ones,
          symbols);
}

static void test_channel_open(void)
{
    run_channel("open", MODE_KERNEL_WORK, 0, 0);
}

static void test_channel_padded(void)
{
    run_channel("padded", MODE_KERNEL_WORK, BST_DOMAIN_FLUSH_CORE, PAD_US);
}

static void test_irq_open(void)
{
    run_channel("irq-open", MODE_INTERRUPTS, 0, 0);
}

static void test_irq_protected(void)
{
    run_channel("irq-protected", MODE_INTERRUPTS, BST_DOMAIN_FLUSH_CORE, PAD_US);
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
    {test_irq_open, "timeprot.irq_open"},
    {test_irq_protected, "timeprot.irq_protected"},
    {test_channel_padded, "timeprot.channel_padded"},
};

int main(const struct bst_bootinfo *bi)
{
    uint64_t n = harness_args_value(bi, "symbols=", SYMBOLS_MAX);
    symbols = n < SYMBOLS_MIN ? SYMBOLS_MIN : n > SYMBOLS_MAX ? SYMBOLS_MAX : (unsigned)n;
    records = symbols + WARMUP;
    return harness_run("timeprot", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
