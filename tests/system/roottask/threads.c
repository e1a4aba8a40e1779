/*
 * Threads: create, configure, start, suspend and resume, in the root's address space
 * and in new ones; registers; scheduling parameters.
 */
#include "roottask.h"

#include <bastion/invocation.h>
#include <bastion/msginfo.h>
#include <libbastion/ipcbuffer.h>
#include <libbastion/string.h>

/* ---- Same-space children ------------------------------------------------------------- */

static _Noreturn void suspend_self(struct probe_block *b)
{
    bst_tcb_suspend(b->tcb);
    for (;;)
        __asm__ volatile("pause");
}

static void child_flag(struct probe_block *b)
{
    b->started = 1;
    b->value = 0x5afe;
    b->passed = 1;
    suspend_self(b);
}

static void child_counter(struct probe_block *b)
{
    b->started = 1;
    for (;;)
        b->value++;
}

void test_sched_root_priority(void)
{
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO));
}

void test_threads_same_space_start(void)
{
    static struct probe_block b;
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK(b.started == 0, "the child ran before it was resumed");
    CHECK_OK(thread_start(tcb, child_flag, &b));
    CHECK(wait_eq(&b.passed, 1), "the child never set its flag (started=%lu)",
          (unsigned long)b.started);
    CHECK(b.value == 0x5afe, "the child wrote %lx", (unsigned long)b.value);
}

void test_threads_same_space_suspend(void)
{
    static struct probe_block b;
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &tcb));
    CHECK_OK(thread_start(tcb, child_counter, &b));
    CHECK(wait_ge(&b.value, 1000), "the equal-priority child never ran (counter %lu)",
          (unsigned long)b.value);
    CHECK_OK(bst_tcb_suspend(tcb));
    uint64_t frozen = b.value;
    settle();
    CHECK(b.value == frozen, "the counter moved from %lu to %lu after suspend",
          (unsigned long)frozen, (unsigned long)b.value);
    struct bst_tcb_regs r;
    CHECK_OK(bst_tcb_read_registers(tcb, 2, &r));
    uint64_t entry = (uint64_t)(uintptr_t)child_counter;
    CHECK(r.rip >= entry && r.rip < entry + 256, "suspended rip %lx is not in the child",
          (unsigned long)r.rip);
    CHECK_OK(bst_tcb_resume(tcb));
    CHECK(wait_ge(&b.value, frozen + 1000), "the counter did not move after resume");
    CHECK_OK(bst_tcb_suspend(tcb));
}

/* ---- A new address space ------------------------------------------------------------- */

#define SPACE_CODE  0x400000ull
#define SPACE_FLAGS 0x402000ull /* all three under one L1 table */
#define SPACE_STACK 0x404000ull
#define SPACE_EXTRA 0x406000ull /* a page the blob may touch */

struct space {
    bst_cptr_t vspace, tcb;
    bst_cptr_t extra;    /* the frame at SPACE_EXTRA */
    uint64_t flags_root; /* where the shared flag page is mapped in the root */
};

/* A new VSpace with the blob at SPACE_CODE, a stack and a shared flag page. */
static bst_error_t space_make(struct space *s)
{
    bst_error_t e = obj_alloc(BST_OBJ_VSPACE, 0, &s->vspace);
    struct tables t;
    if (e == BST_OK)
        e = tables_map(s->vspace, SPACE_CODE, 1, &t);
    /* The code: filled through a root mapping, then mapped read+execute in the space. */
    uint64_t root_region = region_alloc();
    struct tables rt;
    if (e == BST_OK)
        e = tables_map(ROOT_VS, root_region, 1, &rt);
    bst_cptr_t code, code2, stack, flags, flags2;
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, root_region, BST_RIGHTS_RW, 0, &code);
    if (e != BST_OK)
        return e;
    memcpy((void *)(uintptr_t)root_region, space_blob_start,
           (size_t)(space_blob_end - space_blob_start));
    e = cap_copy(code, BST_RIGHTS_RW, &code2);
    if (e == BST_OK)
        e = bst_frame_map(code2, s->vspace, SPACE_CODE, BST_RIGHT_READ, BST_MAP_EXECUTABLE);
    if (e == BST_OK)
        e = frame_alloc_map(s->vspace, SPACE_STACK, BST_RIGHTS_RW, 0, &stack);
    s->flags_root = root_region + PAGE_SIZE;
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, s->flags_root, BST_RIGHTS_RW, 0, &flags);
    if (e == BST_OK)
        e = cap_copy(flags, BST_RIGHTS_RW, &flags2);
    if (e == BST_OK)
        e = bst_frame_map(flags2, s->vspace, SPACE_FLAGS, BST_RIGHTS_RW, 0);
    if (e == BST_OK)
        e = frame_alloc_map(s->vspace, SPACE_EXTRA, BST_RIGHT_READ, 0, &s->extra);
    if (e == BST_OK)
        e = thread_new(s->vspace, HIGH_PRIO, &s->tcb);
    return e;
}

