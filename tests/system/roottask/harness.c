/*
 * The test harness shared by the root tasks built from this directory (roottask-tests,
 * ipc-tests): runs a table of tests in order and prints the protocol (docs/testing.md)
 * on the debug console:
 *
 *   BASTION-TEST-BEGIN <suite>
 *   BASTION-TEST-RESUMABLE
 *   RUN: <test>, then PASS: <test>  |  FAIL: <test>: <why>
 *   BASTION-TEST-END <n> passed, <n> failed
 *
 * RUN lets the runner bound each test on its own; RESUMABLE tells it that a boot with
 * `from=N` (harness_args.c) runs the table from test N, so that after a hung test the
 * rest of the suite still runs.
 *
 * After each test the kernel checks its own state (DEBUG_CHECK_STATE): the object
 * layer's invariants and the VSpace oracle (kernel/include/vm/vspace_check.h). A test
 * that leaves either broken fails, even if every check of its own held.
 */
#include "roottask.h"

#include <libbastion/string.h>

static bool current_failed;
static char current_why[200];

void test_fail(const char *fmt, ...)
{
    if (current_failed)
        return;
    current_failed = true;
    va_list ap;
    va_start(ap, fmt);
    bst_vsnprintf(current_why, sizeof(current_why), fmt, ap);
    va_end(ap);
}

bool test_failed(void)
{
    return current_failed;
}

const char *kernel_state_check(uint64_t *entries)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_CHECK_STATE};
    bst_arch_syscall(&r);
    if (entries != NULL)
        *entries = r.rsi;
    if (r.rax != BST_OK)
        return "DEBUG_CHECK_STATE failed";
    if (!(r.rdi & 1))
        return "the kernel's objects break an invariant (its 'check:' line says which)";
    if (!(r.rdi & 2))
        return "a VSpace maps what no live cap records (the kernel's 'check:' line says where)";
    return NULL;
}

/* Whether `name` holds `part`. */
static bool name_holds(const char *name, const char *part)
{
    size_t n = bst_strlen(name), p = bst_strlen(part);
    for (size_t i = 0; i + p <= n; i++)
        if (bst_strncmp(name + i, part, p) == 0)
            return true;
    return false;
}

int harness_run(const char *suite, const struct bst_bootinfo *bi, const struct test *tests,
                unsigned n)
{
    bst_printf("BASTION-TEST-BEGIN %s\n", suite);
    if (!env_init(bi)) {
        bst_printf("FAIL: %s.bootinfo: bad magic %lx or version %u\n", suite,
                   (unsigned long)bi->magic, bi->version);
        bst_printf("BASTION-TEST-END 0 passed, 1 failed\n");
        return 1;
    }
    bst_printf("%s: %u untyped caps in slots [%lu, %lu), free slots [%lu, %lu)\n", suite,
               bi->n_untyped, (unsigned long)bi->untyped.start, (unsigned long)bi->untyped.end,
               (unsigned long)bi->empty.start, (unsigned long)bi->empty.end);

    for (uint32_t i = 0; i < bi->n_untyped && i < 4; i++)
        bst_printf("%s: untyped slot %lu: %lx, 2^%u bytes%s\n", suite,
                   (unsigned long)(bi->untyped.start + i), (unsigned long)bi->untyped_list[i].paddr,
                   bi->untyped_list[i].size_bits, bi->untyped_list[i].is_device ? ", device" : "");

    struct harness_args args = harness_args_read(bi);
    if (args.only[0] != '\0')
        bst_printf("%s: only the tests whose name holds '%s'\n", suite, args.only);
    /* Every test assumes the root at ROOT_PRIO (the first test of each suite checks that
     * the root can set it); a boot resumed after a hung test must assume the same. */
    if (bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO) != BST_OK)
        bst_printf("%s: cannot set the root's priority\n", suite);
    bst_printf("BASTION-TEST-RESUMABLE\n");
    if (args.first > 0)
        bst_printf("%s: resumed at test %lu of %u\n", suite, (unsigned long)args.first, n);
    unsigned passed = 0, failed = 0;
    for (unsigned i = (unsigned)(args.first < n ? args.first : n); i < n; i++) {
        if (args.only[0] != '\0' && !name_holds(tests[i].name, args.only))
            continue;
        current_failed = false;
        current_why[0] = '\0';
        bst_printf("RUN: %s\n", tests[i].name);
        while (i == args.hang) /* asked to hang: the runner's per-test bound must end this */
            __asm__ volatile("pause");
        tests[i].fn();
        threads_reap();
        const char *broken = kernel_state_check(NULL);
        if (broken != NULL)
            test_fail("after the test, %s", broken);
        if (current_failed) {
            bst_printf("FAIL: %s: %s\n", tests[i].name, current_why);
            failed++;
        } else {
            bst_printf("PASS: %s\n", tests[i].name);
            passed++;
        }
    }
    bst_printf("BASTION-TEST-END %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
