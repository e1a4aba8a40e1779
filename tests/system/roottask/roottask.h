/*
 * The system-test root task: harness, environment and helpers shared by the tests.
 *
 * Each test is a function that runs in the root thread, makes its own objects from the
 * boot untyped memory (nothing is shared between tests and nothing is freed: the boot
 * memory is far larger than the suite needs) and reports at most one failure, the first
 * check that did not hold. Threads a test starts are suspended after it, whatever
 * happened. Tests never wait for time to pass without a bound: every wait ends after a
 * fixed number of polls, and a test that needs "this did not happen" first waits for a
 * positive sign that the thread got as far as the point in question.
 */
#ifndef ROOTTASK_H
#define ROOTTASK_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/bootinfo.h>
#include <bastion/errors.h>
#include <bastion/objtype.h>
#include <libbastion/cnode.h>
#include <libbastion/invoke.h>
#include <libbastion/printf.h>
#include <libbastion/sched.h>
#include <libbastion/syscall.h>
#include <libbastion/tcb.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define PAGE_SIZE       4096ull
#define LARGE_PAGE_SIZE (2ull << 20)

/* Priorities: the root runs at ROOT_PRIO; "high" children run to completion at once. */
#define ROOT_PRIO 100
#define HIGH_PRIO 150

/* ---- Harness (main.c) --------------------------------------------------------------- */

/* Record the running test's failure (the first one counts). */
void test_fail(const char *fmt, ...) BST_PRINTF_FORMAT(1, 2);
bool test_failed(void);

/* One named test of a suite table. */
struct test {
    void (*fn)(void);
    const char *name;
};

/* What the runner asked of this boot (harness_args.c): the first test to run, a test that
 * is to hang (UINT64_MAX: none), and the tests to run (those whose name holds `only`;
 * empty: all). */
struct harness_args {
    uint64_t first;
    uint64_t hang;
    char only[24];
};
struct harness_args harness_args_read(const struct bst_bootinfo *bi);
/* The decimal value of the harness.args word `key` (e.g. "calls="), or `fallback`. */
uint64_t harness_args_value(const struct bst_bootinfo *bi, const char *key, uint64_t fallback);
/* Whether the harness.args words include `word` itself (e.g. "icount"). */
bool harness_args_flag(const struct bst_bootinfo *bi, const char *word);

/* Run the tests in order, printing the protocol under `suite`; returns the verdict for
 * crt0 (0: every test passed). */
