/*
 * Host implementations of the kernel hooks, and the test runner.
 */
#include "support.h"
#include "object/finalise.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t *phys_mem;

static uint8_t *phys_buffer(void)
{
    if (phys_mem == NULL) {
        /* 2 MiB aligned so that host pointers keep the alignment of physical ones. */
        size_t align = 2u << 20;
        void *p = mmap(NULL, PHYS_SIZE + align, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            abort();
        }
        phys_mem = (uint8_t *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    }
    return phys_mem;
}

void *kmem_ptr(paddr_t pa)
{
    if (pa < PHYS_BASE || pa >= PHYS_BASE + PHYS_SIZE) {
        fprintf(stderr, "kmem_ptr: 0x%llx is not RAM\n", (unsigned long long)pa);
        abort();
    }
    return phys_buffer() + (pa - PHYS_BASE);
}

paddr_t kmem_paddr(const void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)phys_buffer();
    if (off >= PHYS_SIZE)
        abort();
    return PHYS_BASE + off;
}

void phys_fill(paddr_t base, uint64_t size, uint8_t byte)
{
    memset(kmem_ptr(base), byte, size);
}

bool phys_is(paddr_t base, uint64_t size, uint8_t byte)
{
    const uint8_t *p = kmem_ptr(base);
    for (uint64_t i = 0; i < size; i++) {
        if (p[i] != byte)
            return false;
    }
    return true;
}

static unsigned long preempt_period, preempt_count;

void preempt_every(unsigned long n)
{
    preempt_period = n;
    preempt_count = 0;
}

unsigned long preempt_calls(void)
{
    return preempt_count;
}

bool kpreempt_pending(void)
{
    preempt_count++;
    return preempt_period != 0 && preempt_count % preempt_period == 0;
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "kassert failed: %s at %s:%d in %s()\n", expr, file, line, func);
    fflush(NULL);
    abort();
}

/* ---- Runner ---- */

static bool current_failed;
static char current_why[512];

void test_fail(const char *file, int line, const char *what)
{
    if (!current_failed)
        snprintf(current_why, sizeof(current_why), "%s:%d: %s", file, line, what);
    current_failed = true;
}

bool test_failed(void)
{
    return current_failed;
}

int run_tests(const char *suite, const struct test *tests, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        current_failed = false;
        preempt_every(0);
        tests[i].fn();
        if (!current_failed) {
            struct invariant_result inv = objects_check_invariants();
            if (!inv.ok)
                test_fail("(after test)", 0, inv.why);
        }
        if (current_failed) {
            printf("FAIL: %s/%s: %s\n", suite, tests[i].name, current_why);
            failed++;
        } else {
            printf("PASS: %s/%s\n", suite, tests[i].name);
        }
        fflush(stdout);
    }
    return failed ? 1 : 0;
}

/* ---- World ---- */

void world_boot(struct world *w, uint64_t ram_bytes, uint64_t dev_bytes)
{
    struct boot_range ram = {PHYS_BASE, PHYS_BASE + ram_bytes};
    struct boot_range dev = {DEV_BASE, DEV_BASE + dev_bytes};
    struct boot_options opt = {.root_cnode_radix = WORLD_RADIX};
    phys_fill(PHYS_BASE, ram_bytes, 0xdb); /* RAM starts dirty */
    w->boot = boot_create_root_cspace(&ram, 1, &dev, dev_bytes ? 1 : 0, &opt);
    if (w->boot.status != BST_OK) {
        fprintf(stderr, "world_boot: %s\n", bst_error_name(w->boot.status));
        abort();
    }
    w->root = &w->boot.root_cnode_slot->cap;
}

struct slot_ref world_ref(const struct world *w, uint64_t index)
{
    return (struct slot_ref){.root = w->root, .cptr = cptr_from_word(index), .depth = 64};
}

struct cte *world_slot(const struct world *w, uint64_t index)
{
    return cnode_slot(w->root, index);
}

uint64_t world_untyped(const struct world *w, bool device, unsigned bits)
{
    const struct bst_bootinfo *bi = w->boot.bootinfo;
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        if ((bi->untyped_list[i].is_device != 0) == device && bi->untyped_list[i].size_bits >= bits)
            return bi->untyped.start + i;
    }
    fprintf(stderr, "world_untyped: no such block\n");
    abort();
}

bst_error_t world_retype(const struct world *w, uint64_t ut_slot, bst_objtype_t type,
                         unsigned size_bits, uint64_t dest_slot, uint64_t count)
{
    struct retype_args a = {
        .type = type,
        .size_bits = size_bits,
        .dest_cnode = world_ref(w, BST_SLOT_ROOT_CNODE),
        .dest_offset = dest_slot,
        .count = count,
    };
    return untyped_retype(world_ref(w, ut_slot), &a);
}
