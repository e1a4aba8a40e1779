/*
 * Unit tests of untyped retype: every type, alignment, watermark, zeroing, device
 * memory, reuse after revoke, preemption, and every error in its documented order.
 */
#include "tests.h"

static struct world w;

#define S(i)   world_ref(&w, (i))
#define CAP(i) (&world_slot(&w, (i))->cap)

static struct retype_args args(bst_objtype_t type, unsigned bits, uint64_t dest, uint64_t n)
{
    return (struct retype_args){.type = type,
                                .size_bits = bits,
                                .dest_cnode = S(BST_SLOT_ROOT_CNODE),
                                .dest_offset = dest,
                                .count = n};
}

static void retype_every_type(void)
{
    world_boot(&w, 16u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 23);
    uint64_t slot = 40;
    for (int t = 0; t < BST_OBJTYPE_COUNT; t++) {
        bst_objtype_t type = (bst_objtype_t)t;
        if (!(bst_obj_flags(type) & BST_OBJF_RETYPE) || type == BST_OBJ_FRAME_1G)
            continue;
        unsigned bits = type == BST_OBJ_CNODE ? 4 : 12;
        CHECK_ERR(world_retype(&w, ut, type, bits, slot, 2), BST_OK);
        for (int i = 0; i < 2; i++) {
            const struct cap *c = CAP(slot + i);
            CHECK(c->type == type && c->rights == BST_RIGHTS_ALL);
            CHECK(c->size_bits == bst_obj_size_bits(type, bits));
            CHECK(IS_ALIGNED(c->paddr, BIT(c->size_bits)));
            CHECK(cdt_parent(world_slot(&w, slot + i)) == world_slot(&w, ut));
            if (type != BST_OBJ_UNTYPED && type != BST_OBJ_CNODE)
                CHECK(phys_is(c->paddr, BIT(c->size_bits), 0));
        }
        slot += 2;
        CHECK_INVARIANTS();
    }
}

static void retype_aligns_and_keeps_watermark(void)
{
    world_boot(&w, 4u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 20);
    paddr_t base = CAP(ut)->paddr;
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_ENDPOINT, 0, 40, 3), BST_OK);
    CHECK(CAP(40)->paddr == base && CAP(42)->paddr == base + 64);
    CHECK(CAP(ut)->u.untyped.watermark == 96);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_TCB, 0, 43, 1), BST_OK);
    CHECK(CAP(43)->paddr == base + 2048); /* aligned up past the endpoints */
    CHECK(CAP(ut)->u.untyped.watermark == 4096);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_NOTIFICATION, 0, 44, 1), BST_OK);
    CHECK(CAP(44)->paddr == base + 4096);
}

static void retype_zeroes_dirty_memory(void)
{
    world_boot(&w, 4u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 21);
    CHECK(phys_is(CAP(ut)->paddr, 4096, 0xdb));
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_FRAME_4K, 0, 40, 1), BST_OK);
    CHECK(phys_is(CAP(40)->paddr, 4096, 0));
    phys_fill(CAP(40)->paddr, 4096, 0x5a); /* the user writes to it */
    CHECK_ERR(cnode_revoke(S(ut)), BST_OK);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_FRAME_4K, 0, 41, 1), BST_OK);
    CHECK(CAP(41)->paddr == CAP(ut)->paddr); /* memory reused after revoke ... */
    CHECK(phys_is(CAP(41)->paddr, 4096, 0)); /* ... and zeroed again */
}

static void retype_untyped_children_inherit_clean_prefix(void)
{
    world_boot(&w, 4u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 21);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_FRAME_4K, 0, 40, 1), BST_OK);
    CHECK_ERR(cnode_delete(S(40)), BST_OK);
    /* No children: the next retype resets; child untyped start dirty. */
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_UNTYPED, 12, 41, 2), BST_OK);
    CHECK(CAP(41)->u.untyped.watermark == 0 && CAP(41)->u.untyped.zeroed == 0);
    CHECK_ERR(world_retype(&w, 41, BST_OBJ_ENDPOINT, 0, 43, 1), BST_OK);
    CHECK(phys_is(CAP(43)->paddr, 32, 0));
    CHECK_INVARIANTS();
}