/* Start the blob in the space; it reads `touch` (an address in its own space). */
static bst_error_t space_start(struct space *s, uint64_t touch)
{
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = SPACE_CODE;
    r.rsp = SPACE_STACK + PAGE_SIZE;
    r.rflags = 0x202;
    r.rdi = SPACE_FLAGS;
    r.rsi = 0xfeedface;
    r.rdx = s->tcb;
    r.r13 = bst_msginfo_make(BST_INV_TCB_SUSPEND, 0, 0, 0);
    r.r14 = BST_SYS_CALL;
    r.r15 = touch;
    bst_error_t e = bst_tcb_write_registers(s->tcb, 0, BST_TCB_REGISTER_COUNT, &r);
    if (e == BST_OK)
        e = bst_tcb_resume(s->tcb);
    return e;
}

void test_threads_new_space_start(void)
{
    struct space s;
    CHECK_OK(space_make(&s));
    volatile uint64_t *f = (volatile uint64_t *)(uintptr_t)s.flags_root;
    CHECK_OK(space_start(&s, SPACE_FLAGS));
    CHECK(wait_eq(&f[1], 1), "the thread in the new space never finished (started=%lu)",
          (unsigned long)f[0]);
    CHECK(f[2] == 0xfeedface, "the value through its stack is %lx", (unsigned long)f[2]);
}

void test_threads_new_space_isolated(void)
{
    struct space s;
    CHECK_OK(space_make(&s));
    volatile uint64_t *f = (volatile uint64_t *)(uintptr_t)s.flags_root;
    /* s.flags_root is mapped in the root's space but nothing is there in the new one. */
    CHECK_OK(space_start(&s, s.flags_root));
    CHECK(wait_eq(&f[0], 1), "the thread never started");
    settle();
    CHECK(f[1] == 0, "the thread read the root's memory at %lx", (unsigned long)s.flags_root);
    struct bst_tcb_regs r;
    CHECK_OK(bst_tcb_read_registers(s.tcb, 1, &r));
    uint64_t want = SPACE_CODE + (uint64_t)(space_blob_touch - space_blob_start);
    CHECK(r.rip == want, "faulted thread's rip is %lx, expected the load at %lx",
          (unsigned long)r.rip, (unsigned long)want);
}

void test_threads_new_space_no_stale_tlb(void)
{
    struct space s;
    CHECK_OK(space_make(&s));
    volatile uint64_t *f = (volatile uint64_t *)(uintptr_t)s.flags_root;
    CHECK_OK(space_start(&s, SPACE_EXTRA));
    CHECK(wait_eq(&f[1], 1), "the first run did not get past reading its page");
    /* Unmapped while the root runs, in another address space: no stale translation. */
    CHECK_OK(bst_frame_unmap(s.extra));
    f[0] = f[1] = f[2] = 0;
    CHECK_OK(space_start(&s, SPACE_EXTRA));
    CHECK(wait_eq(&f[0], 1), "the second run never started");
    settle();
    CHECK(f[1] == 0, "the thread still read its unmapped page");
    struct bst_tcb_regs r;
    CHECK_OK(bst_tcb_read_registers(s.tcb, 1, &r));
    uint64_t want = SPACE_CODE + (uint64_t)(space_blob_touch - space_blob_start);
    CHECK(r.rip == want, "rip %lx, expected the load at %lx", (unsigned long)r.rip,
          (unsigned long)want);
}

