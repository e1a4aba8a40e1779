/*
 * The coverage-guided system-call fuzzer for the real kernel (suite system-kcov-fuzz,
 * `make fuzz-qemu`; docs/testing.md, "Coverage-guided fuzzing in QEMU"). It runs on a
 * coverage kernel (KCOV=1), which counts the edges of its system-call, object, IPC,
 * thread, VM and IRQ code that the two fuzzing threads run, and reports them through
 * DEBUG_COVERAGE (bastion/coverage.h).
 *
 * The random system-call test's two threads and sandbox (tests/system/roottask/fuzz.h)
 * make the calls of its generator (fuzz_calls.c), but the root hands them one step at a
 * time: a call, and which thread makes it. A step the thread has not finished after a
 * few turns (it blocked, stopped or faulted) is left to finish later (another thread's
 * step may wake it); a later step for that thread starts it again first. An epoch is
 * EPOCH_STEPS steps in a fresh sandbox (from a pool given back after each), the
 * kernel's check of its objects and VSpaces every CHECK_EVERY epochs.
 *
 * Two runs of the same number of calls, the kernel's counts reset before each:
 *   random    every call fresh from the generator;
 *   feedback  after every step the kernel sorts each edge's runs into buckets
 *             (COLLECT); a step that brought an (edge, bucket) pair none had before is
 *             kept in the corpus with the steps just before it (the state they made is
 *             often what it needed). Half the steps are fresh; the rest replay a corpus
 *             sequence, changed or not (a word of a call, its label, length or
 *             system-call number, which thread makes a call, a call replaced by a fresh
 *             one, dropped, or taken from another sequence).
 * Every call goes through fuzz_call_run(), which keeps whatever the mutations made from
 * reaching the root (fuzz_calls.c, make_safe()).
 */
#include "../roottask/fuzz.h"

#include <bastion/coverage.h>
#include <libbastion/ipc.h>
#include <libbastion/start.h>

#define SEQ_MAX       4    /* steps in a corpus sequence */
#define CORPUS_MAX    1024 /* sequences kept; then a new one takes a random one's place */
#define EPOCH_STEPS   200  /* steps in one sandbox */
#define STEP_TURNS    3    /* root yields before a step not done counts as not finished */
#define CHECK_EVERY   8    /* epochs between the kernel's checks */
#define POOL_BITS     20   /* each sandbox's memory, given back after its epoch */
#define STACK_BYTES   8192
#define CALLS_DEFAULT 100000 /* per run; harness.args calls=N (FUZZ_QEMU_CALLS) */

struct step {
    uint8_t thread;
    struct fuzz_call call;
};

struct seq {
    unsigned n;
    struct step steps[SEQ_MAX];
};

/* The root and a thread share one mailbox: the root sets `call` and raises `go`; the
 * thread runs the call and sets `done` to `go`. */
struct mailbox {
    volatile uint64_t go, done;
    const struct fuzz_call *volatile call;
};

struct coverage {
    uint64_t hit, total, decode_hit, decode_total, runs;
};

/* One run's figures. */
struct run {
    const char *name;
    uint64_t calls, epochs, unfinished, restarts, kept;
    uint64_t cycles; /* of the cycle counter, start to end */
    struct coverage cov;
};

static struct fuzzer f[2];
static struct mailbox mail[2];
static struct sandbox sb;
static struct seq corpus[CORPUS_MAX];
static unsigned corpus_n;
static uint8_t stacks[2][STACK_BYTES] __attribute__((aligned(16)));
static uint64_t calls_per_run = CALLS_DEFAULT;
static struct run runs[2];
static uint64_t seed; /* harness.args seed=N: other random numbers */

static bst_error_t coverage_call(bst_coverage_op_t op, uint64_t arg, struct coverage *out)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_COVERAGE, .rdi = op, .mr = {arg}};
    bst_arch_syscall(&r);
    if (out != NULL)
        *out = (struct coverage){r.rdi, r.rsi, r.mr[0], r.mr[1], r.mr[2]};
    return (bst_error_t)r.rax;
}

/* COLLECT: the (edge, bucket) pairs no step had before. */
static uint64_t collect(void)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_COVERAGE, .rdi = BST_COVERAGE_COLLECT};
    bst_arch_syscall(&r);
    return r.rax == BST_OK ? r.rdi : 0;
}

