/*
 * Unit tests of CSpace lookup and the CNode invocations, each success path and every
 * error each operation documents.
 */
#include "tests.h"

static struct world w;
static uint64_t ut; /* a RAM untyped slot */

#define S(i)   world_ref(&w, (i))
#define CAP(i) (&world_slot(&w, (i))->cap)

/* A world with an endpoint in slot 40 and a 4K frame in slot 41. */
static void setup(void)
{
    world_boot(&w, 4u << 20, 4u << 20);
    ut = world_untyped(&w, false, 16);
    if (world_retype(&w, ut, BST_OBJ_ENDPOINT, 0, 40, 1) != BST_OK ||
        world_retype(&w, ut, BST_OBJ_FRAME_4K, 0, 41, 1) != BST_OK)
        test_fail(__FILE__, __LINE__, "setup retype failed");
}

static struct cte *parent_of(uint64_t i)
{
    return cdt_parent(world_slot(&w, i));
}

/* ---- Lookup ---- */

static void lookup_errors(void)
{
    setup();
    CHECK(cspace_lookup_slot(w.root, cptr_from_word(40), 0).status == BST_RANGE_ERROR);
    CHECK(cspace_lookup_slot(w.root, cptr_from_word(40), 65).status == BST_RANGE_ERROR);
    CHECK(cspace_lookup_slot(CAP(40), cptr_from_word(1), 64).status == BST_INVALID_CAPABILITY);
    CHECK(cspace_lookup_slot(w.root, cptr_from_word(0), 64).status == BST_FAILED_LOOKUP);
    /* The root cap's guard is 56 zero bits: a set high bit mismatches. */
    CHECK(cspace_lookup_slot(w.root, cptr_from_word(BIT(63) | 40), 64).status == BST_FAILED_LOOKUP);
    /* Too few bits for guard + radix. */
    CHECK(cspace_lookup_slot(w.root, cptr_from_word(40), 63).status == BST_FAILED_LOOKUP);
    struct lookup_result r = cspace_lookup_slot(w.root, cptr_from_word(40), 64);
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
}

/* A guardless copy of the root CNode cap in slot 30 makes two-level addresses. */
static void lookup_two_levels_and_guards(void)
{
    setup();
    CHECK_ERR(cnode_mint(S(30), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL, 0), BST_OK);
    const struct cap *flat = CAP(30);
    CHECK(flat->u.cnode.guard_bits == 0);
    uint64_t two = (UINT64_C(30) << WORLD_RADIX) | 40;
    struct lookup_result r = cspace_lookup_slot(flat, cptr_from_word(two), 2 * WORLD_RADIX);
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
    /* Bits remain at a non-CNode cap. */
    uint64_t three = (two << WORLD_RADIX) | 1;
    CHECK(cspace_lookup_slot(flat, cptr_from_word(three), 3 * WORLD_RADIX).status ==
          BST_FAILED_LOOKUP);
    /* ... but an invocation lookup stops there. */
    r = cspace_lookup_cap(flat, cptr_from_word(three << 40));
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
    /* A guarded copy: 4-bit guard 0xa in front of the index. */
    CHECK_ERR(cnode_mint(S(31), S(30), BST_RIGHTS_ALL, bst_cnode_guard_data(0xa, 4)), BST_OK);
    uint64_t g = (UINT64_C(0xa) << WORLD_RADIX) | 40;
    r = cspace_lookup_slot(CAP(31), cptr_from_word(g), 4 + WORLD_RADIX);
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
    g = (UINT64_C(0xb) << WORLD_RADIX) | 40;
    CHECK(cspace_lookup_slot(CAP(31), cptr_from_word(g), 4 + WORLD_RADIX).status ==
          BST_FAILED_LOOKUP);
}

