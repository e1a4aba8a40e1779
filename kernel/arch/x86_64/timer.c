/*
 * Time on x86_64: the TSC is the cycle counter; its frequency is measured against the
 * PIT (a fixed 1.193182 MHz reference) at boot, never assumed. The LAPIC timer, which
 * counts at an unknown bus rate, is then measured against the TSC and drives the tick.
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
#include <kprintf.h>
#include <timer.h>

#define PIT_HZ                 1193182ull
#define PIT_CH2                0x42
#define PIT_CMD                0x43
#define PIT_GATE_PORT          0x61
#define PIT_MEASURE_MS         25
#define LAPIC_DIVIDE_BY_16     0x3
#define LVT_TIMER_TSC_DEADLINE BIT(18)
#define MSR_TSC_DEADLINE       0x6e0

static uint64_t tsc_hz;
static bool deadline_mode;      /* the LVT is in TSC-deadline mode */
static uint64_t lapic_timer_hz; /* after the divide-by-16 */

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

/* TSC cycles elapsed while PIT channel 2 counts down PIT_MEASURE_MS milliseconds. */
static uint64_t tsc_cycles_in_pit_window(void)
{
    uint16_t count = (uint16_t)(PIT_HZ * PIT_MEASURE_MS / 1000);
    uint8_t gate = inb(PIT_GATE_PORT) & ~0x03; /* gate low, speaker off */
    outb(PIT_GATE_PORT, gate);
    outb(PIT_CMD, 0xb0); /* channel 2, low then high byte, mode 0 (count down once) */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);
    outb(PIT_GATE_PORT, gate | 0x01); /* gate high: counting starts */
    uint64_t start = rdtsc();
    while (!(inb(PIT_GATE_PORT) & 0x20)) {
        cpu_relax();
    }
    uint64_t end = rdtsc();
    outb(PIT_GATE_PORT, gate);
    return end - start;
}

/* The median of three measurements, to shrug off one disturbed window. */
static uint64_t measure_tsc_hz(void)
{
    uint64_t m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = tsc_cycles_in_pit_window();
    }
    uint64_t lo = m[0] < m[1] ? m[0] : m[1], hi = m[0] < m[1] ? m[1] : m[0];
    uint64_t median = m[2] < lo ? lo : m[2] > hi ? hi : m[2];
    return median * 1000 / PIT_MEASURE_MS;
}

static uint64_t measure_lapic_timer_hz(void)
{
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
    uint64_t start = rdtsc(), window = tsc_hz / 100; /* 10 ms */
    while (rdtsc() - start < window) {
        cpu_relax();
    }
    uint32_t counted = 0xffffffff - lapic_read(LAPIC_TIMER_CURRENT);
    uint64_t elapsed = rdtsc() - start;
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    return (uint64_t)counted * tsc_hz / elapsed;
}

void arch_timer_init(void)
{
    lapic_init();
    ioapic_init();
    tsc_hz = measure_tsc_hz();
    kprintf("timer: TSC %lu.%03lu MHz (measured against the PIT", tsc_hz / 1000000,
            (tsc_hz / 1000) % 1000);
    if (cpu_features.tsc_khz_cpuid) {
        kprintf("; CPUID reports %u kHz", cpu_features.tsc_khz_cpuid);
    }
    kprintf("), %s\n", cpu_features.invariant_tsc ? "invariant" : "not invariant");
    lapic_timer_hz = measure_lapic_timer_hz();
    kprintf("timer: LAPIC timer %lu kHz (after divide-by-16); one-shot deadlines by %s\n",
            lapic_timer_hz / 1000,
            cpu_features.tsc_deadline ? "TSC-deadline mode" : "LAPIC one-shot countdown");
}

void arch_timer_start_periodic(uint32_t hz)
{
    deadline_mode = false;
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(lapic_timer_hz / hz));
}

void arch_timer_stop(void)
{
    if (deadline_mode) {
        wrmsr(MSR_TSC_DEADLINE, 0);
        deadline_mode = false;
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
        if (!deadline_mode) { /* the LVT mode first, ordered before the MSR write (SDM) */
            lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_TIMER);
            __asm__ volatile("mfence" ::: "memory");
            deadline_mode = true;
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
