/*
 * Second-level address spaces, once for every kind (vm/second_level.h): identifiers,
 * the mapping records in table and frame caps, the walk of the tables in the kind's
 * format, and the common decode of the map invocations (decode everything, then
 * perform).
 */
#include <kmem.h>
#include <kstring.h>
#include <syscall/invocation.h>
#include <vm/second_level.h>

#define ID_SHIFT    48
#define ID_MASK     (SECOND_LEVEL_MAX_IDS - 1ull)
#define LEVEL_SHIFT 56
#define LEVEL_MASK  3ull
#define ADDR_MASK   (BIT(ID_SHIFT) - 1) /* every kind's addresses are below 2^48 */

_Static_assert((SECOND_LEVEL_MAX_IDS & (SECOND_LEVEL_MAX_IDS - 1)) == 0, "ids fit a mask");
_Static_assert(ID_SHIFT + 6 <= LEVEL_SHIFT && LEVEL_SHIFT + 2 <= 61, "record fields apart");

static uint64_t next_generation = 1; /* of every kind: a generation names one space */

unsigned second_level_id_of_root(const struct second_level_kind *k, paddr_t root)
{
    for (unsigned id = 1; id < SECOND_LEVEL_MAX_IDS; id++) {
        if (k->spaces[id].root == root) {
            return id;
        }
    }
    return 0;
}

bst_error_t second_level_prepare(const struct second_level_kind *k, const struct cap *space,
                                 unsigned *id_out)
{
    unsigned id = second_level_id_of_root(k, space->paddr);
    for (unsigned i = 1; id == 0 && i < SECOND_LEVEL_MAX_IDS; i++) {
        if (k->spaces[i].root == 0) {
            /* tlb_generation starts at 1: a VCPU's tlb_seen of 0 always flushes */
            k->spaces[i] = (struct second_level_space){
                .root = space->paddr, .generation = next_generation++, .tlb_generation = 1};
            id = i;
        }
    }
    *id_out = id;
    return id != 0 ? BST_OK : BST_NOT_ENOUGH_MEMORY;
}

const struct second_level_space *second_level_space(const struct second_level_kind *k, unsigned id,
                                                    uint64_t generation)
{
    if (id == 0 || id >= SECOND_LEVEL_MAX_IDS || k->spaces[id].generation != generation) {
        return NULL;
    }
    return &k->spaces[id];
}

unsigned second_level_retire(const struct second_level_kind *k, const struct cap *space)
{
    unsigned id = second_level_id_of_root(k, space->paddr);
    if (id != 0) {
        k->spaces[id] = (struct second_level_space){0};
    }
    return id;
}

const char *second_level_check(const struct second_level_kind *k)
{
    for (unsigned id = 1; id < SECOND_LEVEL_MAX_IDS; id++) {
        const struct second_level_space *s = &k->spaces[id];
        if ((s->root == 0) != (s->generation == 0)) {
            return "a second-level space identifier is half in use";
        }
        if (s->root != 0 && (s->generation >= next_generation || s->tlb_generation == 0)) {
            return "a second-level space's generation is out of order";
        }
        if (s->root != 0 && !IS_ALIGNED(s->root, 4096)) {
            return "a second-level space's table is not page aligned";
        }
        for (unsigned other = id + 1; s->root != 0 && other < SECOND_LEVEL_MAX_IDS; other++) {
            if (k->spaces[other].root == s->root) {
                return "a second-level space has two identifiers";
            }
        }
    }
    return k->spaces[0].root == 0 ? NULL : "identifier 0 (the hardware's own tag) was given out";
}

/* The tables, in the kind's format. */

static uint64_t *table_at(paddr_t pa)
{
    return kmem_ptr(pa);
}

/* The index of addr in a table of `level` (1: the leaf table). */
static unsigned index_at(uint64_t addr, unsigned level)
{
    return (unsigned)((addr >> (12 + 9 * (level - 1))) & 511);
}