static struct coverage coverage_now(void)
{
    struct coverage c = {0};
    coverage_call(BST_COVERAGE_INFO, 0, &c);
    return c;
}

static uint64_t cycles_now(void)
{
    struct bst_idle_cycles c = {0};
    bst_debug_idle_cycles(&c);
    return c.now;
}

static uint64_t counter_hz(void)
{
    struct bst_idle_cycles c = {0};
    bst_debug_idle_cycles(&c);
    return c.hz;
}

/* ---- The threads --------------------------------------------------------------------- */

/* A fuzzing thread's body: the calls its mailbox gives it, one at a time. */
static void stepper(struct probe_block *b)
{
    struct fuzz_state *s = (struct fuzz_state *)(uintptr_t)b->addr;
    struct mailbox *m = (struct mailbox *)(uintptr_t)b->arg;
    b->started = 1;
    for (;;) {
        while (m->done == m->go)
            bst_yield();
        uint64_t go = m->go;
        fuzz_call_run(s, m->call);
        m->done = go;
    }
}

static bool idle(unsigned t)
{
    return mail[t].done == mail[t].go;
}

static bst_error_t thread_restart(unsigned t)
{
    mail[t].done = mail[t].go; /* nothing in hand when it starts again */
    return fuzzer_start(&sb, &f[t]);
}

/* ---- Sequences ------------------------------------------------------------------------ */

static uint64_t rnd(uint64_t below)
{
    return fuzz_random(&f[0].s) % below;
}

/* Fresh calls from the generator for one thread (1 .. FUZZ_CALLS_MAX steps). */
static void seq_fresh(struct seq *q)
{
    unsigned t = (unsigned)rnd(2);
    struct fuzz_call calls[FUZZ_CALLS_MAX];
    q->n = fuzz_calls_next(&f[t].s, calls);
    for (unsigned i = 0; i < q->n; i++)
        q->steps[i] = (struct step){(uint8_t)t, calls[i]};
}

/* Word i of a call, in the order registers (9), IPC-buffer words, extra-cap addresses,
 * receive slot. */
#define CALL_WORDS (9 + FUZZ_MSG_WORDS + BST_MSG_MAX_EXTRA_CAPS + 3)
static uint64_t *call_word(struct fuzz_call *c, unsigned i)
{
    uint64_t *regs[9] = {&c->rax,   &c->rdi,   &c->rsi, &c->mr[0], &c->mr[1],
                         &c->mr[2], &c->mr[3], &c->r12, &c->r13};
    if (i < 9)
        return regs[i];
    i -= 9;
    if (i < FUZZ_MSG_WORDS)
        return &c->msg[i];
    i -= FUZZ_MSG_WORDS;
    if (i < BST_MSG_MAX_EXTRA_CAPS)
        return &c->caps[i];
    i -= BST_MSG_MAX_EXTRA_CAPS;
    return i == 0 ? &c->receive_cnode : i == 1 ? &c->receive_index : &c->receive_depth;
}

/* A word of the IPC buffer that is changed becomes one the call sets. */
static void call_word_set(struct fuzz_call *c, unsigned i)
{
    if (i >= 9 && i < 9 + FUZZ_MSG_WORDS && c->msg_count < i - 9 + 1)
        c->msg_count = (uint8_t)(i - 9 + 1);
    else if (i >= 9 + FUZZ_MSG_WORDS)
        c->scribble = 1;
}

static void mutate_word(struct step *st)
{
    unsigned i = (unsigned)rnd(CALL_WORDS);
    uint64_t *w = call_word(&st->call, i);
    call_word_set(&st->call, i);
    switch (rnd(8)) {
    case 0:
        *w ^= 1ull << rnd(64);
        break;
    case 1:
        *w += rnd(2) ? 1 : (uint64_t)-1;
        break;
    case 2: /* the same word of a corpus step */
        if (corpus_n > 0) {
            struct seq *o = &corpus[rnd(corpus_n)];
            *w = *call_word(&o->steps[rnd(o->n)].call, i);
        }
        break;
    default:
        *w = fuzz_value(&f[st->thread & 1].s);
        break;
    }
}