static void lookup_cap_for_invocation(void)
{
    setup();
    struct lookup_result r = cspace_lookup_cap(w.root, cptr_from_word(40));
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
    CHECK(cspace_lookup_cap(w.root, cptr_from_word(50)).status == BST_INVALID_CAPABILITY);
    CHECK(cspace_lookup_cap(w.root, cptr_from_word(0)).status == BST_FAILED_LOOKUP);
    /* A guardless root resolves slot 40 and stops at the endpoint with bits to spare. */
    CHECK_ERR(cnode_mint(S(30), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL, 0), BST_OK);
    r = cspace_lookup_cap(CAP(30), cptr_from_word(UINT64_C(40) << 56));
    CHECK(r.status == BST_OK && r.slot == world_slot(&w, 40));
}

/* ---- Copy and mint ---- */

static void copy_makes_child_with_fewer_rights(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(40), BST_RIGHT_READ | BST_RIGHT_GRANT), BST_OK);
    CHECK(CAP(50)->type == BST_OBJ_ENDPOINT && CAP(50)->paddr == CAP(40)->paddr);
    CHECK(CAP(50)->rights == (BST_RIGHT_READ | BST_RIGHT_GRANT));
    CHECK(parent_of(50) == world_slot(&w, 40));
    /* Rights never come back: copying the copy with all rights keeps two. */
    CHECK_ERR(cnode_copy(S(51), S(50), BST_RIGHTS_ALL), BST_OK);
    CHECK(CAP(51)->rights == (BST_RIGHT_READ | BST_RIGHT_GRANT));
    CHECK(parent_of(51) == world_slot(&w, 50));
    CHECK_INVARIANTS();
}

static void copy_errors(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(60), BST_RIGHTS_ALL), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_copy(S(41), S(40), BST_RIGHTS_ALL), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_copy(S(40), S(40), BST_RIGHTS_ALL), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_copy(S(50), S(ut), BST_RIGHTS_ALL), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_copy(S(50), S(BST_SLOT_IRQ_CONTROL), BST_RIGHTS_ALL), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_copy(S(50), S(40), 0x10), BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_copy(S(50), S(0), BST_RIGHTS_ALL), BST_FAILED_LOOKUP);
    CHECK_ERR(cnode_copy(S(0), S(40), BST_RIGHTS_ALL), BST_FAILED_LOOKUP);
    struct slot_ref bad = S(40);
    bad.depth = 0;
    CHECK_ERR(cnode_copy(S(50), bad, BST_RIGHTS_ALL), BST_RANGE_ERROR);
    bad.root = CAP(40);
    bad.depth = 64;
    CHECK_ERR(cnode_copy(S(50), bad, BST_RIGHTS_ALL), BST_INVALID_CAPABILITY);
    CHECK(cap_is_null(CAP(50)));
    /* Copyable controls: domain and scheduling control are not issuers. */
    CHECK_ERR(cnode_copy(S(50), S(BST_SLOT_DOMAIN_CONTROL), BST_RIGHTS_ALL), BST_OK);
}

static void mint_badges(void)
{
    setup();
    CHECK_ERR(cnode_mint(S(50), S(40), BST_RIGHTS_ALL, 0x77), BST_OK);
    CHECK(CAP(50)->u.ipc.badge == 0x77);
    /* data 0 keeps the badge; a new badge on a badged cap is refused */
    CHECK_ERR(cnode_mint(S(51), S(50), BST_RIGHT_WRITE, 0), BST_OK);
    CHECK(CAP(51)->u.ipc.badge == 0x77 && CAP(51)->rights == BST_RIGHT_WRITE);
    CHECK_ERR(cnode_mint(S(52), S(50), BST_RIGHTS_ALL, 0x78), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_mint(S(52), S(50), BST_RIGHTS_ALL, 0x77), BST_ILLEGAL_OPERATION);
    CHECK(cap_is_null(CAP(52)));
    CHECK_INVARIANTS();
}