/* The entry for addr in the table of `level`, walking down from root through present
 * table entries; NULL when a table on the way is missing, or a large page above that
 * level covers addr (*covered set then). */
static uint64_t *walk(const struct second_level_format *f, paddr_t root, uint64_t addr,
                      unsigned level, bool *covered)
{
    uint64_t *t = table_at(root);
    *covered = false;
    for (unsigned l = f->levels(); l > level; l--) {
        uint64_t e = t[index_at(addr, l)];
        if (!(e & f->present) || (e & f->large)) {
            *covered = (e & f->present) != 0;
            return NULL;
        }
        t = table_at(e & f->address);
    }
    return &t[index_at(addr, level)];
}

/* Put `table` at the first level without a table on the path to addr; *level gets it.
 * Errors: SLOT_OCCUPIED (every level has its table, or a large page covers addr). */
static bst_error_t table_map(const struct second_level_format *f, paddr_t root, paddr_t table,
                             uint64_t addr, unsigned *level)
{
    uint64_t *t = table_at(root);
    for (unsigned l = f->levels(); l > 1; l--) {
        uint64_t *e = &t[index_at(addr, l)];
        if (!(*e & f->present)) {
            *e = (table & f->address) | f->table;
            if (f->added != NULL) {
                f->added(e);
            }
            *level = l - 1;
            return BST_OK;
        }
        if (*e & f->large) {
            return BST_SLOT_OCCUPIED;
        }
        t = table_at(*e & f->address);
    }
    return BST_SLOT_OCCUPIED;
}

/* Clear *e if it holds `pa`: a table (large false) or a page above the leaf table. */
static void clear_if(const struct second_level_format *f, uint64_t *e, paddr_t pa, bool large)
{
    if (e != NULL && (*e & f->present) && ((*e & f->large) != 0) == large &&
        (*e & f->address) == pa) {
        *e = 0;
        if (f->removed != NULL) {
            f->removed(e);
        }
    }
}

/* Map a frame of page_level at addr with the kind's rights. Errors: ILLEGAL_OPERATION
 * (a page level the hardware has not), FAILED_LOOKUP (a table on the way missing),
 * f->covered (a large page covers addr), SLOT_OCCUPIED (a frame or table is there). */
static bst_error_t frame_map(const struct second_level_format *f, paddr_t root, paddr_t frame,
                             unsigned page_level, uint64_t addr, uint64_t rights)
{
    if (f->page_level_ok != NULL && !f->page_level_ok(page_level)) {
        return BST_ILLEGAL_OPERATION;
    }
    bool covered;
    uint64_t *e = walk(f, root, addr, page_level + 1, &covered);
    if (e == NULL) {
        return covered ? f->covered : BST_FAILED_LOOKUP;
    }
    if (*e & f->present) {
        return BST_SLOT_OCCUPIED;
    }
    *e = (frame & f->address) | f->rights(rights) | (page_level > 0 ? f->large : 0);
    if (f->added != NULL) {
        f->added(e);
    }
    return BST_OK;
}

/* The records. */

static void record(const struct second_level_kind *k, struct cap *c, unsigned id, uint64_t addr,
                   unsigned level)
{
    c->u.raw[0] = k->mark | ((uint64_t)id << ID_SHIFT) | ((uint64_t)level << LEVEL_SHIFT) |
                  (addr & ADDR_MASK & ~0xfffull);
    c->u.raw[1] = k->spaces[id].generation;
}

/* The identifier a cap's record names if that space still exists, else 0. */
static unsigned recorded_id(const struct second_level_kind *k, const struct cap *c)
{
    if (!k->recorded(c)) {
        return 0;
    }
    unsigned id = (unsigned)((c->u.raw[0] >> ID_SHIFT) & ID_MASK);
    return k->spaces[id].root != 0 && k->spaces[id].generation == c->u.raw[1] ? id : 0;
}

