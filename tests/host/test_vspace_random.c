/*
 * host-vspace-random: the VSpace oracle (kernel/include/vm/vspace_check.h) in the host
 * model. The real object layer, kernel/vm/vspace.c and the x86_64 page-table editing
 * run on host memory (vspace_arch.c stands in for the TLB side).
 *
 * Directed cases first: a normal mapping passes the oracle, and each bad state it is
 * there to catch is built by hand and must be reported (issue 26's bug 1, an entry no
 * cap made, a writable entry for a read-only cap). Then a random run: retypes of
 * VSpaces, tables and frames, copies, moves, mutates, deletes and revokes through the
 * real CNode operations, table and frame maps at colliding addresses and unmaps; after
 * every step the object invariants and the oracle must hold, and every map that
 * succeeded must translate at once to the frame it mapped.
 *
 *   BASTION_RANDOM_STEPS=N (default 100000), BASTION_RANDOM_SEED=S
 */
#include <stdio.h>
#include <stdlib.h>

#include <arch/pagetable.h>
#include <object/cnode.h>
#include <object/finalise.h>
#include <object/objects.h>
#include <vm/vspace.h>
#include <vm/vspace_check.h>

#include "support.h"
#include "vspace_arch.h"

#define SLOTS 40

static struct world w;
static uint64_t ut, first_slot;

/* A fresh world. The last one's objects are deleted first: VSpace identifiers live in
 * vm/vspace.c, outside the object layer that world_boot() resets. */
static void boot(void)
{
    static bool booted;
    if (booted && cnode_revoke(world_ref(&w, ut)) != BST_OK)
        abort();
    booted = true;
    world_boot(&w, 24u << 20, 1u << 20);
    host_kernel_root = PHYS_BASE + PHYS_SIZE - 0x2000; /* above the world's RAM */
    phys_fill(host_kernel_root, 0x2000, 0);
    ut = world_untyped(&w, false, 22);
    first_slot = w.boot.bootinfo->empty.start;
}

static struct cte *slot(uint64_t i)
{
    return world_slot(&w, first_slot + i);
}

static bool oracle_ok(void)
{
    return vspace_check_mappings().why == NULL;
}

/* A VSpace, the three tables at `va` and a 4 KiB frame mapped there read-write. */
static void mapped_frame(uint64_t va)
{
    static const bst_objtype_t types[] = {BST_OBJ_VSPACE, BST_OBJ_PT_L3, BST_OBJ_PT_L2,
                                          BST_OBJ_PT_L1, BST_OBJ_FRAME_4K};
    for (unsigned i = 0; i < 5; i++)
        CHECK_ERR(world_retype(&w, ut, types[i], 0, first_slot + i, 1), BST_OK);
    for (unsigned i = 1; i < 4; i++)
        CHECK_ERR(vm_map_table(&slot(i)->cap, &slot(0)->cap, va), BST_OK);
    CHECK_ERR(vm_map_frame(&slot(4)->cap, &slot(0)->cap, va, BST_RIGHTS_RW, 0), BST_OK);
}

static void test_normal_mapping_passes(void)
{
    boot();
    mapped_frame(0x400000);
    if (test_failed())
        return;
    struct vspace_check_result r = vspace_check_mappings();
    CHECK(r.why == NULL);
    CHECK(r.vspaces == 1 && r.entries == 4); /* three tables and the page */
    CHECK_ERR(cnode_delete(world_ref(&w, first_slot + 4)), BST_OK);
    CHECK(oracle_ok());
    CHECK(vspace_check_mappings().entries == 3);
}

/* Issue 26's bug 1: a table taken out without being emptied and mapped elsewhere shows
 * the frame it held at a place no cap records. */
static void test_catches_unemptied_table(void)
{
    boot();
    uint64_t va = 0x400000;
    mapped_frame(va);
    if (test_failed())
        return;
    struct cap *l1 = &slot(3)->cap;
    pt_table_unmap(slot(0)->cap.paddr, 0, l1->paddr, va); /* not vm_unmap_cap: kept full */
    vm_cap_clear_mapping(l1);
    CHECK(oracle_ok()); /* unreachable, so nothing to see yet */
    CHECK_ERR(vm_map_table(l1, &slot(0)->cap, va + 0x200000), BST_OK);
    struct vspace_check_result r = vspace_check_mappings();
    CHECK(r.why != NULL);
    CHECK(r.vaddr == va + 0x200000 && r.paddr == slot(4)->cap.paddr);
}