static void mint_errors(void)
{
    setup();
    CHECK_ERR(cnode_mint(S(50), S(41), BST_RIGHTS_ALL, 1), BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_mint(S(50), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL,
                         bst_cnode_guard_data(0, 64 - WORLD_RADIX + 1)),
              BST_INVALID_ARGUMENT);
    CHECK_ERR(
        cnode_mint(S(50), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL, bst_cnode_guard_data(0x10, 4)),
        BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_mint(S(50), S(40), 0xf0, 1), BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_mint(S(50), S(60), BST_RIGHTS_ALL, 1), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_mint(S(41), S(40), BST_RIGHTS_ALL, 1), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_mint(S(50), S(ut), BST_RIGHTS_ALL, 0), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_mint(S(50), S(0), BST_RIGHTS_ALL, 0), BST_FAILED_LOOKUP);
    CHECK(cap_is_null(CAP(50)));
    /* A guard that exactly fills the address is fine. */
    CHECK_ERR(cnode_mint(S(50), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL,
                         bst_cnode_guard_data(0x3, 64 - WORLD_RADIX)),
              BST_OK);
}

/* ---- Move and mutate ---- */

static void move_keeps_tree_place(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(40), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_copy(S(51), S(50), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_move(S(60), S(50)), BST_OK);
    CHECK(cap_is_null(CAP(50)) && CAP(60)->type == BST_OBJ_ENDPOINT);
    CHECK(parent_of(60) == world_slot(&w, 40));
    CHECK(parent_of(51) == world_slot(&w, 60));
    /* Untyped caps move (they cannot be copied). */
    CHECK_ERR(cnode_move(S(61), S(ut)), BST_OK);
    CHECK(parent_of(40) == world_slot(&w, 61));
    CHECK_INVARIANTS();
}

static void move_errors(void)
{
    setup();
    CHECK_ERR(cnode_move(S(50), S(60)), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_move(S(41), S(40)), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_move(S(40), S(40)), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_move(S(50), S(0)), BST_FAILED_LOOKUP);
    CHECK_ERR(cnode_move(S(0), S(40)), BST_FAILED_LOOKUP);
}

