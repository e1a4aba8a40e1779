/*
 * Guest-physical address spaces (vm/gspace.h): the second-level kind of nested paging
 * (vm/second_level.h does the rest), and its invocations. The nested tables' format
 * is the architecture's.
 */
#include <bastion/vcpu.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <vm/gspace.h>
#include <vm/vcpu.h>

_Static_assert(BST_GUEST_PHYS_TOP == BIT(48), "a record holds every guest address");

static struct second_level_space spaces[SECOND_LEVEL_MAX_IDS]; /* id 0: the host's ASID */

static uint64_t guest_phys_top(void)
{
    return BST_GUEST_PHYS_TOP;
}

/* Read for READ and EXECUTE, write for WRITE; nested paging cannot map write- or
 * execute-only, so without READ there is nothing to map. */
static uint64_t guest_rights(const struct cap *frame, uint64_t rights)
{
    if (!(frame->rights & BST_RIGHT_READ)) {
        rights &= ~(uint64_t)(BST_GUEST_MAP_READ | BST_GUEST_MAP_EXECUTE);
    }
    if (!(frame->rights & BST_RIGHT_WRITE)) {
        rights &= ~(uint64_t)BST_GUEST_MAP_WRITE;
    }
    return (rights & BST_GUEST_MAP_READ) ? rights : 0;
}

const struct second_level_kind gspace_kind = {
    .spaces = spaces,
    .format = &arch_gspace_format,
    .space_type = BST_OBJ_GSPACE,
    .table_type = BST_OBJ_GPT,
    .mark = CAP_GUEST_MAPPED,
    .recorded = cap_is_guest_mapped,
    .available = arch_virt_available,
    .limit = guest_phys_top,
    .map_rights = BST_GUEST_MAP_MASK,
    .frame_rights = guest_rights,
};

void guest_unmap_cap(struct cap *c)
{
    second_level_unmap_cap(&gspace_kind, c);
}

void gspace_finalise(const struct cap *cap)
{
    /* VCPUs bound to it see the generation change and refuse to run. */
    second_level_retire(&gspace_kind, cap);
}

const char *gspace_check_invariants(void)
{
    return second_level_check(&gspace_kind);
}

bst_error_t gpt_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_INV_GPT_MAP:
        return second_level_map_table(&gspace_kind, inv);
    case BST_INV_GPT_UNMAP:
        if (!arch_virt_available()) {
            return BST_ILLEGAL_OPERATION;
        }
        guest_unmap_cap(&inv->slot->cap);
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

bst_error_t gspace_invoke(struct invocation *inv)
{
    (void)inv;
    return BST_ILLEGAL_OPERATION; /* a GSPACE is only ever an argument */
}

/* FRAME_GUEST_MAP: MR0 GSPACE cap, MR1 guest-physical address, MR2 BST_GUEST_MAP_*. */
bst_error_t gspace_frame_invoke(struct invocation *inv)
{
    return second_level_map_frame(&gspace_kind, inv);
}
