/*
 * In-kernel system tests, for images booted by the test harness (scripts/qemu-run.sh).
 *
 * A test is a function registered with KTEST(group, name); `ktest=<selection>` on the
 * kernel command line runs every test whose full name ("group.name") equals the
 * selection or starts with "<selection>.". Results use the harness protocol:
 *
 *   BASTION-TEST-BEGIN
 *   PASS: <group.name>
 *   FAIL: <group.name>: <why>
 *   BASTION-TEST-END <passed> passed, <failed> failed
 *
 * after which the emulator exits with a pass or fail status. A test that provokes a
 * kernel fault on purpose declares it first with ktest_expect_fault(); the fault path
 * then checks kind, address and symbol, reports, and ends the run (a fault test must
 * be the last test of its selection).
 */
#ifndef BASTION_KTEST_H
#define BASTION_KTEST_H

#include "fault.h"
#include "ktypes.h"

struct ktest {
    const char *name;
    void (*run)(void);
};

#define KTEST(group, name)                                                                         \
    static void ktest_##group##_##name(void);                                                      \
    static const struct ktest ktest_entry_##group##_##name                                         \
        __attribute__((used, section(".ktests"), aligned(8))) = {#group "." #name,                 \
                                                                 ktest_##group##_##name};          \
    static void ktest_##group##_##name(void)

/* Record a failure of the running test (the first reason is the one reported). */
__attribute__((format(printf, 1, 2))) void ktest_fail(const char *fmt, ...);
#define KTEST_CHECK(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ktest_fail(__VA_ARGS__);                                                               \
        }                                                                                          \
    } while (0)

/* The next kernel fault is expected: of this kind, at this data address (for page
 * faults; 0 otherwise), in the function named `symbol`. */
void ktest_expect_fault(enum fault_kind kind, uint64_t address, const char *symbol);

/* Called from kernel_fault(): true when a test expected a fault (it has then been
 * reported as passed or failed), false for a real kernel bug. */
bool ktest_fault_expected(const struct fault_info *fi);

/* Run the selected tests, report, and exit the emulator. */
NORETURN void ktest_run(const char *selection);

/* Report the totals and exit the emulator with the matching status. */
NORETURN void ktest_finish(void);

/* Fail the running test, if any (used by the assertion path). */
void ktest_fail_current(const char *why);

#endif