void second_level_unmap_cap(const struct second_level_kind *k, struct cap *c)
{
    const struct second_level_format *f = k->format;
    unsigned id = recorded_id(k, c);
    uint64_t addr = c->u.raw[0] & ADDR_MASK;
    unsigned level = (unsigned)((c->u.raw[0] >> LEVEL_SHIFT) & LEVEL_MASK);
    bool table = cap_type(c) == k->table_type, covered;
    if (id != 0) {
        /* The entry is in the table above the recorded level (a table's, a page's). */
        bool nowhere = table && (level < 1 || level >= f->levels());
        uint64_t *e = nowhere ? NULL : walk(f, k->spaces[id].root, addr, level + 1, &covered);
        clear_if(f, e, c->paddr, !table && level > 0);
        k->spaces[id].tlb_generation++; /* nothing enters the space without a flush now */
    }
    if (table && k->recorded(c)) {
        memset(table_at(c->paddr), 0, 4096); /* mapped again, it shows nothing of its old place */
        if (f->emptied != NULL) {
            f->emptied(table_at(c->paddr));
        }
    }
    c->u.raw[0] = c->u.raw[1] = 0;
}

/* The invocations. */

/* A space cap argument of the kind with the write right (the right to change what it
 * maps). */
static bst_error_t decode_space(const struct second_level_kind *k, struct invocation *inv,
                                struct cte **out)
{
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), k->space_type, out);
    if (e != BST_OK) {
        return e;
    }
    return ((*out)->cap.rights & BST_RIGHT_WRITE) ? BST_OK : BST_INSUFFICIENT_RIGHTS;
}

bst_error_t second_level_map_table(const struct second_level_kind *k, struct invocation *inv)
{
    struct cap *table = &inv->slot->cap;
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(k, inv, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t addr = invocation_arg(inv, 1);
    if (addr >= k->limit()) {
        return BST_INVALID_ARGUMENT;
    }
    if (cap_is_bound(table)) {
        return BST_ILLEGAL_OPERATION; /* one table, one place: unmap it first */
    }
    if (!k->available()) {
        return BST_ILLEGAL_OPERATION; /* no translation: the table format is not known */
    }
    unsigned id, level = 0;
    e = second_level_prepare(k, &space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    e = table_map(k->format, space->cap.paddr, table->paddr, addr, &level);
    if (e == BST_OK) {
        record(k, table, id, addr, level);
    }
    return e;
}

static unsigned page_level_of(bst_objtype_t t)
{
    return t == BST_OBJ_FRAME_1G ? 2 : t == BST_OBJ_FRAME_2M ? 1 : 0;
}

bst_error_t second_level_map_frame(const struct second_level_kind *k, struct invocation *inv)
{
    struct cap *frame = &inv->slot->cap;
    if (inv->length < 3) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *space;
    bst_error_t e = decode_space(k, inv, &space);
    if (e != BST_OK) {
        return e;
    }
    uint64_t addr = invocation_arg(inv, 1), rights = invocation_arg(inv, 2);
    if (k->frame_ok != NULL && !k->frame_ok(frame)) {
        return BST_ILLEGAL_OPERATION;
    }
    if (cap_is_device(frame) || (rights & ~k->map_rights) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if (!IS_ALIGNED(addr, cap_obj_size(frame))) {
        return BST_ALIGNMENT_ERROR;
    }
    if (addr >= k->limit()) {
        return BST_INVALID_ARGUMENT; /* aligned below a power of two: the frame fits too */
    }
    if (cap_is_bound(frame)) {
        return BST_ILLEGAL_OPERATION; /* one cap, one mapping: copy the cap to map twice */
    }
    rights = k->frame_rights(frame, rights);
    if (rights == 0) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (!k->available()) {
        return BST_ILLEGAL_OPERATION;
    }
    unsigned id, level = page_level_of(cap_type(frame));
    e = second_level_prepare(k, &space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    e = frame_map(k->format, space->cap.paddr, frame->paddr, level, addr, rights);
    if (e == BST_OK) {
        record(k, frame, id, addr, level);
    }
    return e;
}
