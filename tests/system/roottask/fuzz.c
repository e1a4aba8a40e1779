/*
 * Random system calls against the real kernel (fuzz.h; the calls: fuzz_calls.c). Two
 * threads, each with a scheduling context and an IPC buffer, share a sandbox CNode as
 * their CSpace. It holds an untyped, endpoints, a notification, a reply object,
 * frames (one of device memory, one a copy of thread A's IPC buffer frame), a VSpace
 * with a page table of each level, an I/O port, an unconfigured scheduling context,
 * caps to both threads, and the caps their own CSpace and VSpace caps derive from, so
 * that a revoke in the sandbox takes a running thread's spaces away.
 *
 * Whatever they do, the kernel must answer with an error code or do what was asked,
 * and never panic, hang or corrupt itself. The root runs beside them: it restarts a
 * thread whose calls stop (blocked for good, suspended, its spaces gone), with its
 * spaces rebuilt; every 1000 rounds, and at the end of each epoch before anything is
 * deleted, it asks the kernel to check its objects and every VSpace
 * (kernel_state_check: the VSpace oracle). Every EPOCH_CALLS calls the sandbox, which
 * the threads' deletes empty as they go, is deleted and made afresh. At the end the
 * kernel must still hold together and work.
 * It also checks that the shaped calls got through to the kernel's real work (maps,
 * retypes, copies, thread control, revokes of a running thread's own spaces), so the
 * test cannot pass by making only calls that fail at decoding.
 */
#include "fuzz.h"

#include <bastion/capdata.h>
#include <libbastion/device.h>
#include <libbastion/ipc.h>

#define EPOCHS       20   /* each with a fresh sandbox */
#define EPOCH_CALLS  3000 /* both threads together */
#define EPOCH_ROUNDS 6000
#define CHECK_EVERY  1000

static uint64_t total_calls(const struct fuzzer *f)
{
    return f[0].s.calls + f[1].s.calls;
}

static uint64_t sum_ok(const struct fuzzer *f, unsigned label)
{
    return f[0].s.ok[label] + f[1].s.ok[label];
}

/* The shaped calls reached the kernel's real work. */
static void check_coverage(const struct fuzzer *f)
{
    static const unsigned must[] = {
        BST_INV_UNTYPED_RETYPE,      BST_INV_CNODE_COPY,   BST_INV_CNODE_MINT,
        BST_INV_CNODE_MOVE,          BST_INV_CNODE_DELETE, BST_INV_CNODE_REVOKE,
        BST_INV_FRAME_MAP,           BST_INV_FRAME_UNMAP,  BST_INV_PAGE_TABLE_MAP,
        BST_INV_PAGE_TABLE_UNMAP,    BST_INV_TCB_SUSPEND,  BST_INV_TCB_RESUME,
        BST_INV_TCB_WRITE_REGISTERS, BST_INV_IOPORT_OUT8,  BST_INV_IOPORT_GRANT,
    };
    bst_printf("fuzz: succeeded:");
    for (unsigned i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        bst_printf(" %s %lu", bst_invocation_name((bst_invocation_t)must[i]),
                   (unsigned long)sum_ok(f, must[i]));
    bst_printf("; own spaces revoked or deleted %lu\n",
               (unsigned long)(f[0].s.own_space_ops + f[1].s.own_space_ops));
    for (unsigned i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        CHECK(sum_ok(f, must[i]) > 0, "no %s succeeded: the generator misses it",
              bst_invocation_name((bst_invocation_t)must[i]));
    CHECK(f[0].s.own_space_ops + f[1].s.own_space_ops > 0,
          "no thread revoked or deleted its own spaces' parents");
}

/* One epoch: a fresh sandbox, both threads fuzzing in it until EPOCH_CALLS more calls,
 * the kernel's check, and the sandbox deleted again. */
static void epoch(struct fuzzer *f, unsigned n)
{
    struct sandbox sb = {0};
    CHECK_OK(sandbox_make(&sb, f));
    for (unsigned i = 0; i < 2; i++)
        CHECK_OK(fuzzer_start(&sb, &f[i]));

    uint64_t end = total_calls(f) + EPOCH_CALLS, entries = 0;
    for (unsigned round = 0; round < EPOCH_ROUNDS && total_calls(f) < end; round++) {
        CHECK_OK(bst_yield());
        if (round % 3 == 2) {
            for (unsigned i = 0; i < 2; i++) {
                if (f[i].s.calls == f[i].seen) { /* stopped: start it again */
                    CHECK_OK(fuzzer_start(&sb, &f[i]));
                    f[i].restarts++;
                }
                f[i].seen = f[i].s.calls;
            }
        }
        if (round % CHECK_EVERY == CHECK_EVERY - 1) {
            const char *broken = kernel_state_check(&entries);
            CHECK(broken == NULL, "epoch %u, after %lu calls, %s", n, (unsigned long)total_calls(f),
                  broken);
        }
    }
    for (unsigned i = 0; i < 2; i++)
        CHECK_OK(bst_tcb_suspend(f[i].tcb));
    const char *broken = kernel_state_check(&entries);
    CHECK(broken == NULL, "at the end of epoch %u, %s", n, broken);
    if (n == 0)
        bst_printf("fuzz: epoch 0: %lu page-table entries checked at its end\n",
                   (unsigned long)entries);

    /* Everything the epoch made goes: the threads' spaces, the sandbox's untyped
     * children, the sandbox and all in it. */
    CHECK_OK(sandbox_delete(&sb, f));
    broken = kernel_state_check(NULL);
    CHECK(broken == NULL, "after deleting the sandbox of epoch %u, %s", n, broken);
}

void test_fuzz_random_system_calls(void)
{
    static struct fuzzer f[2];
    uint64_t ipc_region = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, ipc_region, 1, &t));
    CHECK_OK(fuzzer_new(&f[0], 0x9e3779b97f4a7c15ull, ipc_region));
    CHECK_OK(fuzzer_new(&f[1], 0xd1b54a32d192ed03ull, ipc_region + PAGE_SIZE));
    CHECK_OK(bst_debug_name(f[0].tcb, "fuzz-a"));
    CHECK_OK(bst_debug_name(f[1].tcb, "fuzz-b"));
    for (unsigned n = 0; n < EPOCHS && !test_failed(); n++)
        epoch(f, n);
    bst_printf("fuzz: %lu random system calls in %u epochs (%lu wild, %lu errors), %u + %u "
               "restarts\n",
               (unsigned long)total_calls(f), EPOCHS, (unsigned long)(f[0].s.wild + f[1].s.wild),
               (unsigned long)(f[0].s.errors + f[1].s.errors), f[0].restarts, f[1].restarts);
    if (test_failed())
        return;
    CHECK(total_calls(f) >= EPOCHS * EPOCH_CALLS / 2, "only %lu calls were made",
          (unsigned long)total_calls(f));
    check_coverage(f);
    if (test_failed())
        return;
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
