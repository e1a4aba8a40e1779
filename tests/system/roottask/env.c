/*
 * The root task's environment: slot and object allocation from the boot info, address
 * regions, and thread helpers. Simple bump allocators: tests never free.
 */
#include "roottask.h"

#include <libbastion/string.h>

static const struct bst_bootinfo *boot;
static uint64_t next_slot, end_slot;
static uint64_t spare_index = UINT64_MAX; /* index into untyped_list */
static uint64_t next_region_index = 32;   /* PML4 slots 32.. are the tests' */

bool env_init(const struct bst_bootinfo *bi)
{
    if (bi->magic != BST_BOOTINFO_MAGIC || bi->version != BST_BOOTINFO_VERSION)
        return false;
    boot = bi;
    next_slot = bi->empty.start;
    end_slot = bi->empty.end;
    /* Keep the last RAM untyped of at least 16 KiB aside for placement tests (the kernel
     * fills untyped caps first-fit when it builds the root task). */
    for (uint64_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        if (d->is_device || d->size_bits < 14)
            continue;
        spare_index = i;
    }
    return true;
}

const struct bst_bootinfo *env_bootinfo(void)
{
    return boot;
}

bst_cptr_t slot_alloc(void)
{
    if (next_slot >= end_slot)
        return 0;
    return next_slot++;
}

bst_error_t device_frame_alloc(bst_cptr_t *frame)
{
    for (uint64_t i = 0; i < boot->n_untyped; i++) {
        if (!boot->untyped_list[i].is_device || boot->untyped_list[i].size_bits < 12)
            continue;
        bst_cptr_t slot = slot_alloc();
        if (bst_untyped_retype(boot->untyped.start + i, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, slot, 1) ==
            BST_OK) {
            *frame = slot;
            return BST_OK;
        }
    }
    return BST_NOT_ENOUGH_MEMORY;
}

bst_cptr_t env_ram_untyped(void)
{
    for (uint64_t i = 0; i < boot->n_untyped; i++) {
        if (!boot->untyped_list[i].is_device && i != spare_index)
            return boot->untyped.start + i;
    }
    return 0;
}

bst_cptr_t env_spare_untyped(const struct bst_untyped_desc **desc)
{
    if (spare_index == UINT64_MAX)
        return 0;
    *desc = &boot->untyped_list[spare_index];
    return boot->untyped.start + spare_index;
}

bst_error_t obj_alloc(bst_objtype_t type, unsigned size_bits, bst_cptr_t *cap)
{
    if (next_slot >= end_slot)
        return BST_NOT_ENOUGH_MEMORY;
    unsigned need = bst_obj_size_bits(type, size_bits);
    bst_error_t e = BST_NOT_ENOUGH_MEMORY;
    for (uint64_t i = 0; i < boot->n_untyped; i++) {
        const struct bst_untyped_desc *d = &boot->untyped_list[i];
        if (d->is_device || i == spare_index || d->size_bits < need)
            continue;
        e = bst_untyped_retype(boot->untyped.start + i, type, size_bits, ROOT_CNODE, next_slot, 1);
        if (e == BST_OK) {
            *cap = next_slot++;
            return BST_OK;
        }
        if (e != BST_NOT_ENOUGH_MEMORY)
            return e;
    }
    return e;
}

uint64_t region_alloc(void)
{
    return next_region_index++ << 39;
}

bst_error_t tables_map(bst_cptr_t vspace, uint64_t vaddr, unsigned levels, struct tables *t)
{
    static const bst_objtype_t types[3] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};
    bst_cptr_t *caps[3] = {&t->l3, &t->l2, &t->l1};
    *t = (struct tables){0};
    for (unsigned i = 0; i < 3 && 3 - i >= levels; i++) {
        bst_error_t e = obj_alloc(types[i], 0, caps[i]);
        if (e == BST_OK)
            e = bst_page_table_map(*caps[i], vspace, vaddr);
        if (e != BST_OK)
            return e;
    }
    return BST_OK;
}

bst_error_t frame_alloc_map(bst_cptr_t vspace, uint64_t vaddr, bst_rights_t rights, unsigned attrs,
                            bst_cptr_t *frame)
{
    bst_error_t e = obj_alloc(BST_OBJ_FRAME_4K, 0, frame);
    if (e != BST_OK)
        return e;
    return bst_frame_map(*frame, vspace, vaddr, rights, attrs);
}

bst_error_t cap_copy(bst_cptr_t src, bst_rights_t rights, bst_cptr_t *dst)
{
    bst_cptr_t slot = slot_alloc();
    if (!slot)
        return BST_NOT_ENOUGH_MEMORY;
    bst_error_t e =
        bst_cnode_copy(ROOT_CNODE, slot, BST_ROOT_DEPTH, ROOT_CNODE, src, BST_ROOT_DEPTH, rights);
    if (e == BST_OK)
        *dst = slot;
    return e;
}