static void retype_preempts_zeroing_and_restarts(void)
{
    world_boot(&w, 8u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 22);
    preempt_every(2);
    int preempted = 0;
    bst_error_t e;
    while ((e = world_retype(&w, ut, BST_OBJ_FRAME_2M, 0, 40, 1)) == BST_PREEMPTED) {
        preempted++;
        CHECK(cap_is_null(CAP(40)));              /* nothing user-visible yet */
        CHECK(CAP(ut)->u.untyped.watermark == 0); /* only the zeroed mark moves */
        CHECK_INVARIANTS();
    }
    CHECK_ERR(e, BST_OK);
    CHECK(preempted >= 10);
    CHECK(phys_is(CAP(40)->paddr, 2u << 20, 0));
}

static void retype_device_memory(void)
{
    world_boot(&w, 4u << 20, 1u << 30);
    uint64_t dev = world_untyped(&w, true, 30);
    CHECK(cap_is_device(CAP(dev)));
    CHECK_ERR(world_retype(&w, dev, BST_OBJ_TCB, 0, 40, 1), BST_ILLEGAL_OPERATION);
    CHECK_ERR(world_retype(&w, dev, BST_OBJ_CNODE, 2, 40, 1), BST_ILLEGAL_OPERATION);
    /* A 1 GiB frame: device memory is never touched (kmem_ptr would abort). */
    CHECK_ERR(world_retype(&w, dev, BST_OBJ_FRAME_1G, 0, 40, 1), BST_OK);
    CHECK(cap_is_device(CAP(40)) && CAP(40)->paddr == DEV_BASE);
    CHECK_ERR(cnode_revoke(S(dev)), BST_OK);
    CHECK_ERR(world_retype(&w, dev, BST_OBJ_UNTYPED, 21, 41, 2), BST_OK);
    CHECK(cap_is_device(CAP(41)));
    CHECK_ERR(world_retype(&w, 41, BST_OBJ_FRAME_4K, 0, 43, 4), BST_OK);
    CHECK(cap_is_device(CAP(43)));
    CHECK_INVARIANTS();
}

static void retype_reuses_memory_after_revoke(void)
{
    world_boot(&w, 4u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 20);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_UNTYPED, 16, 40, 1), BST_OK); /* 16 frames */
    CHECK_ERR(world_retype(&w, 40, BST_OBJ_FRAME_4K, 0, 41, 12), BST_OK);
    CHECK_ERR(world_retype(&w, 40, BST_OBJ_FRAME_4K, 0, 60, 5), BST_NOT_ENOUGH_MEMORY);
    CHECK_ERR(world_retype(&w, 40, BST_OBJ_FRAME_4K, 0, 60, 4), BST_OK);
    CHECK_ERR(cnode_delete(S(41)), BST_OK);
    /* Still children: the watermark holds. */
    CHECK_ERR(world_retype(&w, 40, BST_OBJ_FRAME_4K, 0, 41, 1), BST_NOT_ENOUGH_MEMORY);
    CHECK_ERR(cnode_revoke(S(40)), BST_OK);
    CHECK_ERR(world_retype(&w, 40, BST_OBJ_FRAME_4K, 0, 41, 16), BST_OK);
    CHECK(CAP(41)->paddr == CAP(40)->paddr);
}