/* An entry written with no cap to record it. */
static void test_catches_entry_without_cap(void)
{
    boot();
    mapped_frame(0x400000);
    if (test_failed())
        return;
    struct pt_leaf leaf = {false, false, false};
    pt_frame_map(slot(0)->cap.paddr, 0, slot(4)->cap.paddr, 0x401000, leaf);
    struct vspace_check_result r = vspace_check_mappings();
    CHECK(r.why != NULL && r.vaddr == 0x401000);
}

/* A writable entry for a frame whose cap may only read. */
static void test_catches_rights_above_cap(void)
{
    boot();
    mapped_frame(0x400000);
    if (test_failed())
        return;
    CHECK_ERR(
        cnode_copy(world_ref(&w, first_slot + 5), world_ref(&w, first_slot + 4), BST_RIGHT_READ),
        BST_OK);
    CHECK_ERR(vm_map_frame(&slot(5)->cap, &slot(0)->cap, 0x402000, BST_RIGHTS_RW, 0), BST_OK);
    CHECK(oracle_ok()); /* mapped read-only: the cap's rights masked it */
    struct pt_leaf leaf = {true, false, false};
    pt_frame_map(slot(0)->cap.paddr, 0, slot(4)->cap.paddr, 0x402000, leaf);
    struct vspace_check_result r = vspace_check_mappings();
    CHECK(r.why != NULL && r.vaddr == 0x402000);
}

/* ---- The random run ---- */

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t below(uint64_t n)
{
    return next() % n;
}

static uint64_t vaddr(void)
{
    static const uint64_t pool[] = {0,          0x1000,          0x2000,
                                    0x200000,   0x201000,        0x40000000,
                                    0x40200000, 0x8000000000ull, 0x8000001000ull};
    return pool[below(sizeof(pool) / sizeof(pool[0]))];
}

static bool is_table(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    return t == BST_OBJ_PT_L1 || t == BST_OBJ_PT_L2 || t == BST_OBJ_PT_L3;
}

static bool is_frame(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    return t == BST_OBJ_FRAME_4K || t == BST_OBJ_FRAME_2M;
}

static bool is_vspace(const struct cap *c)
{
    return cap_type(c) == BST_OBJ_VSPACE;
}

static bool is_empty(const struct cap *c)
{
    return cap_is_null(c);
}

/* A slot whose cap `pred` accepts, from a random start; `fallback` if none does. */
static uint64_t find(bool (*pred)(const struct cap *), uint64_t fallback)
{
    uint64_t start = below(SLOTS);
    for (uint64_t i = 0; i < SLOTS; i++) {
        uint64_t k = (start + i) % SLOTS;
        if (pred(&slot(k)->cap))
            return k;
    }
    return fallback;
}

struct counts {
    unsigned long ok[10], mapped_frames;
};

static const char *step_broken; /* a step's own check that failed */