bst_error_t last_page_syscall(uint64_t *rip)
{
    static bool mapped;
    uint64_t page = BST_USER_MAP_TOP - PAGE_SIZE;
    if (!mapped) {
        /* The kernel put the root's stack and IPC buffer in the last 2 MiB: the tables
         * there may exist already (SLOT_OCCUPIED); make the ones that do not. */
        static const bst_objtype_t types[3] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};
        bst_error_t e = BST_OK;
        for (unsigned i = 0; i < 3 && e == BST_OK; i++) {
            bst_cptr_t pt;
            e = obj_alloc(types[i], 0, &pt);
            if (e == BST_OK)
                e = bst_page_table_map(pt, ROOT_VS, page);
            if (e == BST_SLOT_OCCUPIED)
                e = BST_OK;
        }
        bst_cptr_t frame;
        if (e == BST_OK)
            e = frame_alloc_map(ROOT_VS, page, BST_RIGHTS_RW, BST_MAP_EXECUTABLE, &frame);
        if (e != BST_OK)
            return e;
        volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)page;
        code[PAGE_SIZE - 2] = 0x0f;
        code[PAGE_SIZE - 1] = 0x05;
        mapped = true;
    }
    *rip = BST_USER_MAP_TOP - 2;
    return BST_OK;
}

/* ---- Threads ------------------------------------------------------------------------- */

#define MAX_TEST_THREADS 16
#define STACKS           64
#define STACK_SIZE       4096

static bst_cptr_t test_threads[MAX_TEST_THREADS];
static unsigned n_test_threads;
static uint8_t stacks[STACKS][STACK_SIZE] __attribute__((aligned(16)));
static unsigned next_stack;

bst_error_t thread_new_bare(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb)
{
    bst_error_t e = obj_alloc(BST_OBJ_TCB, 0, tcb);
    if (e != BST_OK)
        return e;
    if (n_test_threads < MAX_TEST_THREADS)
        test_threads[n_test_threads++] = *tcb;
    e = bst_tcb_configure(*tcb, 0, ROOT_CNODE, vspace, 0, 0);
    if (e != BST_OK)
        return e;
    return bst_tcb_set_sched_params(*tcb, ROOT_TCB, prio, prio);
}

bst_error_t thread_new_sc(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb, bst_cptr_t *sc)
{
    bst_error_t e = thread_new_bare(vspace, prio, tcb);
    if (e == BST_OK)
        e = obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, sc);
    if (e == BST_OK)
        e = bst_sched_control_configure(BST_SLOT_SCHED_CONTROL, *sc, THREAD_SC_PERIOD_US,
                                        THREAD_SC_PERIOD_US);
    if (e == BST_OK)
        e = bst_sched_context_bind(*sc, *tcb);
    return e;
}

bst_error_t thread_new(bst_cptr_t vspace, uint64_t prio, bst_cptr_t *tcb)
{
    bst_cptr_t sc;
    return thread_new_sc(vspace, prio, tcb, &sc);
}

uint64_t stack_alloc(void)
{
    uint8_t *s = stacks[next_stack];
    next_stack = (next_stack + 1) % STACKS;
    return (uint64_t)(uintptr_t)(s + STACK_SIZE);
}

bst_error_t thread_start(bst_cptr_t tcb, void (*entry)(struct probe_block *), struct probe_block *b)
{
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = (uint64_t)(uintptr_t)entry;
    r.rsp = stack_alloc() - 8; /* as if called: entry sees rsp + 8 aligned to 16 */
    r.rflags = 0x202;
    r.rdi = (uint64_t)(uintptr_t)b;
    b->tcb = tcb;
    return bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r);
}

/*
 * Waiting. The kernel has no YIELD yet, so the root waits by spinning: a higher-priority
 * child runs at once when it becomes ready, an equal-priority one at the next 100 Hz
 * tick. Bounds are in TSC cycles, assuming at least 1 GHz: a few seconds at most.
 */
#define WAIT_CYCLES   5000000000ull /* give up on a positive wait */
#define SETTLE_CYCLES 150000000ull  /* a few scheduler ticks */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void spin_a_little(void)
{
    for (unsigned j = 0; j < 100; j++)
        __asm__ volatile("pause");
}

bool wait_eq(volatile uint64_t *p, uint64_t want)
{
    uint64_t start = rdtsc();
    while (*p != want && rdtsc() - start < WAIT_CYCLES)
        spin_a_little();
    return *p == want;
}

bool wait_ge(volatile uint64_t *p, uint64_t want)
{
    uint64_t start = rdtsc();
    while (*p < want && rdtsc() - start < WAIT_CYCLES)
        spin_a_little();
    return *p >= want;
}

void settle(void)
{
    uint64_t start = rdtsc();
    while (rdtsc() - start < SETTLE_CYCLES)
        spin_a_little();
}

void threads_reap(void)
{
    for (unsigned i = 0; i < n_test_threads; i++)
        bst_tcb_suspend(test_threads[i]);
    n_test_threads = 0;
}