/* The message info word's label, length or extra-cap count. */
static void mutate_msginfo(struct fuzz_call *c)
{
    uint64_t label = bst_msginfo_label(c->rsi);
    unsigned length = bst_msginfo_length(c->rsi), caps = bst_msginfo_extra_caps(c->rsi);
    switch (rnd(3)) {
    case 0:
        label = rnd(BST_INVOCATION_COUNT + 2);
        break;
    case 1:
        length = (unsigned)rnd(12);
        break;
    default:
        caps = (unsigned)rnd(BST_MSG_MAX_EXTRA_CAPS + 1);
        break;
    }
    c->rsi = bst_msginfo_make(label, length, caps, 0);
}

static void mutate(struct seq *q)
{
    for (unsigned k = 1 + (unsigned)rnd(3); k > 0; k--) {
        unsigned i = (unsigned)rnd(q->n);
        struct step *st = &q->steps[i];
        switch (rnd(9)) {
        case 0:
        case 1:
        case 2:
            mutate_word(st);
            break;
        case 3:
            mutate_msginfo(&st->call);
            break;
        case 4:
            st->call.rax = BST_SYS_CALL + rnd(BST_SYS_YIELD);
            break;
        case 5:
            st->thread ^= 1;
            break;
        case 6: { /* a fresh call in its place */
            struct seq fresh;
            seq_fresh(&fresh);
            *st = fresh.steps[0];
            break;
        }
        case 7: /* dropped */
            if (q->n > 1) {
                for (; i + 1 < q->n; i++)
                    q->steps[i] = q->steps[i + 1];
                q->n--;
            }
            break;
        default: /* another sequence's step after it */
            if (q->n < SEQ_MAX) {
                const struct seq *o = &corpus[rnd(corpus_n)];
                q->steps[q->n++] = o->steps[rnd(o->n)];
            }
            break;
        }
    }
}

static void corpus_add(const struct step *const *last, unsigned n)
{
    struct seq *q = corpus_n < CORPUS_MAX ? &corpus[corpus_n++] : &corpus[rnd(CORPUS_MAX)];
    q->n = 0;
    for (unsigned i = 0; i < n; i++)
        q->steps[q->n++] = *last[i];
}

/* ---- Running ------------------------------------------------------------------------- */

/* Hand step `st` to its thread and give it a few turns. */
static void step_run(struct run *r, const struct step *st)
{
    unsigned t = st->thread & 1;
    if (!idle(t)) { /* still in an earlier step: blocked, stopped or faulted */
        CHECK_OK(thread_restart(t));
        r->restarts++;
    }
    mail[t].call = &st->call;
    mail[t].go = mail[t].go + 1;
    for (unsigned i = 0; i < STEP_TURNS && !idle(t); i++)
        CHECK_OK(bst_yield());
    r->calls++;
    if (!idle(t))
        r->unfinished++;
}

/* One epoch: a fresh sandbox and EPOCH_STEPS steps in it. Feedback: after each step the
 * kernel's COLLECT, and the step with those before it kept when it brought new pairs. */
static void epoch(struct run *r, bool feedback)
{
    static struct seq q;
    static struct step ring[SEQ_MAX]; /* the steps run last, for the corpus */
    unsigned ring_n = 0;
    CHECK_OK(sandbox_make(&sb, f));
    for (unsigned t = 0; t < 2; t++)
        CHECK_OK(thread_restart(t));
    if (feedback)
        collect(); /* what the threads did between epochs is no step's */
    for (unsigned n = 0; n < EPOCH_STEPS && r->calls < calls_per_run && !test_failed();) {
        if (!feedback || corpus_n == 0 || rnd(2) == 0) {
            seq_fresh(&q);
        } else {
            q = corpus[rnd(corpus_n)];
            if (rnd(4) != 0)
                mutate(&q);
        }
        for (unsigned i = 0; i < q.n && r->calls < calls_per_run && !test_failed(); i++, n++) {
            step_run(r, &q.steps[i]);
            if (!feedback)
                continue;
            if (ring_n == SEQ_MAX) {
                for (unsigned k = 0; k + 1 < SEQ_MAX; k++)
                    ring[k] = ring[k + 1];
                ring_n--;
            }
            ring[ring_n++] = q.steps[i];
            if (collect() > 0) {
                const struct step *last[SEQ_MAX];
                unsigned keep = ring_n < 3 ? ring_n : 3; /* it and the two before it */
                for (unsigned k = 0; k < keep; k++)
                    last[k] = &ring[ring_n - keep + k];
                corpus_add(last, keep);
                r->kept++;
            }
        }
    }
    for (unsigned t = 0; t < 2; t++)
        CHECK_OK(bst_tcb_suspend(f[t].tcb));
    r->epochs++;
    if (r->epochs % CHECK_EVERY == 0) {
        const char *broken = kernel_state_check(NULL);
        CHECK(broken == NULL, "%s run, epoch %lu: %s", r->name, (unsigned long)r->epochs, broken);
    }
    CHECK_OK(sandbox_delete(&sb, f));
}

