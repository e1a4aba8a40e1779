/*
 * Decoding Untyped and CNode invocations into the object layer's operations
 * (object/untyped.h, object/cnode.h), which do their own checks. Argument order:
 * docs/syscalls.md.
 */
#include <object/cnode.h>
#include <object/untyped.h>
#include <syscall/syscall.h>

/* A slot_ref from a (root cap CPtr) argument plus index and depth arguments. */
static bst_error_t ref_from_args(struct invocation *inv, uint64_t root_cptr, uint64_t index,
                                 uint64_t depth, struct slot_ref *out)
{
    struct lookup_result l = invocation_lookup_cap(inv, root_cptr);
    if (l.status != BST_OK) {
        return l.status;
    }
    *out = (struct slot_ref){&l.slot->cap, cptr_from_word(index), (unsigned)depth};
    return depth > 64 ? BST_RANGE_ERROR : BST_OK;
}

/* The invoked CNode as the root of an (index, depth) address. */
static struct slot_ref ref_in_invoked(const struct invocation *inv, uint64_t index, uint64_t depth)
{
    return (struct slot_ref){&inv->slot->cap, cptr_from_word(index),
                             depth > 64 ? 65 : (unsigned)depth};
}

bst_error_t untyped_invoke(struct invocation *inv)
{
    if (inv->label != BST_INV_UNTYPED_RETYPE) {
        return BST_ILLEGAL_OPERATION;
    }
    if (inv->length < 5) {
        return BST_TRUNCATED_MESSAGE;
    }
    /* The untyped and the destination CNode are named by CPtrs resolved with all 64 bits
     * from the caller's CSpace root, as every cap argument is (docs/syscalls.md). */
    struct retype_args a = {
        .type = invocation_arg(inv, 0),
        .size_bits = invocation_arg(inv, 1),
        .dest_cnode = {invocation_cspace_root(inv), cptr_from_word(invocation_arg(inv, 2)), 64},
        .dest_offset = invocation_arg(inv, 3),
        .count = invocation_arg(inv, 4),
    };
    struct slot_ref ut = {invocation_cspace_root(inv), cptr_from_word(inv->cptr), 64};
    return untyped_retype(ut, &a);
}

static bst_error_t cnode_two(struct invocation *inv, unsigned n_args, struct slot_ref *dst,
                             struct slot_ref *src)
{
    if (inv->length < n_args) {
        return BST_TRUNCATED_MESSAGE;
    }
    *dst = ref_in_invoked(inv, invocation_arg(inv, 0), invocation_arg(inv, 1));
    return ref_from_args(inv, invocation_arg(inv, 2), invocation_arg(inv, 3),
                         invocation_arg(inv, 4), src);
}

bst_error_t cnode_invoke(struct invocation *inv)
{
    struct slot_ref dst, src, pivot;
    bst_error_t e;
    switch (inv->label) {
    case BST_INV_CNODE_COPY:
        e = cnode_two(inv, 6, &dst, &src);
        return e != BST_OK ? e : cnode_copy(dst, src, (bst_rights_t)invocation_arg(inv, 5));
    case BST_INV_CNODE_MINT:
        e = cnode_two(inv, 7, &dst, &src);
        return e != BST_OK ? e
                           : cnode_mint(dst, src, (bst_rights_t)invocation_arg(inv, 5),
                                        invocation_arg(inv, 6));
    case BST_INV_CNODE_MOVE:
        e = cnode_two(inv, 5, &dst, &src);
        return e != BST_OK ? e : cnode_move(dst, src);
    case BST_INV_CNODE_MUTATE:
        e = cnode_two(inv, 7, &dst, &src);
        return e != BST_OK ? e
                           : cnode_mutate(dst, src, (bst_rights_t)invocation_arg(inv, 5),
                                          invocation_arg(inv, 6));
    case BST_INV_CNODE_DELETE:
    case BST_INV_CNODE_REVOKE:
        if (inv->length < 2) {
            return BST_TRUNCATED_MESSAGE;
        }
        dst = ref_in_invoked(inv, invocation_arg(inv, 0), invocation_arg(inv, 1));
        return inv->label == BST_INV_CNODE_DELETE ? cnode_delete(dst) : cnode_revoke(dst);
    case BST_INV_CNODE_ROTATE:
        if (inv->length < 8) {
            return BST_TRUNCATED_MESSAGE;
        }
        dst = ref_in_invoked(inv, invocation_arg(inv, 0), invocation_arg(inv, 1));
        e = ref_from_args(inv, invocation_arg(inv, 2), invocation_arg(inv, 3),
                          invocation_arg(inv, 4), &pivot);
        if (e == BST_OK) {
            e = ref_from_args(inv, invocation_arg(inv, 5), invocation_arg(inv, 6),
                              invocation_arg(inv, 7), &src);
        }
        return e != BST_OK ? e : cnode_rotate(dst, pivot, src);
    default:
        return BST_ILLEGAL_OPERATION;
    }
}