/* Errors, in the documented order of checking. */
static void retype_errors(void)
{
    world_boot(&w, 4u << 20, 4u << 20);
    uint64_t ut = world_untyped(&w, false, 20), dev = world_untyped(&w, true, 20);
    struct retype_args a = args(BST_OBJ_ENDPOINT, 0, 40, 1);
    CHECK_ERR(untyped_retype(S(0), &a), BST_FAILED_LOOKUP);
    CHECK_ERR(untyped_retype(S(BST_SLOT_IRQ_CONTROL), &a), BST_INVALID_CAPABILITY);
    CHECK_ERR(untyped_retype(S(60), &a), BST_INVALID_CAPABILITY);
    a.type = 99;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_INVALID_ARGUMENT);
    a.type = BST_OBJ_IRQ_CONTROL;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_INVALID_ARGUMENT);
    a.type = BST_OBJ_NULL;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_INVALID_ARGUMENT);
    a = args(BST_OBJ_UNTYPED, BST_UNTYPED_MIN_BITS - 1, 40, 1);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a.size_bits = BST_UNTYPED_MAX_BITS + 1;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_CNODE, 0, 40, 1);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a.size_bits = BST_CNODE_MAX_RADIX + 1;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_ENDPOINT, 0, 40, 1);
    CHECK_ERR(untyped_retype(S(dev), &a), BST_ILLEGAL_OPERATION);
    a.count = 0;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a.count = BST_RETYPE_MAX_COUNT + 1;
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_ENDPOINT, 0, 40, 1);
    a.dest_cnode = S(0);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_FAILED_LOOKUP);
    a.dest_cnode = S(ut);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_INVALID_CAPABILITY);
    a = args(BST_OBJ_ENDPOINT, 0, 0, 1);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_ENDPOINT, 0, BIT(WORLD_RADIX) - 2, 3);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_ENDPOINT, 0, BIT(WORLD_RADIX), 1);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_RANGE_ERROR);
    a = args(BST_OBJ_ENDPOINT, 0, ut - 1, 2);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_SLOT_OCCUPIED);
    a = args(BST_OBJ_FRAME_2M, 0, 40, 1);
    CHECK_ERR(untyped_retype(S(ut), &a), BST_NOT_ENOUGH_MEMORY);
    a = args(BST_OBJ_CNODE, 12, 40, 5); /* 1.25 MiB from 1 MiB */
    CHECK_ERR(untyped_retype(S(ut), &a), BST_NOT_ENOUGH_MEMORY);
    /* Nothing changed. */
    CHECK(!cdt_has_children(world_slot(&w, ut)) && CAP(ut)->u.untyped.watermark == 0);
    for (uint64_t i = 40; i < 60; i++)
        CHECK(cap_is_null(CAP(i)));
}

/* An untyped whose CNode child holds the only cap to that CNode (a cycle) is still
 * reclaimed exactly by revoking the untyped. */
static void revoke_untyped_reclaims_self_referential_cnode(void)
{
    world_boot(&w, 4u << 20, 0);
    uint64_t ut = world_untyped(&w, false, 20);
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_CNODE, 2, 40, 1), BST_OK);
    CHECK_ERR(cnode_mint(S(41), S(40), BST_RIGHTS_ALL, 0), BST_OK);
    struct slot_ref in40 = {.root = CAP(41), .cptr = cptr_from_word(1), .depth = 2};
    CHECK_ERR(cnode_copy(in40, S(40), BST_RIGHTS_ALL), BST_OK); /* CNode holds itself */
    CHECK_ERR(cnode_delete(S(41)), BST_OK);
    CHECK_ERR(cnode_delete(S(40)), BST_OK); /* not the last cap: no reaping */
    CHECK(cnode_reap_queue() == NULL);
    CHECK(cdt_has_children(world_slot(&w, ut)));
    CHECK_INVARIANTS();
    CHECK_ERR(cnode_revoke(S(ut)), BST_OK);
    CHECK_ERR(cnode_delete(S(50)), BST_OK); /* drives the reaping */
    CHECK(!cdt_has_children(world_slot(&w, ut)));
    CHECK_ERR(world_retype(&w, ut, BST_OBJ_FRAME_4K, 0, 40, 1), BST_OK);
    CHECK(CAP(40)->paddr == CAP(ut)->paddr);
}

const struct test untyped_tests[] = {
    {"retype_every_type", retype_every_type},
    {"retype_aligns_and_keeps_watermark", retype_aligns_and_keeps_watermark},
    {"retype_zeroes_dirty_memory", retype_zeroes_dirty_memory},
    {"retype_untyped_children_inherit_clean_prefix", retype_untyped_children_inherit_clean_prefix},
    {"retype_preempts_zeroing_and_restarts", retype_preempts_zeroing_and_restarts},
    {"retype_device_memory", retype_device_memory},
    {"retype_reuses_memory_after_revoke", retype_reuses_memory_after_revoke},
    {"retype_errors", retype_errors},
    {"revoke_untyped_reclaims_self_referential_cnode",
     revoke_untyped_reclaims_self_referential_cnode},
};
const size_t untyped_tests_count = ARRAY_SIZE(untyped_tests);