static void mutate_changes_rights_and_badge(void)
{
    setup();
    CHECK_ERR(cnode_mutate(S(50), S(40), BST_RIGHT_WRITE, 9), BST_OK);
    CHECK(cap_is_null(CAP(40)));
    CHECK(CAP(50)->rights == BST_RIGHT_WRITE && CAP(50)->u.ipc.badge == 9);
    CHECK(parent_of(50) == world_slot(&w, ut));
    CHECK_ERR(cnode_copy(S(52), S(BST_SLOT_ROOT_CNODE), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_mutate(S(51), S(52), BST_RIGHTS_ALL, bst_cnode_guard_data(0, 0)), BST_OK);
    CHECK(CAP(51)->u.cnode.guard_bits == 0);
    CHECK_INVARIANTS();
}

static void mutate_errors(void)
{
    setup();
    CHECK_ERR(cnode_mutate(S(50), S(60), BST_RIGHTS_ALL, 0), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_mutate(S(41), S(40), BST_RIGHTS_ALL, 0), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_mutate(S(50), S(ut), BST_RIGHTS_ALL, 0), BST_REVOKE_FIRST);
    CHECK_ERR(cnode_mutate(S(50), S(41), BST_RIGHTS_ALL, 5), BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_mutate(S(50), S(40), 0x20, 0), BST_INVALID_ARGUMENT);
    CHECK_ERR(cnode_mint(S(42), S(40), BST_RIGHTS_ALL, 3), BST_OK);
    CHECK_ERR(cnode_mutate(S(50), S(42), BST_RIGHTS_ALL, 4), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_mutate(S(50), S(40), BST_RIGHTS_ALL, 0), BST_REVOKE_FIRST);
    CHECK_ERR(cnode_mutate(S(0), S(40), BST_RIGHTS_ALL, 0), BST_FAILED_LOOKUP);
    CHECK(cap_is_null(CAP(50)) && !cap_is_null(CAP(40)));
}

/* ---- Delete ---- */

static void delete_moves_children_up(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(40), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_copy(S(51), S(50), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_copy(S(52), S(50), BST_RIGHTS_ALL), BST_OK);
    CHECK(!cap_is_final(world_slot(&w, 50)));
    CHECK_ERR(cnode_delete(S(50)), BST_OK);
    CHECK(cap_is_null(CAP(50)));
    CHECK(parent_of(51) == world_slot(&w, 40) && parent_of(52) == world_slot(&w, 40));
    /* Deleting the original leaves the copies, which are not final until the last. */
    CHECK_ERR(cnode_delete(S(40)), BST_OK);
    CHECK(parent_of(51) == world_slot(&w, ut));
    CHECK(!cap_is_final(world_slot(&w, 51)));
    CHECK_ERR(cnode_delete(S(51)), BST_OK);
    CHECK(cap_is_final(world_slot(&w, 52)));
    CHECK_ERR(cnode_delete(S(60)), BST_OK); /* empty: nothing to do */
    CHECK_ERR(cnode_delete(S(0)), BST_FAILED_LOOKUP);
    CHECK_INVARIANTS();
}

/* A CNode holding caps (and a nested CNode) is reaped when its last cap goes. */
static void delete_last_cnode_cap_reaps_contents(void)
{
    setup();
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_CNODE, 3, 60, 2), BST_OK);
    CHECK_ERR(cnode_mint(S(62), S(60), BST_RIGHTS_ALL, 0), BST_OK); /* guardless */
    struct slot_ref in60 = {.root = CAP(62), .cptr = cptr_from_word(1), .depth = 3};
    CHECK_ERR(cnode_copy(in60, S(40), BST_RIGHTS_ALL), BST_OK);
    in60.cptr = cptr_from_word(2);
    CHECK_ERR(cnode_move(in60, S(61)), BST_OK); /* CNode 61 now lives only in CNode 60 */
    CHECK_ERR(cnode_delete(S(62)), BST_OK);
    CHECK_ERR(cnode_delete(S(60)), BST_OK);
    CHECK(cnode_reap_queue() != NULL);
    CHECK_INVARIANTS();
    /* The next operation reaps first; preempt every step to see it restart. */
    preempt_every(1);
    int preempted = 0;
    bst_error_t e;
    while ((e = cnode_delete(S(70))) == BST_PREEMPTED) {
        preempted++;
        CHECK_INVARIANTS();
    }
    CHECK_ERR(e, BST_OK);
    CHECK(preempted > 0 && cnode_reap_queue() == NULL);
    CHECK(!cdt_has_children(world_slot(&w, 40)));
    /* Everything from the untyped except the endpoint and frame is gone. */
    int kids = 0;
    for (struct cte *c = cdt_first_child(world_slot(&w, ut)); c; c = cdt_next_sibling(c))
        kids++;
    CHECK(kids == 2);
}

/* ---- Revoke ---- */

static void revoke_removes_exactly_descendants(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(40), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_copy(S(51), S(50), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_mint(S(52), S(40), BST_RIGHTS_ALL, 5), BST_OK);
    CHECK_ERR(cnode_copy(S(53), S(41), BST_RIGHTS_ALL), BST_OK);
    CHECK_ERR(cnode_revoke(S(50)), BST_OK);
    CHECK(cap_is_null(CAP(51)) && !cap_is_null(CAP(50)) && !cap_is_null(CAP(52)));
    CHECK_ERR(cnode_revoke(S(40)), BST_OK);
    CHECK(cap_is_null(CAP(50)) && cap_is_null(CAP(52)));
    CHECK(!cap_is_null(CAP(40)) && !cap_is_null(CAP(53)));
    CHECK_ERR(cnode_revoke(S(60)), BST_OK);
    CHECK_ERR(cnode_revoke(S(0)), BST_FAILED_LOOKUP);
    CHECK_INVARIANTS();
}