/* One random step; returns its name (NULL: nothing done) for a failure report. */
static const char *step(struct counts *n, bst_error_t *e)
{
    static const bst_objtype_t types[] = {
        BST_OBJ_VSPACE,   BST_OBJ_PT_L3,    BST_OBJ_PT_L2,    BST_OBJ_PT_L2,
        BST_OBJ_PT_L1,    BST_OBJ_PT_L1,    BST_OBJ_FRAME_4K, BST_OBJ_FRAME_4K,
        BST_OBJ_FRAME_4K, BST_OBJ_FRAME_2M, BST_OBJ_PT_L3,    BST_OBJ_VSPACE,
    };
    static const char *names[] = {"retype", "copy",      "move",      "mutate", "delete",
                                  "revoke", "map table", "map frame", "unmap",  "reset"};
    unsigned op = (unsigned)below(100);
    op = op < 15   ? 0
         : op < 25 ? 1
         : op < 30 ? 2
         : op < 35 ? 3
         : op < 39 ? 4
         : op < 40 ? 5
         : op < 62 ? 6
         : op < 85 ? 7
         : op < 99 ? 8
                   : 9;
    uint64_t a = below(SLOTS), b = below(SLOTS);
    if (op == 0 || ((op == 1 || op == 2 || op == 3) && below(2)))
        a = find(is_empty, a); /* most copies and moves to a free slot */
    if (op == 6 || (op == 8 && below(2)))
        a = find(is_table, a);
    else if (op == 7 || op == 8)
        a = find(is_frame, a);
    if (op == 6 || op == 7)
        b = find(is_vspace, b);
    struct cap *ca = &slot(a)->cap, *cb = &slot(b)->cap;
    *e = BST_OK;
    switch (op) {
    case 0:
        *e = world_retype(&w, ut, types[below(sizeof(types) / sizeof(types[0]))], 0, first_slot + a,
                          1);
        if (*e == BST_NOT_ENOUGH_MEMORY) { /* full: everything goes, and it starts again */
            op = 9;
            *e = cnode_revoke(world_ref(&w, ut));
        }
        break;
    case 1:
        *e = cnode_copy(world_ref(&w, first_slot + a), world_ref(&w, first_slot + b),
                        (bst_rights_t)below(16));
        break;
    case 2:
        *e = cnode_move(world_ref(&w, first_slot + a), world_ref(&w, first_slot + b));
        break;
    case 3:
        *e = cnode_mutate(world_ref(&w, first_slot + a), world_ref(&w, first_slot + b),
                          (bst_rights_t)below(16), 0);
        break;
    case 4:
        *e = cnode_delete(world_ref(&w, first_slot + a));
        break;
    case 5:
        *e = cnode_revoke(world_ref(&w, first_slot + a));
        break;
    case 6:
        if (!is_table(ca) || cap_type(cb) != BST_OBJ_VSPACE)
            return NULL;
        *e = vm_map_table(ca, cb, vaddr());
        break;
    case 7: {
        if (!is_frame(ca) || cap_type(cb) != BST_OBJ_VSPACE)
            return NULL;
        uint64_t va = vaddr() & ~(cap_obj_size(ca) - 1);
        *e = vm_map_frame(ca, cb, va, BST_RIGHT_READ | (below(2) ? BST_RIGHT_WRITE : 0), 0);
        if (*e == BST_OK) {
            struct pt_translation t = pt_translate(cb->paddr, va);
            if (!t.present || t.paddr != ca->paddr)
                step_broken = "the mapped vaddr does not translate to the frame";
            n->mapped_frames++;
        }
        break;
    }
    case 8:
        if (!is_frame(ca) && !is_table(ca))
            return NULL;
        vm_unmap_cap(ca);
        break;
    default: /* now and then everything goes, and it starts again */
        if (below(20) != 0)
            return NULL;
        *e = cnode_revoke(world_ref(&w, ut));
        break;
    }
    if (*e == BST_OK)
        n->ok[op]++;
    return names[op];
}

static void test_random_run(void)
{
    const char *env = getenv("BASTION_RANDOM_STEPS");
    unsigned long steps = env ? strtoul(env, NULL, 0) : 100000;
    env = getenv("BASTION_RANDOM_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x2545f4914f6cdd1dull;
    rng = seed;
    boot();
    struct counts n = {0};
    unsigned long entries = 0;
    for (unsigned long i = 0; i < steps; i++) {
        bst_error_t e;
        const char *what = step(&n, &e);
        if (what == NULL)
            continue;
        struct invariant_result inv = objects_check_invariants();
        struct vspace_check_result r = vspace_check_mappings();
        if (!inv.ok || r.why != NULL || step_broken != NULL) {
            printf("  step %lu (seed %#llx): %s returned %s: %s\n", i, (unsigned long long)seed,
                   what, bst_error_name(e),
                   !inv.ok         ? inv.why
                   : r.why != NULL ? r.why
                                   : step_broken);
            if (r.why != NULL)
                printf("  vspace %u, vaddr %#llx -> %#llx\n", r.id, (unsigned long long)r.vaddr,
                       (unsigned long long)r.paddr);
            CHECK(!"the state after the step is broken");
        }
        entries += r.entries;
    }
    printf("  %lu steps (seed %#llx): retype %lu, copy %lu, move %lu, mutate %lu, delete %lu, "
           "revoke %lu, table maps %lu, frame maps %lu, unmaps %lu, resets %lu; %lu entries "
           "checked\n",
           steps, (unsigned long long)seed, n.ok[0], n.ok[1], n.ok[2], n.ok[3], n.ok[4], n.ok[5],
           n.ok[6], n.ok[7], n.ok[8], n.ok[9], entries);
    /* The run must have built and taken apart real mappings. */
    CHECK(n.ok[6] > steps / 100 && n.mapped_frames > steps / 1000 && n.ok[8] > 0);
}

int main(void)
{
    static const struct test tests[] = {
        {"oracle.normal_mapping_passes", test_normal_mapping_passes},
        {"oracle.catches_unemptied_table", test_catches_unemptied_table},
        {"oracle.catches_entry_without_cap", test_catches_entry_without_cap},
        {"oracle.catches_rights_above_cap", test_catches_rights_above_cap},
        {"random.maps_copies_revokes", test_random_run},
    };
    return run_tests("host-vspace-random", tests, sizeof(tests) / sizeof(tests[0]));
}