/* One run of calls_per_run calls. */
static void run(struct run *r, bool feedback)
{
    CHECK_OK(coverage_call(BST_COVERAGE_RESET, 0, NULL));
    corpus_n = 0;
    uint64_t start = cycles_now();
    while (r->calls < calls_per_run && !test_failed())
        epoch(r, feedback);
    r->cycles = cycles_now() - start;
    r->cov = coverage_now();
    const char *broken = kernel_state_check(NULL);
    CHECK(broken == NULL, "at the end of the %s run: %s", r->name, broken);
}

static unsigned percent10(uint64_t part, uint64_t whole)
{
    return whole == 0 ? 0 : (unsigned)(part * 1000 / whole);
}

static void report(const struct run *r)
{
    uint64_t hz = counter_hz(), ms = hz == 0 ? 0 : r->cycles / (hz / 1000);
    unsigned all = percent10(r->cov.hit, r->cov.total);
    unsigned dec = percent10(r->cov.decode_hit, r->cov.decode_total);
    bst_printf("kcov: %s: %lu calls in %lu epochs (%lu not finished in their step, %lu "
               "restarts), %lu ms, %lu calls/s\n",
               r->name, (unsigned long)r->calls, (unsigned long)r->epochs,
               (unsigned long)r->unfinished, (unsigned long)r->restarts, (unsigned long)ms,
               (unsigned long)(ms == 0 ? 0 : r->calls * 1000 / ms));
    bst_printf("kcov: %s: kernel %lu/%lu edges (%u.%u%%), decode %lu/%lu (%u.%u%%), %lu edge "
               "runs, corpus %lu\n",
               r->name, (unsigned long)r->cov.hit, (unsigned long)r->cov.total, all / 10, all % 10,
               (unsigned long)r->cov.decode_hit, (unsigned long)r->cov.decode_total, dec / 10,
               dec % 10, (unsigned long)r->cov.runs, (unsigned long)r->kept);
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void setup(void)
{
    uint64_t ipc_region = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, ipc_region, 1, &t));
    CHECK_OK(fuzzer_new(&f[0], 0x9e3779b97f4a7c15ull + seed * 0x1234567, ipc_region));
    CHECK_OK(fuzzer_new(&f[1], 0xd1b54a32d192ed03ull + seed * 0x7654321, ipc_region + PAGE_SIZE));
    for (unsigned i = 0; i < 2; i++) {
        f[i].body = stepper;
        f[i].stack_top = (uint64_t)(uintptr_t)(stacks[i] + STACK_BYTES);
        f[i].b.arg = (uint64_t)(uintptr_t)&mail[i];
    }
    CHECK_OK(bst_debug_name(f[0].tcb, "kcov-a"));
    CHECK_OK(bst_debug_name(f[1].tcb, "kcov-b"));
    CHECK_OK(sandbox_pool(&sb, POOL_BITS));
}

