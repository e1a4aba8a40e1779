/*
 * Time on x86_64: the TSC is the cycle counter; its frequency is measured against the
 * PIT (a fixed 1.193182 MHz reference) at boot, never assumed (only a PIT that does not
 * count leaves CPUID's figure or a guess, with a warning). The LAPIC timer, which counts
 * at an unknown bus rate, is then measured against the TSC and drives the tick. Both
 * measurements hold however long the vCPU of an emulator is descheduled, wherever
 * (see "Calibration" below); the kernel option calib_stall=US tests that.
 *
 * One-shot deadlines (the tickless scheduler) use TSC-deadline mode when the CPU has it:
 * the deadline is written as an absolute TSC value, with no conversion and no rounding;
 * otherwise the LAPIC timer counts down the converted distance (at most a second ahead;
 * the scheduler re-arms when it fires early).
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/trap.h>
#include <kpercpu.h>
#include <kprintf.h>
#include <timer.h>

#define PIT_HZ                 1193182ull
#define PIT_CH2                0x42
#define PIT_CMD                0x43
#define PIT_GATE_PORT          0x61
#define PIT_CH2_MODE0          0xb0   /* channel 2, low then high byte, mode 0 (count down once) */
#define PIT_CH2_LATCH          0x80   /* channel 2, latch the count */
#define PIT_OUT2               0x20   /* in the gate port: channel 2's output, high at count 0 */
#define PIT_WINDOW_FROM        0xffff /* about 55 ms */
#define PIT_WINDOW_TO          0x4000 /* about 14 ms before count 0 (and a wrap) */
#define PIT_MAX_POLLS          (1u << 22) /* far more than 55 ms of polls, on any machine */
#define STAMP_TRIES            8
#define CALIBRATION_TRIES      6
#define CALIBRATION_GOOD_PPM   1000 /* a measurement known to within 0.1% is kept */
#define LAPIC_WINDOW_DIVISOR   100  /* 10 ms of TSC */
#define LAPIC_DIVIDE_BY_16     0x3
#define LVT_TIMER_TSC_DEADLINE BIT(18)
#define MSR_TSC_DEADLINE       0x6e0

static uint64_t tsc_hz;
static KCPU_DEFINE(bool, deadline_mode); /* this CPU's LVT is in TSC-deadline mode */
static uint64_t lapic_timer_hz;          /* after the divide-by-16 */
static uint32_t calib_stall_us;          /* fault injection: kernel option calib_stall=US */

uint64_t arch_counter_read(void)
{
    return rdtsc();
}

/* LFENCE before and after RDTSC: the read neither overtakes earlier instructions nor
 * lets later ones start early (Intel SDM on RDTSC; AMD with LFENCE serialising). */
