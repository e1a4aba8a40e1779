/*
 * The in-kernel test runner. See ktest.h for the protocol.
 */
#include <kprintf.h>
#include <kstring.h>
#include <ktest.h>
#include <machine.h>
#include <symbols.h>

extern const struct ktest _ktests_start[], _ktests_end[];

static const struct ktest *current;
static char failure[160];
static unsigned passed, failed;

static struct {
    bool armed;
    enum fault_kind kind;
    uint64_t address;
    const char *symbol;
} expected_fault;

void ktest_fail(const char *fmt, ...)
{
    if (failure[0] != '\0') {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(failure, sizeof(failure), fmt, ap);
    va_end(ap);
}

void ktest_fail_current(const char *why)
{
    if (current != NULL) {
        ktest_fail("%s", why);
        kprintf("FAIL: %s: %s\n", current->name, failure);
        failed++;
        current = NULL;
        ktest_finish();
    }
}

void ktest_expect_fault(enum fault_kind kind, uint64_t address, const char *symbol)
{
    expected_fault.kind = kind;
    expected_fault.address = address;
    expected_fault.symbol = symbol;
    expected_fault.armed = true;
}

static void report_current(void)
{
    if (failure[0] == '\0') {
        kprintf("PASS: %s\n", current->name);
        passed++;
    } else {
        kprintf("FAIL: %s: %s\n", current->name, failure);
        failed++;
    }
    current = NULL;
}

bool ktest_fault_expected(const struct fault_info *fi)
{
    if (!expected_fault.armed || current == NULL) {
        ktest_fail_current("unexpected kernel fault");
        return false;
    }
    expected_fault.armed = false;
    struct symbol_match m = symbol_lookup(fi->ip);
    KTEST_CHECK(fi->kind == expected_fault.kind, "fault kind %d, expected %d", fi->kind,
                expected_fault.kind);
    KTEST_CHECK(fi->address == expected_fault.address, "fault address %#lx, expected %#lx",
                fi->address, expected_fault.address);
    KTEST_CHECK(m.name != NULL && strcmp(m.name, expected_fault.symbol) == 0,
                "fault in %s, expected %s", m.name ? m.name : "?", expected_fault.symbol);
    report_current();
    return true;
}

static bool selected(const char *name, const char *selection)
{
    size_t n = strlen(selection);
    return strcmp(name, selection) == 0 || (strncmp(name, selection, n) == 0 && name[n] == '.');
}

void ktest_finish(void)
{
    kprintf("BASTION-TEST-END %u passed, %u failed\n", passed, failed);
    arch_emulator_exit(failed == 0 && passed > 0 ? MACHINE_EXIT_PASS : MACHINE_EXIT_FAIL);
    arch_halt();
}

void ktest_run(const char *selection)
{
    kprintf("BASTION-TEST-BEGIN %s\n", selection);
    for (const struct ktest *t = _ktests_start; t < _ktests_end; t++) {
        if (!selected(t->name, selection)) {
            continue;
        }
        current = t;
        failure[0] = '\0';
        kprintf("RUN: %s\n", t->name); /* the runner bounds each test on its own */
        t->run();
        if (expected_fault.armed) {
            ktest_fail("the expected fault did not happen");
            expected_fault.armed = false;
        }
        report_current();
    }
    if (passed + failed == 0) {
        kprintf("FAIL: ktest: no test matches '%s'\n", selection);
        failed++;
    }
    ktest_finish();
}
