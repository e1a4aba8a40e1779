/*
 * channel_capacity: the host half of the time-protection test (suite system-timeprot).
 * Reads a serial log of tests/system/timeprot/channel.c, and for each run named on the
 * command line estimates the capacity of the timing channel it measured: the mutual
 * information between the sender's symbol and the receiver's measurement, in bits per
 * symbol.
 *
 *   channel_capacity [--prefix NAME] [--min-samples N] [--note TEXT] LOG RUN=VERDICT ...
 *
 * Estimator: the plug-in estimate over a joint histogram. The measurement (a gap in
 * counter ticks) keeps its exact value when a run has at most MAX_BINS distinct values
 * (under QEMU -icount it is a small set), else it is cut into MAX_BINS bins of equal
 * count (equal values always share a bin). The plug-in estimate is biased upwards on a
 * finite sample, so the noise threshold is measured, not assumed: the labels are
 * shuffled SHUFFLES times (a fixed seed: the figure is repeatable), which destroys any
 * relation between symbol and measurement, and the threshold is the largest estimate
 * over the shuffles. A run is open when its estimate exceeds the threshold, closed when
 * it does not. Each run named prints one result line, PASS when the verdict is the one
 * asked for, FAIL otherwise; exit status 0 when every line passed.
 *
 * VERDICT is open, closed or report. report asks for no verdict: the run's figure is
 * printed and its line passes when the log holds enough samples of it (the cache channel
 * harness, cache_channel.c, whose figures depend on the machine). --note TEXT ends every
 * result line with TEXT (run-cache-channel.sh: that a TCG figure is no measurement).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINS    16
#define MAX_SYMBOLS 2
#define SHUFFLES    200
#define MIN_SAMPLES 1000 /* the default; --min-samples N (`make test` samples 400) */

struct sample {
    unsigned symbol;
    uint64_t value;
    unsigned bin;
};

struct run {
    struct sample *s;
    size_t n, cap;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Read every "tp-samples <name> s:v ..." line of the log. */
static bool read_run(const char *log, const char *name, struct run *r)
{
    FILE *f = fopen(log, "r");
    if (f == NULL) {
        perror(log);
        return false;
    }
    char line[4096], tag[64];
    snprintf(tag, sizeof(tag), "tp-samples %s ", name);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = strstr(line, tag);
        if (p == NULL)
            continue;
        p += strlen(tag);
        unsigned sym;
        unsigned long long v;
        int used;
        while (sscanf(p, " %u:%llu%n", &sym, &v, &used) == 2) {
            if (r->n == r->cap) {
                r->cap = r->cap ? 2 * r->cap : 1024;
                r->s = realloc(r->s, r->cap * sizeof(*r->s));
                if (r->s == NULL)
                    abort();
            }
            r->s[r->n++] = (struct sample){sym < MAX_SYMBOLS ? sym : MAX_SYMBOLS - 1, v, 0};
            p += used;
        }
    }
    fclose(f);
    return true;
}

/* Give each sample its bin: its exact value's rank among few values, else a quantile. */
static unsigned assign_bins(struct run *r)
{
    uint64_t *v = malloc(r->n * sizeof(*v));
    if (v == NULL)
        abort();
    for (size_t i = 0; i < r->n; i++)
        v[i] = r->s[i].value;
    qsort(v, r->n, sizeof(*v), cmp_u64);
    size_t distinct = 0;
    for (size_t i = 0; i < r->n; i++)
        if (i == 0 || v[i] != v[i - 1])
            v[distinct++] = v[i];
    /* Bin edges: the distinct values themselves, or MAX_BINS quantiles of the samples. */
    uint64_t edge[MAX_BINS];
    unsigned bins;
    if (distinct <= MAX_BINS) {
        bins = (unsigned)distinct;
        for (unsigned b = 0; b < bins; b++)
            edge[b] = v[b];
    } else {
        for (size_t i = 0; i < r->n; i++)
            v[i] = r->s[i].value;
        qsort(v, r->n, sizeof(*v), cmp_u64);
        bins = 0;
        for (unsigned b = 0; b < MAX_BINS; b++) {
            uint64_t lo = v[r->n * b / MAX_BINS];
            if (bins == 0 || lo > edge[bins - 1])
                edge[bins++] = lo;
        }
    }
    for (size_t i = 0; i < r->n; i++) {
        unsigned b = 0;
        while (b + 1 < bins && r->s[i].value >= edge[b + 1])
            b++;
        r->s[i].bin = b;
    }
    free(v);
    return bins;
}