static void revoke_preempts_and_restarts(void)
{
    setup();
    for (uint64_t i = 0; i < 20; i++)
        CHECK_ERR(cnode_copy(S(100 + i), S(i ? 100 + i - 1 : 40), BST_RIGHTS_ALL), BST_OK);
    preempt_every(3);
    int preempted = 0;
    bst_error_t e;
    while ((e = cnode_revoke(S(40))) == BST_PREEMPTED) {
        preempted++;
        CHECK_INVARIANTS();
    }
    CHECK_ERR(e, BST_OK);
    CHECK(preempted >= 5);
    for (uint64_t i = 0; i < 20; i++)
        CHECK(cap_is_null(CAP(100 + i)));
}

/* ---- Rotate ---- */

static void rotate_three_slots(void)
{
    setup();
    CHECK_ERR(cnode_copy(S(50), S(40), BST_RIGHTS_ALL), BST_OK);
    paddr_t ep = CAP(40)->paddr, fr = CAP(41)->paddr;
    /* src 41 -> pivot 40 -> dst 60 */
    CHECK_ERR(cnode_rotate(S(60), S(40), S(41)), BST_OK);
    CHECK(CAP(60)->paddr == ep && CAP(40)->paddr == fr && cap_is_null(CAP(41)));
    CHECK(parent_of(50) == world_slot(&w, 60));
    /* dst == src swaps */
    CHECK_ERR(cnode_rotate(S(60), S(40), S(60)), BST_OK);
    CHECK(CAP(60)->paddr == fr && CAP(40)->paddr == ep);
    CHECK(parent_of(50) == world_slot(&w, 40));
    CHECK_INVARIANTS();
}

static void rotate_errors(void)
{
    setup();
    CHECK_ERR(cnode_rotate(S(60), S(40), S(70)), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_rotate(S(60), S(70), S(40)), BST_INVALID_CAPABILITY);
    CHECK_ERR(cnode_rotate(S(60), S(40), S(40)), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_rotate(S(40), S(40), S(41)), BST_ILLEGAL_OPERATION);
    CHECK_ERR(cnode_rotate(S(ut), S(40), S(41)), BST_SLOT_OCCUPIED);
    CHECK_ERR(cnode_rotate(S(0), S(40), S(41)), BST_FAILED_LOOKUP);
    CHECK_ERR(cnode_rotate(S(60), S(0), S(41)), BST_FAILED_LOOKUP);
    CHECK_ERR(cnode_rotate(S(60), S(40), S(0)), BST_FAILED_LOOKUP);
}

const struct test cnode_tests[] = {
    {"lookup_errors", lookup_errors},
    {"lookup_two_levels_and_guards", lookup_two_levels_and_guards},
    {"lookup_cap_for_invocation", lookup_cap_for_invocation},
    {"copy_makes_child_with_fewer_rights", copy_makes_child_with_fewer_rights},
    {"copy_errors", copy_errors},
    {"mint_badges", mint_badges},
    {"mint_errors", mint_errors},
    {"move_keeps_tree_place", move_keeps_tree_place},
    {"move_errors", move_errors},
    {"mutate_changes_rights_and_badge", mutate_changes_rights_and_badge},
    {"mutate_errors", mutate_errors},
    {"delete_moves_children_up", delete_moves_children_up},
    {"delete_last_cnode_cap_reaps_contents", delete_last_cnode_cap_reaps_contents},
    {"revoke_removes_exactly_descendants", revoke_removes_exactly_descendants},
    {"revoke_preempts_and_restarts", revoke_preempts_and_restarts},
    {"rotate_three_slots", rotate_three_slots},
    {"rotate_errors", rotate_errors},
};
const size_t cnode_tests_count = ARRAY_SIZE(cnode_tests);