/* ---- Registers ----------------------------------------------------------------------- */

void test_threads_registers_roundtrip(void)
{
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    struct bst_tcb_regs w, r;
    uint64_t *ww = &w.rip;
    for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++)
        ww[i] = 0x1111000000000000ull / 0x100 * (i + 1) + i;
    w.rip = (uint64_t)(uintptr_t)probe_ud;
    w.rsp = stack_alloc();
    w.rflags = 0x202;
    w.fs_base = 0x7000000000ull;
    w.gs_base = 0x7100000000ull;
    CHECK_OK(bst_tcb_write_registers(tcb, 0, BST_TCB_REGISTER_COUNT, &w));
    memset(&r, 0, sizeof(r));
    CHECK_OK(bst_tcb_read_registers(tcb, BST_TCB_REGISTER_COUNT, &r));
    uint64_t *rr = &r.rip;
    for (unsigned i = 0; i < BST_TCB_REGISTER_COUNT; i++) {
        if (i == 2) /* rflags: sanitised, checked below */
            continue;
        CHECK(rr[i] == ww[i], "register %u reads %lx, wrote %lx", i, (unsigned long)rr[i],
              (unsigned long)ww[i]);
    }
    CHECK((r.rflags & 0x200) != 0, "rflags %lx lacks IF", (unsigned long)r.rflags);
    /* A partial read leaves the rest alone. */
    struct bst_tcb_regs p;
    memset(&p, 0xab, sizeof(p));
    CHECK_OK(bst_tcb_read_registers(tcb, 3, &p));
    CHECK(p.rip == w.rip && p.rsp == w.rsp && p.rax == 0xababababababababull,
          "a 3-register read returned rip %lx rsp %lx rax %lx", (unsigned long)p.rip,
          (unsigned long)p.rsp, (unsigned long)p.rax);
}

void test_threads_rflags_sanitised(void)
{
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, HIGH_PRIO, &tcb));
    struct bst_tcb_regs w, r;
    memset(&w, 0, sizeof(w));
    w.rip = (uint64_t)(uintptr_t)probe_ud;
    w.rsp = stack_alloc();
    /* TF, IOPL=3, NT, VM, AC, VIF, VIP, ID; IF cleared. */
    w.rflags = 0x100 | 0x3000 | 0x4000 | 0x20000 | 0x40000 | 0x80000 | 0x100000;
    CHECK_OK(bst_tcb_write_registers(tcb, 0, 3, &w));
    CHECK_OK(bst_tcb_read_registers(tcb, 3, &r));
    CHECK((r.rflags & 0x200) != 0, "IF not forced on: %lx", (unsigned long)r.rflags);
    CHECK((r.rflags & (0x3000 | 0x4000 | 0x20000)) == 0, "IOPL/NT/VM survived: rflags %lx",
          (unsigned long)r.rflags);
    /* docs/syscalls.md: "IOPL/TF/NT/VM... forced off". */
    CHECK((r.rflags & 0x100) == 0, "TF survived: rflags %lx", (unsigned long)r.rflags);
}

void test_threads_resume_unconfigured(void)
{
    bst_cptr_t tcb;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_ERR(bst_tcb_resume(tcb), BST_ILLEGAL_OPERATION);
    /* A suspend of a thread that never ran is harmless. */
    CHECK_OK(bst_tcb_suspend(tcb));
}

void test_threads_configure_running(void)
{
    static struct probe_block b;
    bst_cptr_t tcb;
    CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &tcb));
    CHECK_OK(thread_start(tcb, child_counter, &b));
    CHECK(wait_ge(&b.value, 1), "the child never ran");
    CHECK_ERR(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, 0, 0), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_tcb_suspend(tcb));
    CHECK_OK(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, 0, 0));
}

void test_threads_ipc_buffer(void)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t frame, tcb;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &frame));
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_OK(bst_tcb_configure(tcb, 0, ROOT_CNODE, ROOT_VS, base + 1024, frame));
    CHECK_OK(bst_tcb_set_ipc_buffer(tcb, base + 3072, frame));
    CHECK_OK(bst_tcb_set_ipc_buffer(tcb, 0, 0));
    CHECK_OK(bst_tcb_set_space(tcb, 0, ROOT_CNODE, ROOT_VS));
}