uint64_t arch_counter_read_ordered(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

uint64_t arch_counter_hz(void)
{
    return tsc_hz;
}

void arch_timer_calibration_stall(uint32_t us)
{
    calib_stall_us = us;
}

/*
 * Calibration. The vCPU of an emulator can be descheduled by its host at any moment,
 * for milliseconds, while the PIT and the TSC (host time) go on; so nothing here
 * relies on how long anything takes. A stamp is a reference counter (PIT or LAPIC
 * timer) read between two TSC reads: the reference was read within the stamp's spread
 * of the midpoint. Each stamp is the narrowest of several tries (a deschedule during
 * a try widens it), and a rate is the counts between two stamps over the TSC cycles
 * between them, with a known bound on its error; a deschedule between the stamps
 * changes nothing.
 */
struct stamp {
    uint64_t tsc;    /* the midpoint of the two TSC reads around the reference's */
    uint64_t spread; /* TSC cycles between them; 0: no stamp could be taken */
    uint32_t count;  /* the reference counter, counting down */
};

enum measure_status { MEASURE_OK, MEASURE_DISTURBED, MEASURE_NO_REFERENCE };

struct rate {
    enum measure_status status;
    uint64_t hz;
    uint64_t error_ppm; /* the most the true rate can differ from hz, in parts per million */
};

/* Keep the try (t0, t1, count) in *best when it is narrower than what *best holds. */
static void stamp_keep_narrowest(struct stamp *best, uint64_t t0, uint64_t t1, uint32_t count)
{
    uint64_t spread = t1 - t0 + 1; /* never 0 */
    if (best->spread == 0 || spread < best->spread) {
        *best = (struct stamp){.tsc = t0 + (t1 - t0) / 2, .spread = spread, .count = count};
    }
}

/* How far off a rate from `counts` reference ticks between stamps a and b (b later,
 * counts > 0) can be, in ppm: half of each stamp's spread, and a tick of the reference
 * (each count is read somewhere within a tick). */
static uint64_t error_bound_ppm(struct stamp a, struct stamp b, uint64_t counts)
{
    uint64_t uncertainty = (a.spread + b.spread) / 2 + 1;
    return uncertainty * 1000000 / (b.tsc - a.tsc) + 1000000 / counts;
}

static uint16_t pit_ch2_count(void)
{
    outb(PIT_CMD, PIT_CH2_LATCH);
    uint8_t lo = inb(PIT_CH2);
    return (uint16_t)(lo | inb(PIT_CH2) << 8);
}

/* Fault injection: busy-wait calib_stall_us by PIT channel 2, which must be counting
 * (its count goes on down through 0). Polls are bounded: a dead PIT cannot hang it. */
static void calibration_stall_by_pit(void)
{
    if (calib_stall_us == 0) {
        return;
    }
    uint64_t want = calib_stall_us * PIT_HZ / 1000000, seen = 0;
    uint16_t last = pit_ch2_count();
    for (uint32_t polls = 0; seen < want && polls < PIT_MAX_POLLS; polls++) {
        uint16_t now = pit_ch2_count();
        seen += (uint16_t)(last - now);
        last = now;
    }
}

/* Fault injection: busy-wait calib_stall_us by the TSC, once its rate is known. */
static void calibration_stall_by_tsc(void)
{
    uint64_t start = rdtsc(), cycles = calib_stall_us * (tsc_hz / 1000000);
    while (rdtsc() - start < cycles) {
        cpu_relax();
    }
}

/* The narrowest of STAMP_TRIES (TSC, PIT channel 2) stamps; the try numbered
 * `stalled_try` gets the injected stall. No stamp (spread 0) once the count reached 0,
 * since it may have wrapped. */
static struct stamp pit_stamp(int stalled_try)
{
    struct stamp best = {0};
    for (int i = 0; i < STAMP_TRIES; i++) {
        uint64_t t0 = arch_counter_read_ordered();
        if (i == stalled_try) {
            calibration_stall_by_pit();
        }
        uint16_t count = pit_ch2_count();
        uint64_t t1 = arch_counter_read_ordered();
        if (inb(PIT_GATE_PORT) & PIT_OUT2) {
            break; /* this try and all later ones may have read a wrapped count */
        }
        stamp_keep_narrowest(&best, t0, t1, count);
    }
    return best;
}

/* Poll PIT channel 2 until its count is down to `to`: OK; DISTURBED if it reached 0
 * first; NO_REFERENCE if it does not count (the polls ran out). */
static enum measure_status pit_wait_down_to(uint16_t to)
{
    for (uint32_t polls = 0; polls < PIT_MAX_POLLS; polls++) {
        uint16_t count = pit_ch2_count();
        if (inb(PIT_GATE_PORT) & PIT_OUT2) {
            return MEASURE_DISTURBED;
        }
        if (count <= to) {
            return MEASURE_OK;
        }
    }
    return MEASURE_NO_REFERENCE;
}

/* One measurement of the TSC against PIT channel 2: a stamp as the count starts down
 * from PIT_WINDOW_FROM, a stamp once it is down to PIT_WINDOW_TO (before count 0, so
 * the count never wraps between the two). */
static struct rate tsc_rate_against_pit(void)
{
    uint8_t gate = inb(PIT_GATE_PORT) & ~0x03; /* gate low, speaker off */
    outb(PIT_GATE_PORT, gate);
    outb(PIT_CMD, PIT_CH2_MODE0);
    outb(PIT_CH2, PIT_WINDOW_FROM & 0xff);
    outb(PIT_CH2, PIT_WINDOW_FROM >> 8);
    outb(PIT_GATE_PORT, gate | 0x01); /* gate high: counting starts */
    /* The count reads undefined until the first tick has loaded it. */
    enum measure_status started = pit_wait_down_to(PIT_WINDOW_FROM - 1);
    calibration_stall_by_pit(); /* between starting the count and the first read */
    struct stamp start = pit_stamp(0);
    enum measure_status counted =
        started == MEASURE_OK && start.spread != 0 ? pit_wait_down_to(PIT_WINDOW_TO) : started;
    calibration_stall_by_pit(); /* between the end of the window and the final read */
    struct stamp end = pit_stamp(STAMP_TRIES - 1);
    outb(PIT_GATE_PORT, gate);
    if (counted == MEASURE_NO_REFERENCE) {
        return (struct rate){.status = MEASURE_NO_REFERENCE};
    }
    if (counted != MEASURE_OK || start.spread == 0 || end.spread == 0 || end.count >= start.count ||
        end.tsc <= start.tsc) {
        return (struct rate){.status = MEASURE_DISTURBED};
    }
    uint64_t ticks = start.count - end.count;
    return (struct rate){.status = MEASURE_OK,
                         .hz = (end.tsc - start.tsc) * PIT_HZ / ticks,
                         .error_ppm = error_bound_ppm(start, end, ticks)};
}

/* The better of two measurements: one that is OK, with the smaller error bound. */
static struct rate rate_better(struct rate a, struct rate b)
{
    if (a.status != MEASURE_OK) {
        return b;
    }
    return b.status == MEASURE_OK && b.error_ppm < a.error_ppm ? b : a;
}

/* Measure until a measurement is known to within CALIBRATION_GOOD_PPM, at most
 * CALIBRATION_TRIES times, or until the reference is found not to count; the best. */
static struct rate measure_best(struct rate (*measure)(void))
{
    struct rate best = {.status = MEASURE_DISTURBED};
    for (int i = 0; i < CALIBRATION_TRIES; i++) {
        best = rate_better(best, measure());
        if (best.status == MEASURE_NO_REFERENCE ||
            (best.status == MEASURE_OK && best.error_ppm <= CALIBRATION_GOOD_PPM)) {
            break;
        }
    }
    return best;
}

/* The narrowest of STAMP_TRIES (TSC, LAPIC timer current count) stamps. */
static struct stamp lapic_stamp(int stalled_try)
{
    struct stamp best = {0};
    for (int i = 0; i < STAMP_TRIES; i++) {
        uint64_t t0 = arch_counter_read_ordered();
        if (i == stalled_try) {
            calibration_stall_by_tsc();
        }
        uint32_t count = lapic_read(LAPIC_TIMER_CURRENT);
        uint64_t t1 = arch_counter_read_ordered();
        stamp_keep_narrowest(&best, t0, t1, count);
    }
    return best;
}

/* One measurement of the LAPIC timer (after divide-by-16) against the TSC: stamps
 * 10 ms of TSC apart, as the timer counts down from 2^32 - 1 (a minute or more). */
static struct rate lapic_rate_against_tsc(void)
{
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
    calibration_stall_by_tsc();
    struct stamp start = lapic_stamp(0);
    while (rdtsc() - start.tsc < tsc_hz / LAPIC_WINDOW_DIVISOR) {
        cpu_relax();
    }
    calibration_stall_by_tsc();
    struct stamp end = lapic_stamp(STAMP_TRIES - 1);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    if (end.count >= start.count || end.tsc <= start.tsc) {
        return (struct rate){.status = MEASURE_NO_REFERENCE};
    }
    uint64_t counts = start.count - end.count;
    return (struct rate){.status = MEASURE_OK,
                         .hz = counts * tsc_hz / (end.tsc - start.tsc),
                         .error_ppm = error_bound_ppm(start, end, counts)};
}

/* A rate's error bound as a percentage with two decimals, rounded up. */
static void print_error_bound(struct rate r)
{
    uint64_t hundredths = (r.error_ppm + 99) / 100;
    kprintf(" to within %lu.%02lu%%", hundredths / 100, hundredths % 100);
}

/* No usable PIT: the TSC's rate as CPUID reports it, or a guess, said loudly. */
static uint64_t tsc_hz_without_pit(struct rate r)
{
    uint64_t hz =
        cpu_features.tsc_khz_cpuid ? (uint64_t)cpu_features.tsc_khz_cpuid * 1000 : 1000000000ull;
    kprintf("timer: WARNING: %s; TSC taken as %lu MHz (%s)\n",
            r.status == MEASURE_NO_REFERENCE ? "PIT channel 2 does not count"
                                             : "every measurement against the PIT was disturbed",
            hz / 1000000, cpu_features.tsc_khz_cpuid ? "as CPUID reports it" : "a guess");
    return hz;
}

static void calibrate_tsc(void)
{
    struct rate r = measure_best(tsc_rate_against_pit);
    if (r.status != MEASURE_OK) {
        tsc_hz = tsc_hz_without_pit(r);
        return;
    }
    tsc_hz = r.hz;
    kprintf("timer: TSC %lu.%03lu MHz (measured against the PIT", tsc_hz / 1000000,
            (tsc_hz / 1000) % 1000);
    print_error_bound(r);
    if (cpu_features.tsc_khz_cpuid) {
        kprintf("; CPUID reports %u kHz", cpu_features.tsc_khz_cpuid);
    }
    kprintf("), %s\n", cpu_features.invariant_tsc ? "invariant" : "not invariant");
    if (r.error_ppm > CALIBRATION_GOOD_PPM) {
        kprintf("timer: WARNING: the TSC's rate is known to less than 0.1%%\n");
    }
}

void arch_timer_init(void)
{
    lapic_init();
    ioapic_init();
    calibrate_tsc();
    struct rate r = measure_best(lapic_rate_against_tsc);
    if (r.status != MEASURE_OK) {
        kprintf("timer: WARNING: the LAPIC timer does not count\n");
    }
    lapic_timer_hz = r.hz;
    kprintf("timer: LAPIC timer %lu kHz (after divide-by-16; measured against the TSC",
            lapic_timer_hz / 1000);
    print_error_bound(r);
    kprintf("); one-shot deadlines by %s\n",
            cpu_features.tsc_deadline ? "TSC-deadline mode" : "LAPIC one-shot countdown");
}

void arch_timer_start_periodic(uint32_t hz)
{
    KCPU(deadline_mode) = false;
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(lapic_timer_hz / hz));
}

void arch_timer_stop(void)
{
    if (KCPU(deadline_mode)) {
        wrmsr(MSR_TSC_DEADLINE, 0);
        KCPU(deadline_mode) = false;
    }
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
}

void arch_timer_oneshot(uint64_t deadline)
{
    if (deadline == 0) {
        arch_timer_stop();
        return;
    }
    if (cpu_features.tsc_deadline) {
        if (!KCPU(deadline_mode)) { /* the LVT mode first, ordered before the MSR write (SDM) */
            lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_TIMER);
            __asm__ volatile("mfence" ::: "memory");
            KCPU(deadline_mode) = true;
        }
        wrmsr(MSR_TSC_DEADLINE, deadline); /* a time already past fires at once */
        return;
    }
    uint64_t now = rdtsc(), delta = deadline > now ? deadline - now : 1;
    if (delta > tsc_hz) {
        delta = tsc_hz; /* at most a second ahead: the kernel re-arms when it fires */
    }
    uint64_t count = delta * lapic_timer_hz / tsc_hz;
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
    lapic_write(LAPIC_TIMER_INITIAL, count == 0 ? 1 : (uint32_t)count);
}
