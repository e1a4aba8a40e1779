/*
 * Guest-physical address spaces, generically (vm/gspace.h): identifiers, TLB
 * generations, the mapping records in frame and GPT caps, and the invocations (decode
 * everything, then perform). The nested tables' format is the architecture's.
 */
#include <bastion/vcpu.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <vm/gspace.h>
#include <vm/vcpu.h>

#define ID_SHIFT    48
#define ID_MASK     (GSPACE_MAX_IDS - 1ull)
#define LEVEL_SHIFT 56
#define LEVEL_MASK  3ull
#define GPA_MASK    (BIT(ID_SHIFT) - 1)

_Static_assert((GSPACE_MAX_IDS & (GSPACE_MAX_IDS - 1)) == 0, "ids fit a mask");
_Static_assert(BST_GUEST_PHYS_TOP == BIT(ID_SHIFT), "a record holds every guest address");
_Static_assert(LEVEL_SHIFT + 2 <= 61, "record fields below the mark");

struct gspace_state {
    paddr_t root;        /* the GSPACE's table; 0: the identifier is free */
    uint64_t generation; /* 0 while free */
    uint64_t tlb_generation;
};

static struct gspace_state spaces[GSPACE_MAX_IDS]; /* id 0 is never given (ASID 0 is the host's) */
static uint64_t next_generation = 1;

static unsigned id_of_root(paddr_t root)
{
    for (unsigned id = 1; id < GSPACE_MAX_IDS; id++) {
        if (spaces[id].root == root) {
            return id;
        }
    }
    return 0;
}

bst_error_t gspace_prepare(const struct cap *space, unsigned *id_out)
{
    unsigned id = id_of_root(space->paddr);
    for (unsigned i = 1; id == 0 && i < GSPACE_MAX_IDS; i++) {
        if (spaces[i].root == 0) {
            /* tlb_generation starts at 1: a VCPU's tlb_seen of 0 always flushes */
            spaces[i] = (struct gspace_state){
                .root = space->paddr, .generation = next_generation++, .tlb_generation = 1};
            id = i;
        }
    }
    *id_out = id;
    return id != 0 ? BST_OK : BST_NOT_ENOUGH_MEMORY;
}

uint64_t gspace_generation(unsigned id)
{
    return id < GSPACE_MAX_IDS ? spaces[id].generation : 0;
}

paddr_t gspace_root(unsigned id, uint64_t generation)
{
    if (id == 0 || id >= GSPACE_MAX_IDS || spaces[id].generation != generation) {
        return 0;
    }
    return spaces[id].root;
}

uint64_t gspace_tlb_generation(unsigned id)
{
    return id < GSPACE_MAX_IDS ? spaces[id].tlb_generation : 0;
}

static void record(struct cap *c, unsigned id, uint64_t gpa, unsigned level)
{
    c->u.raw[0] = CAP_GUEST_MAPPED | ((uint64_t)id << ID_SHIFT) | ((uint64_t)level << LEVEL_SHIFT) |
                  (gpa & GPA_MASK & ~0xfffull);
    c->u.raw[1] = spaces[id].generation;
}

/* The identifier a cap's record names if that space still exists, else 0. */
static unsigned recorded_id(const struct cap *c)
{
    if (!cap_is_guest_mapped(c)) {
        return 0;
    }
    unsigned id = (unsigned)((c->u.raw[0] >> ID_SHIFT) & ID_MASK);
    return spaces[id].root != 0 && spaces[id].generation == c->u.raw[1] ? id : 0;
}

void guest_unmap_cap(struct cap *c)
{
    unsigned id = recorded_id(c);
    uint64_t gpa = c->u.raw[0] & GPA_MASK;
    unsigned level = (unsigned)((c->u.raw[0] >> LEVEL_SHIFT) & LEVEL_MASK);
    if (id != 0 && cap_type(c) == BST_OBJ_GPT) {
        arch_gpt_unmap(spaces[id].root, c->paddr, gpa, level);
    } else if (id != 0) {
        arch_guest_frame_unmap(spaces[id].root, c->paddr, level, gpa);
    }
    if (id != 0) {
        spaces[id].tlb_generation++; /* no VCPU enters the space without a flush now */
    }
    if (cap_type(c) == BST_OBJ_GPT && cap_is_guest_mapped(c)) {
        arch_gpt_clear(c->paddr); /* mapped again, it shows nothing of its old place */
    }
    c->u.raw[0] = c->u.raw[1] = 0;
}

void gspace_finalise(const struct cap *cap)
{
    unsigned id = id_of_root(cap->paddr);
    if (id != 0) {
        /* VCPUs bound to it see the generation change and refuse to run; frames that
         * record it are left alone (their records no longer match). */
        spaces[id] = (struct gspace_state){0};
    }
}