/* The plug-in mutual information of (labels[i], s[i].bin), in bits. */
static double mutual_information(const struct run *r, const unsigned *labels, unsigned bins)
{
    double joint[MAX_SYMBOLS][MAX_BINS] = {{0}}, px[MAX_SYMBOLS] = {0}, py[MAX_BINS] = {0};
    for (size_t i = 0; i < r->n; i++) {
        joint[labels[i]][r->s[i].bin] += 1;
        px[labels[i]] += 1;
        py[r->s[i].bin] += 1;
    }
    double mi = 0, n = (double)r->n;
    for (unsigned x = 0; x < MAX_SYMBOLS; x++)
        for (unsigned y = 0; y < bins; y++)
            if (joint[x][y] > 0)
                mi += joint[x][y] / n * log2(joint[x][y] * n / (px[x] * py[y]));
    return mi < 0 ? 0 : mi;
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The largest estimate over SHUFFLES shufflings of the labels: the noise threshold. */
static double shuffled_threshold(const struct run *r, unsigned bins)
{
    unsigned *labels = malloc(r->n * sizeof(*labels));
    if (labels == NULL)
        abort();
    for (size_t i = 0; i < r->n; i++)
        labels[i] = r->s[i].symbol;
    double worst = 0;
    for (unsigned k = 0; k < SHUFFLES; k++) {
        for (size_t i = r->n - 1; i > 0; i--) {
            size_t j = (size_t)(rng_next() % (i + 1));
            unsigned t = labels[i];
            labels[i] = labels[j];
            labels[j] = t;
        }
        double mi = mutual_information(r, labels, bins);
        worst = mi > worst ? mi : worst;
    }
    free(labels);
    return worst;
}

/* One run's verdict line; returns whether it is the expected one. */
enum verdict { WANT_OPEN, WANT_CLOSED, REPORT };

static bool judge(const char *prefix, const char *log, const char *name, enum verdict want,
                  size_t min_samples, const char *note)
{
    struct run r = {0};
    if (!read_run(log, name, &r) || r.n < min_samples) {
        printf("FAIL: %s.%s: %zu samples in %s, need %zu\n", prefix, name, r.n, log, min_samples);
        free(r.s);
        return false;
    }
    unsigned bins = assign_bins(&r);
    unsigned *labels = malloc(r.n * sizeof(*labels));
    if (labels == NULL)
        abort();
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < r.n; i++) {
        labels[i] = r.s[i].symbol;
        lo = r.s[i].value < lo ? r.s[i].value : lo;
        hi = r.s[i].value > hi ? r.s[i].value : hi;
    }
    double mi = mutual_information(&r, labels, bins), noise = shuffled_threshold(&r, bins);
    bool open = mi > noise, ok = want == REPORT || open == (want == WANT_OPEN);
    printf("%s: %s.%s: %.4f bits/symbol over %zu symbols, noise threshold %.4f (max of %d "
           "shuffles), %u bins, measurement %llu..%llu ticks: %s (%s)%s\n",
           ok ? "PASS" : "FAIL", prefix, name, mi, r.n, noise, SHUFFLES, bins,
           (unsigned long long)lo, (unsigned long long)hi, open ? "open" : "closed",
           want == REPORT      ? "no verdict asked"
           : want == WANT_OPEN ? "expected open"
                               : "expected closed",
           note);
    free(labels);
    free(r.s);
    return ok;
}

int main(int argc, char **argv)
{
    const char *prefix = "timeprot.capacity";
    size_t min_samples = MIN_SAMPLES;
    const char *note = "";
    int i = 1;
    for (; argc - i > 1 && strncmp(argv[i], "--", 2) == 0; i += 2) {
        char *end;
        if (strcmp(argv[i], "--prefix") == 0) {
            prefix = argv[i + 1];
        } else if (strcmp(argv[i], "--note") == 0) {
            note = argv[i + 1];
        } else if (strcmp(argv[i], "--min-samples") == 0) {
            min_samples = strtoul(argv[i + 1], &end, 10);
            if (*end != '\0' || min_samples < 100) {
                fprintf(stderr, "--min-samples: a number from 100 up, not '%s'\n", argv[i + 1]);
                return 2;
            }
        } else {
            break;
        }
    }
    if (argc - i < 2) {
        fprintf(stderr,
                "usage: %s [--prefix NAME] [--min-samples N] [--note TEXT] LOG "
                "RUN=open|closed|report ...\n",
                argv[0]);
        return 2;
    }
    const char *log = argv[i++];
    bool ok = true;
    for (; i < argc; i++) {
        char name[64];
        const char *eq = strchr(argv[i], '=');
        if (eq == NULL || (size_t)(eq - argv[i]) >= sizeof(name) ||
            (strcmp(eq + 1, "open") != 0 && strcmp(eq + 1, "closed") != 0 &&
             strcmp(eq + 1, "report") != 0)) {
            fprintf(stderr, "bad run '%s': RUN=open, RUN=closed or RUN=report\n", argv[i]);
            return 2;
        }
        memcpy(name, argv[i], (size_t)(eq - argv[i]));
        name[eq - argv[i]] = '\0';
        enum verdict want = strcmp(eq + 1, "open") == 0     ? WANT_OPEN
                            : strcmp(eq + 1, "closed") == 0 ? WANT_CLOSED
                                                            : REPORT;
        ok &= judge(prefix, log, name, want, min_samples, note);
    }
    return ok ? 0 : 1;
}
