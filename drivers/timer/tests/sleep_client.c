/*
 * timer_test_client (PDs a and b of drivers/timer/tests/system.xml; run.sh checks what
 * they print on the debug console). The program runs in init(); a and b run it at the
 * same time, so their deadlines interleave at the driver.
 *
 * Every timeout is checked at its *first* notification, not with timer_sleep() (which
 * would hide an early notification by waiting again): the timer's clock must have
 * reached the deadline (never early) and be less than SLACK_MS past it (TCG on a loaded
 * host: generous). With that rule:
 *
 * 1. Timeouts of several lengths, 0 to 150 ms.
 * 2. Cancel: a cancelled 10 ms timeout must never notify (the 40 ms one after it would
 *    be notified early). Replace: a 300 ms timeout replaced by a 20 ms one must notify
 *    once, near 20 ms, and never at 300 ms (a 500 ms one follows).
 * 3. Many short timeouts in a row (0 to 2 ms): deadlines that pass while the driver arms
 *    the device.
 * 4. The rate against independent clocks (a only): the TSC, at the rate the kernel
 *    measured at boot, over a 1000 ms timeout, within 10%; and the CMOS real-time clock
 *    (<ioport id="5">, ports 0x70-0x71): a 2500 ms timeout begun at the start of an RTC
 *    second must end within the second RTC second after it (within about 20%).
 * 5. b tells a it is done (channel 3); a ends the run with "timer test: done".
 */
#include <bastion/driver/cmos_rtc.h>
#include <bastion/driver/wait.h>
#include <bastion/timer/client.h>
#include <libbastion/string.h>
#include <libbastion/syscall.h>

#define TIMER 0
#define PEER  3

#define SLACK_MS 250 /* TCG on a loaded, shared host: generous */
#define RAPID    50
#define RTC      5 /* <ioport id="5"> (a only): CMOS index 0x70, data 0x71 */

static const char *name;
static bool is_a;
static uint64_t worst_late_us;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

/* Set a timeout of `us` and wait for its first notification; check it came when the
 * timer's clock had reached the deadline, and not SLACK_MS later. Quiet unless `say`. */
static bool checked_timeout(const char *what, uint64_t us, bool say)
{
    uint64_t deadline = timer_set_timeout(us * 1000);
    driver_wait(1ULL << TIMER);
    uint64_t now = timer_now();
    if (now < deadline) {
        bst_printf("%s: FAIL: %s: notified %lu us before its deadline\n", name, what,
                   (unsigned long)((deadline - now) / 1000));
        return false;
    }
    uint64_t late_us = (now - deadline) / 1000;
    if (late_us > worst_late_us)
        worst_late_us = late_us;
    bool ok = late_us < SLACK_MS * 1000ull;
    if (say || !ok)
        bst_printf("%s: %s: %s: notified %lu us after its deadline\n", name, ok ? "ok" : "FAIL",
                   what, (unsigned long)late_us);
    return ok;
}

static void lengths(void)
{
    static const unsigned a_ms[] = {5, 20, 100, 60, 0};
    static const unsigned b_ms[] = {7, 33, 150, 2, 1};
    for (unsigned i = 0; i < 5; i++) {
        char what[32];
        bst_snprintf(what, sizeof(what), "timeout %u ms", is_a ? a_ms[i] : b_ms[i]);
        checked_timeout(what, (is_a ? a_ms[i] : b_ms[i]) * 1000ull, true);
    }
}

static void cancel_and_replace(void)
{
    timer_set_timeout(10 * TIMER_NS_PER_MS);
    timer_cancel();
    checked_timeout("40 ms after a cancelled 10 ms timeout", 40000, true);

    timer_set_timeout(300 * TIMER_NS_PER_MS);
    checked_timeout("20 ms replacing a 300 ms timeout", 20000, true);
    checked_timeout("500 ms after the replaced 300 ms timeout", 500000, true);
}

static void rapid(void)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < RAPID; i++)
        ok += checked_timeout("rapid timeout", (i % 3) * 1000ull, false);
    bst_printf("%s: %s: %u of %u rapid timeouts (0 to 2 ms) on time\n", name,
               ok == RAPID ? "ok" : "FAIL", ok, RAPID);
}

static void tsc_check(void)
{
    uint64_t khz = bst_counter_khz(), before = timer_now(), tsc = rdtsc();
    checked_timeout("1000 ms against the TSC", 1000000, false);
    uint64_t tsc_us = (rdtsc() - tsc) * 1000 / khz, timer_us = (timer_now() - before) / 1000;
    bool ok = timer_us * 10 >= tsc_us * 9 && timer_us * 10 <= tsc_us * 11;
    bst_printf("a: %s: the timer counted %lu us while the TSC counted %lu us (within 10%%)\n",
               ok ? "ok" : "FAIL", (unsigned long)timer_us, (unsigned long)tsc_us);
}

static void rtc_check(void)
{
    unsigned start = cmos_rtc_next_second(RTC); /* from the start of a second */
    checked_timeout("2500 ms against the RTC", 2500000, false);
    unsigned spanned = cmos_rtc_elapsed(start, cmos_rtc_seconds(RTC));
    bst_printf("a: %s: a 2500 ms timeout from the start of an RTC second ends %u RTC seconds "
               "later (2 when the timer's rate is within about 20%%)\n",
               spanned == 2 ? "ok" : "FAIL", spanned);
}

void init(void)
{
    name = bst_pd_name();
    is_a = bst_strcmp(name, "a") == 0;
    timer_init(TIMER);
    bst_printf("%s: ready\n", name);

    lengths();
    cancel_and_replace();
    rapid();
    if (is_a) {
        tsc_check();
        rtc_check();
    }
    bst_printf("%s: worst lateness %lu us\n", name, (unsigned long)worst_late_us);
    if (!is_a) {
        bst_notify(PEER);
        return;
    }
    driver_wait(1ULL << PEER);
    bst_printf("timer test: done\n");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