const char *gspace_check_invariants(void)
{
    for (unsigned id = 1; id < GSPACE_MAX_IDS; id++) {
        const struct gspace_state *s = &spaces[id];
        if ((s->root == 0) != (s->generation == 0)) {
            return "a guest space identifier is half in use";
        }
        if (s->root != 0 && (s->generation >= next_generation || s->tlb_generation == 0)) {
            return "a guest space's generation is out of order";
        }
        if (s->root != 0 && !IS_ALIGNED(s->root, 4096)) {
            return "a guest space's table is not page aligned";
        }
        for (unsigned other = id + 1; s->root != 0 && other < GSPACE_MAX_IDS; other++) {
            if (spaces[other].root == s->root) {
                return "a guest space has two identifiers";
            }
        }
    }
    return spaces[0].root == 0 ? NULL : "identifier 0 (the host's ASID) was given out";
}

/* A GSPACE cap argument with the write right (the right to change what it maps). */
static bst_error_t decode_space(struct invocation *inv, unsigned arg, struct cte **out)
{
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, arg), BST_OBJ_GSPACE, out);
    if (e != BST_OK) {
        return e;
    }
    return ((*out)->cap.rights & BST_RIGHT_WRITE) ? BST_OK : BST_INSUFFICIENT_RIGHTS;
}

/* GPT_MAP: MR0 GSPACE cap, MR1 guest-physical address. */
static bst_error_t gpt_map(struct invocation *inv, struct cap *table)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(inv, 0, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t gpa = invocation_arg(inv, 1);
    if (gpa >= BST_GUEST_PHYS_TOP) {
        return BST_INVALID_ARGUMENT;
    }
    if (cap_is_bound(table)) {
        return BST_ILLEGAL_OPERATION; /* one table, one place: unmap it first */
    }
    if (!arch_virt_available()) {
        return BST_ILLEGAL_OPERATION;
    }
    unsigned id, level = 0;
    e = gspace_prepare(&space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    e = arch_gpt_map(space->cap.paddr, table->paddr, gpa, &level);
    if (e == BST_OK) {
        record(table, id, gpa, level);
    }
    return e;
}

bst_error_t gpt_invoke(struct invocation *inv)
{
    struct cap *table = &inv->slot->cap;
    switch (inv->label) {
    case BST_INV_GPT_MAP:
        return gpt_map(inv, table);
    case BST_INV_GPT_UNMAP:
        if (!arch_virt_available()) {
            return BST_ILLEGAL_OPERATION;
        }
        guest_unmap_cap(table);
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

static unsigned page_level_of(bst_objtype_t t)
{
    return t == BST_OBJ_FRAME_1G ? 2 : t == BST_OBJ_FRAME_2M ? 1 : 0;
}

/* FRAME_GUEST_MAP: MR0 GSPACE cap, MR1 guest-physical address, MR2 BST_GUEST_MAP_*. */
static bst_error_t frame_guest_map(struct invocation *inv, struct cap *frame)
{
    if (inv->length < 3) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(inv, 0, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t gpa = invocation_arg(inv, 1), rights = invocation_arg(inv, 2);
    if (cap_is_device(frame) || (rights & ~(uint64_t)BST_GUEST_MAP_MASK) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if (!IS_ALIGNED(gpa, cap_obj_size(frame))) {
        return BST_ALIGNMENT_ERROR;
    }
    if (gpa >= BST_GUEST_PHYS_TOP) {
        return BST_INVALID_ARGUMENT; /* aligned below a power of two: the frame fits too */
    }
    if (cap_is_bound(frame)) {
        return BST_ILLEGAL_OPERATION; /* one cap, one mapping: copy the cap to map twice */
    }
    if (!(frame->rights & BST_RIGHT_READ)) {
        rights &= ~(uint64_t)(BST_GUEST_MAP_READ | BST_GUEST_MAP_EXECUTE);
    }
    if (!(frame->rights & BST_RIGHT_WRITE)) {
        rights &= ~(uint64_t)BST_GUEST_MAP_WRITE;
    }
    if (!(rights & BST_GUEST_MAP_READ)) {
        return BST_INSUFFICIENT_RIGHTS; /* nested paging cannot map write- or execute-only */
    }
    if (!arch_virt_available()) {
        return BST_ILLEGAL_OPERATION;
    }
    unsigned id;
    e = gspace_prepare(&space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    unsigned level = page_level_of(cap_type(frame));
    e = arch_guest_frame_map(space->cap.paddr, frame->paddr, level, gpa, rights);
    if (e == BST_OK) {
        record(frame, id, gpa, level);
    }
    return e;
}

bst_error_t gspace_frame_invoke(struct invocation *inv)
{
    return frame_guest_map(inv, &inv->slot->cap);
}