/* The counts move for a traced thread's calls and for nothing else; the call's errors. */
static void test_counters(void)
{
    setup();
    if (test_failed())
        return;
    CHECK_OK(coverage_call(BST_COVERAGE_UNTRACE, 0, NULL));
    CHECK_OK(coverage_call(BST_COVERAGE_RESET, 0, NULL));
    struct coverage c = coverage_now();
    CHECK(c.total > 0 && c.decode_total > 0 && c.decode_total < c.total,
          "the kernel has %lu edges, %lu of them in decode: not a coverage kernel?",
          (unsigned long)c.total, (unsigned long)c.decode_total);
    CHECK(c.hit == 0 && c.runs == 0, "after a reset %lu edges are hit", (unsigned long)c.hit);
    CHECK_OK(bst_yield()); /* the root is not traced: nothing counts */
    c = coverage_now();
    CHECK(c.hit == 0 && c.runs == 0, "an untraced thread's calls counted %lu edges",
          (unsigned long)c.hit);
    CHECK_ERR(coverage_call(BST_COVERAGE_TRACE, ROOT_CNODE, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(coverage_call((bst_coverage_op_t)99, 0, NULL), BST_INVALID_ARGUMENT);
    CHECK_OK(coverage_call(BST_COVERAGE_TRACE, f[0].tcb, NULL));
    CHECK_OK(coverage_call(BST_COVERAGE_TRACE, f[1].tcb, NULL));
    CHECK_OK(coverage_call(BST_COVERAGE_TRACE, f[1].tcb, NULL)); /* again: no new entry */

    /* One epoch of a few calls moves the counts, some of them in decode, and COLLECT
     * sees them all as new once. */
    struct run r = {.name = "first"};
    uint64_t saved = calls_per_run;
    calls_per_run = 16;
    epoch(&r, false);
    calls_per_run = saved;
    if (test_failed())
        return;
    c = coverage_now();
    CHECK(c.hit > 0 && c.decode_hit > 0 && c.runs >= c.hit,
          "16 calls counted %lu edges (%lu in decode, %lu runs)", (unsigned long)c.hit,
          (unsigned long)c.decode_hit, (unsigned long)c.runs);
    CHECK(c.hit <= c.total && c.decode_hit <= c.decode_total, "more edges hit than there are");
    uint64_t pairs = collect();
    CHECK(pairs >= c.hit, "COLLECT found %lu new pairs for %lu edges hit", (unsigned long)pairs,
          (unsigned long)c.hit);
    CHECK(collect() == 0, "a second COLLECT found new pairs");
    bst_printf("kcov: %lu edges instrumented, %lu in decode; 16 calls hit %lu (%lu in decode)\n",
               (unsigned long)c.total, (unsigned long)c.decode_total, (unsigned long)c.hit,
               (unsigned long)c.decode_hit);
    CHECK_OK(coverage_call(BST_COVERAGE_RESET, 0, NULL));
    c = coverage_now();
    CHECK(c.hit == 0 && c.decode_hit == 0 && c.runs == 0, "a reset left %lu edges hit",
          (unsigned long)c.hit);
}

static void test_random(void)
{
    CHECK(sb.pool != 0, "no setup (kcov.counters failed)");
    runs[0].name = "random";
    run(&runs[0], false);
    report(&runs[0]);
    CHECK(runs[0].cov.hit > 0 && runs[0].cov.decode_hit > 0, "the random run hit no edge");
}

/* The feedback run, and what it reached that the random run did not. */
static void test_feedback(void)
{
    CHECK(runs[0].calls > 0, "no random run to compare with");
    runs[1].name = "feedback";
    run(&runs[1], true);
    report(&runs[1]);
    if (test_failed())
        return;
    const struct run *rd = &runs[0], *fb = &runs[1];
    CHECK(fb->kept > 0, "the feedback run kept nothing");
    bst_printf("kcov: feedback against random: kernel %lu against %lu edges, decode %lu against "
               "%lu\n",
               (unsigned long)fb->cov.hit, (unsigned long)rd->cov.hit,
               (unsigned long)fb->cov.decode_hit, (unsigned long)rd->cov.decode_hit);
    CHECK(fb->cov.hit >= rd->cov.hit,
          "feedback reached fewer edges (%lu) than as many random calls (%lu)",
          (unsigned long)fb->cov.hit, (unsigned long)rd->cov.hit);
    /* The kernel still works: a signal and a wait. */
    bst_cptr_t ntfn, badged = slot_alloc();
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, 0x5));
    uint64_t word = 0;
    CHECK_OK(bst_signal(badged));
    CHECK_OK(bst_wait(ntfn, &word));
    CHECK(word == 0x5, "a signal after the fuzzing came back as %lx", (unsigned long)word);
}

static const struct test tests[] = {
    {test_counters, "kcov.counters"},
    {test_random, "kcov.random"},
    {test_feedback, "kcov.feedback"},
};

int main(const struct bst_bootinfo *bi)
{
    calls_per_run = harness_args_value(bi, "calls=", CALLS_DEFAULT);
    seed = harness_args_value(bi, "seed=", 0);
    return harness_run("kcov", bi, tests, sizeof(tests) / sizeof(tests[0]));
}