void test_threads_debug_name(void)
{
    bst_cptr_t tcb;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK(bst_ipc_buffer() != NULL, "the root task has no IPC buffer");
    CHECK_OK(bst_debug_name(tcb, "named-by-roottask"));
    CHECK_OK(bst_debug_name(ROOT_TCB, "roottask"));
}

/* ---- Preemption ---------------------------------------------------------------------- */

static void run_checkers(void (*loop)(struct reg_check *), const char *what)
{
    static struct reg_check c[2];
    bst_cptr_t tcb[2];
    for (unsigned i = 0; i < 2; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        c[i].seed = 0x1000 * (i + 1);
        c[i].spin = 200000;
        CHECK_OK(thread_new(ROOT_VS, ROOT_PRIO, &tcb[i]));
        struct bst_tcb_regs r;
        memset(&r, 0, sizeof(r));
        r.rip = (uint64_t)(uintptr_t)loop;
        r.rsp = stack_alloc() - 8;
        r.rflags = 0x202;
        r.rdi = (uint64_t)(uintptr_t)&c[i];
        CHECK_OK(bst_tcb_write_registers(tcb[i], BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r));
    }
    CHECK(wait_ge(&c[0].rounds, 20) && wait_ge(&c[1].rounds, 20),
          "%s checkers made %lu and %lu rounds", what, (unsigned long)c[0].rounds,
          (unsigned long)c[1].rounds);
    for (unsigned i = 0; i < 2; i++)
        CHECK_OK(bst_tcb_suspend(tcb[i]));
    CHECK(c[0].errors == 0 && c[1].errors == 0, "%s state changed under preemption: %lu, %lu", what,
          (unsigned long)c[0].errors, (unsigned long)c[1].errors);
}

void test_threads_regs_survive_preemption(void)
{
    run_checkers(reg_check_loop, "register");
}

void test_threads_fpu_separate(void)
{
    run_checkers(fpu_check_loop, "SSE");
}

/* ---- Scheduling parameters ----------------------------------------------------------- */

void test_sched_mcp_limits_priority(void)
{
    bst_cptr_t a, b;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &a));
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &b));
    CHECK_OK(bst_tcb_set_sched_params(a, ROOT_TCB, 50, 40));
    /* a's MCP (50) bounds what a may grant. */
    CHECK_ERR(bst_tcb_set_sched_params(b, a, 51, 10), BST_RANGE_ERROR);
    CHECK_ERR(bst_tcb_set_sched_params(b, a, 50, 51), BST_RANGE_ERROR);
    CHECK_ERR(bst_tcb_set_priority(b, a, 51), BST_RANGE_ERROR);
    CHECK_OK(bst_tcb_set_sched_params(b, a, 50, 50));
    CHECK_OK(bst_tcb_set_priority(b, a, 20));
    /* A thread cannot raise itself above its own MCP. */
    CHECK_ERR(bst_tcb_set_priority(a, a, 51), BST_RANGE_ERROR);
    CHECK_ERR(bst_tcb_set_sched_params(a, a, 60, 40), BST_RANGE_ERROR);
    CHECK_OK(bst_tcb_set_priority(a, a, 50));
}

void test_sched_priority_range(void)
{
    bst_cptr_t a;
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &a));
    CHECK_ERR(bst_tcb_set_priority(a, ROOT_TCB, 256), BST_RANGE_ERROR);
    CHECK_ERR(bst_tcb_set_sched_params(a, ROOT_TCB, 256, 0), BST_RANGE_ERROR);
    CHECK_ERR(bst_tcb_set_priority(a, ROOT_TCB, UINT64_MAX), BST_RANGE_ERROR);
    CHECK_OK(bst_tcb_set_priority(a, ROOT_TCB, 0));
}

void test_debug_dump_caps(void)
{
    /* The listing goes to the console; roottask.mk checks its header line. */
    bst_debug_dump_caps();
}