int harness_run(const char *suite, const struct bst_bootinfo *bi, const struct test *tests,
                unsigned n);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__VA_ARGS__);                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        bst_error_t check_e_ = (expr);                                                             \
        if (check_e_ != BST_OK) {                                                                  \
            test_fail("line %d: %s returned %s", __LINE__, #expr, bst_error_name(check_e_));       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(expr, want)                                                                      \
    do {                                                                                           \
        bst_error_t check_e_ = (expr);                                                             \
        if (check_e_ != (want)) {                                                                  \
            test_fail("line %d: %s returned %s, expected %s", __LINE__, #expr,                     \
                      bst_error_name(check_e_), bst_error_name(want));                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* The kernel's own check of its state (DEBUG_CHECK_STATE): NULL when its objects and
 * every VSpace hold their invariants, else what broke; *entries (if not NULL) receives
 * how many page-table entries the VSpace oracle checked. */
const char *kernel_state_check(uint64_t *entries);

/* ---- Environment (env.c) ------------------------------------------------------------ */

/* Root-CNode slot i is CPtr i; CNode operations name it as (ROOT_CNODE, i, 64). */
#define ROOT_CNODE ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define ROOT_TCB   ((bst_cptr_t)BST_SLOT_ROOT_TCB)
#define ROOT_VS    ((bst_cptr_t)BST_SLOT_ROOT_VSPACE)

/* Check the boot-info page and set up the allocators; returns false if unusable. */
bool env_init(const struct bst_bootinfo *bi);
const struct bst_bootinfo *env_bootinfo(void);

/* A free root-CNode slot, reserved for the caller (0: none left). */
bst_cptr_t slot_alloc(void);

/* Make one object from the first untyped with room for it; its cap goes to *cap. */
bst_error_t obj_alloc(bst_objtype_t type, unsigned size_bits, bst_cptr_t *cap);

/*
 * An untyped cap set aside at start, never used by obj_alloc: tests that must know
 * where objects land (FRAME_GET_ADDRESS) retype from it. Returns its slot; *desc
 * receives its descriptor. 0 if the boot info had none to spare.
 */
bst_cptr_t env_spare_untyped(const struct bst_untyped_desc **desc);

/* A 4 KiB frame of device memory from the first device untyped with room left (earlier
 * tests use some) into a fresh slot: BST_NOT_ENOUGH_MEMORY if none has. */
bst_error_t device_frame_alloc(bst_cptr_t *frame);

/* The first RAM (not device) untyped cap that obj_alloc may use. */
bst_cptr_t env_ram_untyped(void);

/* A fresh 512 GiB region of user address space that no other test uses. */
uint64_t region_alloc(void);

/* The page tables mapping one region down to 4 KiB pages. */
struct tables {
    bst_cptr_t l3, l2, l1;
};

/* Make and map the L3, L2 and L1 tables covering `vaddr` in `vspace`, down to `levels`
 * (3: L3 only, 2: L3 and L2, 1: all three). */
bst_error_t tables_map(bst_cptr_t vspace, uint64_t vaddr, unsigned levels, struct tables *t);

/* Make a 4 KiB frame and map it at vaddr; the tables must exist. */
bst_error_t frame_alloc_map(bst_cptr_t vspace, uint64_t vaddr, bst_rights_t rights, unsigned attrs,
                            bst_cptr_t *frame);

/* Copy the cap in slot `src` into a new slot (*dst) with `rights`. */
bst_error_t cap_copy(bst_cptr_t src, bst_rights_t rights, bst_cptr_t *dst);

/*
 * Map (once) an executable frame at BST_USER_MAP_TOP - 4096, the last page a frame may
 * take, in the root's space, holding a SYSCALL (0f 05) in its last two bytes; *rip
 * receives that instruction's address. A thread that executes it returns to
 * BST_USER_MAP_TOP, the first page that is never mapped.
 */
bst_error_t last_page_syscall(uint64_t *rip);

/* ---- Threads (env.c) ---------------------------------------------------------------- */

/* The block a same-space child and the root share (see children in threads.c). */
struct probe_block {
    volatile uint64_t started; /* the child reached its probe */
    volatile uint64_t passed;  /* the child got past its probe */
    volatile uint64_t value;   /* what the probe read, or a counter */
    uint64_t addr;             /* the probe's address */
    uint64_t arg;              /* the probe's argument */
    bst_cptr_t tcb;            /* the child's own TCB (to suspend itself) */
};

/*
 * Make a TCB configured with the root CNode, `vspace`, no IPC buffer and no fault
 * endpoint, at `prio` (MCP = prio) under the root's authority. The thread is suspended
 * when the test ends.
 */
bst_error_t thread_new(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb);
/* The same, returning the thread's scheduling context (unlimited: budget = period). */
#define THREAD_SC_PERIOD_US 10000
bst_error_t thread_new_sc(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb, bst_cptr_t *sc);
/* A thread with no scheduling context: it cannot run until it gets one (or is lent one
 * over a Call, as a passive server). */
bst_error_t thread_new_bare(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb);

/* A stack in the root's address space for a same-space child (never reused in a test). */
uint64_t stack_alloc(void);

/*
 * Start a same-space child at entry(b) on a fresh stack: rip, rsp, rflags and rdi are
 * written, with BST_TCB_WRITE_RESUME.
 */
bst_error_t thread_start(bst_cptr_t tcb, void (*entry)(struct probe_block *),
                         struct probe_block *b);

/* Spin until *p == want (true) or a bounded time has passed (false). */
bool wait_eq(volatile uint64_t *p, uint64_t want);
/* Poll until *p >= want. */
bool wait_ge(volatile uint64_t *p, uint64_t want);
/* Give other threads a fixed number of chances to run. */
void settle(void);

/* Suspend every thread started by the current test (main.c calls it after each test). */
void threads_reap(void);

/* ---- Probes (probes.S): single instructions whose address a fault report names ---- */

uint64_t probe_read(uint64_t addr);
void probe_write(uint64_t addr, uint64_t value);
void probe_call(uint64_t addr);
void probe_ud(void);
uint64_t probe_divide(uint64_t divisor);
extern const char probe_divide_insn[];

/* Position-independent code copied into other address spaces (probes.S). */
extern const char space_blob_start[], space_blob_touch[], space_blob_end[];

/* Register and FPU checkers: loop forever, counting rounds and mismatches. */
struct reg_check {
    uint64_t seed;
    volatile uint64_t rounds;
    volatile uint64_t errors;
    uint64_t spin;
    uint64_t expect[16];
};
void reg_check_loop(struct reg_check *c);
void fpu_check_loop(struct reg_check *c);

/* ---- The tests ---------------------------------------------------------------------- */

#define TEST_DECL(fn, name) void fn(void);

#define ROOTTASK_TESTS(X)                                                                          \
    X(test_sched_root_priority, "sched.root_set_own_priority")                                     \
    X(test_threads_same_space_start, "threads.same_space_start")                                   \
    X(test_threads_same_space_suspend, "threads.same_space_suspend_resume")                        \
    X(test_threads_new_space_start, "threads.new_space_start")                                     \
    X(test_threads_new_space_isolated, "threads.new_space_cannot_read_other_space")                \
    X(test_threads_new_space_no_stale_tlb, "threads.new_space_unmap_no_stale_tlb")                 \
    X(test_threads_registers_roundtrip, "threads.write_read_registers")                            \
    X(test_threads_rflags_sanitised, "threads.rflags_sanitised")                                   \
    X(test_threads_resume_unconfigured, "threads.resume_unconfigured")                             \
    X(test_threads_configure_running, "threads.configure_running_rejected")                        \
    X(test_threads_ipc_buffer, "threads.ipc_buffer_configure")                                     \
    X(test_threads_debug_name, "threads.debug_name")                                               \
    X(test_debug_dump_caps, "threads.debug_dump_caps")                                             \
    X(test_threads_regs_survive_preemption, "threads.registers_survive_preemption")                \
    X(test_threads_fpu_separate, "threads.fpu_state_separate")                                     \
    X(test_sched_mcp_limits_priority, "sched.mcp_limits_priority")                                 \
    X(test_sched_priority_range, "sched.priority_range")                                           \
    X(test_vspace_map_alias, "vspace.map_write_read_alias")                                        \
    X(test_vspace_remap_readonly, "vspace.remap_readonly")                                         \
    X(test_vspace_unmap, "vspace.unmap_faults")                                                    \
    X(test_vspace_write_readonly, "vspace.write_readonly_faults")                                  \
    X(test_vspace_rights_masked, "vspace.rights_masked_by_cap")                                    \
    X(test_vspace_exec_nx, "vspace.execute_nx_faults")                                             \
    X(test_vspace_large_frame, "vspace.large_frame_2m")                                            \
    X(test_vspace_cache_attrs, "vspace.cache_attributes")                                          \
    X(test_vspace_get_address, "vspace.frame_get_address")                                         \
    X(test_vspace_delete_frame, "vspace.delete_frame_cap_unmaps")                                  \
    X(test_vspace_delete_page_table, "vspace.delete_page_table_unmaps")                            \
    X(test_vspace_page_table_unmap, "vspace.page_table_unmap_removes_all")                         \
    X(test_vspace_unmapped_table_empty, "vspace.unmapped_table_holds_nothing")                     \
    X(test_vspace_table_cap_not_copied, "vspace.table_cap_not_copied")                             \
    X(test_vspace_deleted_space_tables_empty, "vspace.deleted_space_tables_hold_nothing")          \
    X(test_vspace_mutate_mapped_rights, "vspace.mutate_mapped_frame_keeps_rights")                 \
    X(test_vspace_copy_cannot_remap, "vspace.copy_cannot_remap_anothers_mapping")                  \
    X(test_faults_invalid_opcode, "faults.invalid_opcode")                                         \
    X(test_faults_divide_error, "faults.divide_error")                                             \
    X(test_faults_unmapped_read, "faults.unmapped_read")                                           \
    X(test_faults_kernel_address, "faults.kernel_address_read")                                    \
    X(test_faults_noncanonical, "faults.noncanonical_read")                                        \
    X(test_faults_restart_after_fault, "faults.restart_after_fault")                               \
    X(test_errors_empty_slot, "errors.invoke_empty_slot")                                          \
    X(test_errors_failed_lookup, "errors.failed_lookup")                                           \
    X(test_errors_illegal_label, "errors.illegal_label")                                           \
    X(test_errors_wrong_cap_type, "errors.wrong_cap_type_argument")                                \
    X(test_errors_truncated, "errors.truncated_message")                                           \
    X(test_errors_frame_map_unaligned, "errors.frame_map_unaligned")                               \
    X(test_errors_frame_map_occupied, "errors.frame_map_occupied")                                 \
    X(test_errors_frame_map_no_table, "errors.frame_map_missing_page_table")                       \
    X(test_errors_frame_map_elsewhere, "errors.frame_map_mapped_elsewhere")                        \
    X(test_errors_frame_map_kernel, "errors.frame_map_kernel_half")                                \
    X(test_errors_pt_map, "errors.page_table_map")                                                 \
    X(test_errors_tcb_registers, "errors.tcb_registers")                                           \
    X(test_errors_tcb_ipc_buffer, "errors.tcb_ipc_buffer")                                         \
    X(test_errors_retype, "errors.untyped_retype")                                                 \
    X(test_errors_cnode, "errors.cnode")                                                           \
    X(test_errors_revoked_cap, "errors.revoked_cap_refused")                                       \
    X(test_faults_syscall_at_map_top, "faults.syscall_at_map_top")                                 \
    X(test_devices_ioport_access, "devices.ioport_access")                                         \
    X(test_devices_ioport_errors, "devices.ioport_errors")                                         \
    X(test_devices_irq_delivery, "devices.irq_delivery_and_masking")                               \
    X(test_devices_irq_errors, "devices.irq_errors")                                               \
    X(test_devices_idle_cycles, "devices.idle_cycles")                                             \
    X(test_devices_msi_errors, "devices.msi_errors")                                               \
    X(test_devices_msi_vectors, "devices.msi_vectors")                                             \
    X(test_devices_iospace_errors, "devices.iospace_errors")                                       \
    X(test_devices_iospace_dma, "devices.iospace_dma_translated_and_revoked")                      \
    X(test_sched_budget_share, "sched.budget_25_percent")                                          \
    X(test_sched_budget_errors, "sched.budget_errors")                                             \
    X(test_sched_domain_errors, "sched.domain_and_timeout_endpoint_errors")                        \
    X(test_kimage_errors, "kimage.errors")                                                         \
    X(test_kimage_lifecycle, "kimage.bind_revoke_delete_in_use")                                   \
    X(test_domain_object_address, "domain.object_address")                                         \
    X(test_sched_strict_priority, "sched.strict_priority_preemption")                              \
    X(test_sched_round_robin, "sched.round_robin_fair_between_equals")                             \
    X(test_fuzz_random_system_calls, "robustness.random_system_calls")                             \
    X(test_isolation_user_view, "isolation.user_view_and_exits")

ROOTTASK_TESTS(TEST_DECL)

#endif
