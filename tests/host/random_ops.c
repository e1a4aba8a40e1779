/*
 * The random operation engine and its reference model (see random_ops.h).
 *
 * The model is deliberately naive: a flat array of capabilities, each with the slot it
 * is in and the index of its parent, and linear scans for everything (children, "last
 * cap to an object", descendants). It deletes the contents of a dead CNode at once,
 * where the kernel reaps them later; the results agree because the kernel always
 * finishes reaping before the next operation decodes, and the test drains it after
 * each step before comparing.
 */
#include "random_ops.h"

#include <stdlib.h>
#include <string.h>

#define RAM_BYTES   (UINT64_C(2) << 20)
#define EPOCH_STEPS 4096 /* a fresh world every so many steps */
#define DEV_BYTES   (UINT64_C(4) << 20)
#define ROOT_RADIX  6
#define MAX_NODES   1024
#define MAX_CNODES  256
#define MAX_ADDRS   4096
#define ROOT_SLOT   BST_SLOT_ROOT_CNODE
#define CAPS_TARGET 160 /* above this, prefer operations that delete */

struct mnode {
    bool live;
    bool mark;
    struct cte *slot;
    struct cap cap; /* expected value; untyped.zeroed is not modelled */
    int parent;     /* index into nodes, or -1 for the CDT root */
};

struct mcnode {
    paddr_t paddr;
    unsigned radix;
};

/* An address the engine can name, with the slot it resolves to. */
struct addr {
    struct slot_ref ref;
    struct cte *slot;
};

static struct choice_source source;
static struct engine_stats stats;
static struct world world;
static struct cap flat_root; /* the root CNode cap without its guard: depth 6 per level */
static struct mnode nodes[MAX_NODES];
static struct mcnode cnodes[MAX_CNODES];
static size_t n_cnodes;
static struct addr addrs[MAX_ADDRS];
static size_t n_addrs;
static int created[BST_RETYPE_MAX_COUNT];
static size_t n_created;
static char *fail_why;
static size_t fail_len;

static uint64_t pick(uint64_t bound)
{
    return source.pick(source.ctx, bound);
}

static bool chance(unsigned percent)
{
    return pick(100) < percent;
}

static bool fail(const char *fmt, const char *a, const char *b)
{
    snprintf(fail_why, fail_len, fmt, a, b);
    return false;
}

/* ---- Model state ---- */

static int node_at(const struct cte *slot)
{
    for (int i = 0; i < MAX_NODES; i++) {
        if (nodes[i].live && nodes[i].slot == slot)
            return i;
    }
    return -1;
}

static int node_new(struct cte *slot, struct cap cap, int parent)
{
    for (int i = 0; i < MAX_NODES; i++) {
        if (!nodes[i].live) {
            nodes[i] = (struct mnode){.live = true, .slot = slot, .cap = cap, .parent = parent};
            return i;
        }
    }
    abort(); /* MAX_NODES is far above what the engine lets live */
}

static size_t live_nodes(void)
{
    size_t n = 0;
    for (int i = 0; i < MAX_NODES; i++)
        n += nodes[i].live;
    return n;
}

static bool m_has_children(int i)
{
    for (int j = 0; j < MAX_NODES; j++) {
        if (nodes[j].live && nodes[j].parent == i)
            return true;
    }
    return false;
}

static bool m_issuer(const struct cap *c)
{
    return c->type == BST_OBJ_UNTYPED || c->type == BST_OBJ_IRQ_CONTROL ||
           c->type == BST_OBJ_IOPORT_CONTROL;
}

static bool m_same_object(const struct cap *a, const struct cap *b)
{
    return a->type == b->type && a->type != BST_OBJ_UNTYPED && a->paddr == b->paddr;
}

static bool m_is_last(int i)
{
    for (int j = 0; j < MAX_NODES; j++) {
        if (j != i && nodes[j].live && m_same_object(&nodes[j].cap, &nodes[i].cap))
            return false;
    }
    return true;
}

static bool slot_in_cnode(const struct cte *slot, const struct mcnode *cn)
{
    const uint8_t *base = kmem_ptr(cn->paddr);
    const uint8_t *p = (const uint8_t *)slot;
    return p >= base && p < base + (BIT(cn->radix) << BST_CNODE_SLOT_BITS);
}

static void m_delete(int i);

/* The last cap to a CNode went: everything in it goes too. */
static void m_cnode_dies(paddr_t paddr)
{
    for (size_t k = 0; k < n_cnodes; k++) {
        if (cnodes[k].paddr != paddr)
            continue;
        struct mcnode cn = cnodes[k];
        cnodes[k] = cnodes[--n_cnodes];
        for (int j = 0; j < MAX_NODES; j++) {
            if (nodes[j].live && slot_in_cnode(nodes[j].slot, &cn))
                m_delete(j);
        }
        return;
    }
    abort();
}

static void m_delete(int i)
{
    bool last = m_is_last(i);
    for (int j = 0; j < MAX_NODES; j++) {
        if (nodes[j].live && nodes[j].parent == i)
            nodes[j].parent = nodes[i].parent;
    }
    nodes[i].live = false;
    if (last && nodes[i].cap.type == BST_OBJ_CNODE)
        m_cnode_dies(nodes[i].cap.paddr);
}

static bool m_is_descendant(int j, int i)
{
    for (int p = nodes[j].parent; p >= 0; p = nodes[p].parent) {
        if (p == i)
            return true;
    }
    return false;
}

static void m_revoke(int i)
{
    for (int j = 0; j < MAX_NODES; j++)
        nodes[j].mark = nodes[j].live && m_is_descendant(j, i);
    for (int j = 0; j < MAX_NODES; j++) {
        if (nodes[j].mark && nodes[j].live)
            m_delete(j);
    }
}

/* ---- Model of lookup ---- */

struct mlook {
    bst_error_t err;
    struct cte *slot;
};

static struct mlook m_lookup(struct slot_ref r)
{
    struct mlook out = {.err = BST_RANGE_ERROR, .slot = NULL};
    if (r.depth < 1 || r.depth > 64)
        return out;
    out.err = BST_INVALID_CAPABILITY;
    if (r.root->type != BST_OBJ_CNODE)
        return out;
    struct cap cn = *r.root;
    unsigned left = r.depth;
    out.err = BST_FAILED_LOOKUP;
    for (;;) {
        unsigned g = cn.u.cnode.guard_bits, rad = cn.u.cnode.radix;
        if (g + rad > left)
            return out;
        uint64_t bits = r.cptr.bits;
        if (left < 64)
            bits &= BIT(left) - 1; /* the used bits, most significant first */
        uint64_t guard = g ? (bits >> (left - g)) & (BIT(g) - 1) : 0;
        uint64_t index = (bits >> (left - g - rad)) & (BIT(rad) - 1);
        if (guard != cn.u.cnode.guard || index == 0)
            return out;
        struct cte *slot = (struct cte *)kmem_ptr(cn.paddr) + index;
        left -= g + rad;
        if (left == 0) {
            out.err = BST_OK;
            out.slot = slot;
            return out;
        }
        if (slot->cap.type != BST_OBJ_CNODE)
            return out;
        cn = slot->cap;
    }
}

/* ---- Addresses ---- */

static void add_addr(const struct cap *root, uint64_t cptr, unsigned depth, struct cte *slot)
{
    if (n_addrs < MAX_ADDRS)
        addrs[n_addrs++] = (struct addr){
            .ref = {.root = root, .cptr = cptr_from_word(cptr), .depth = depth}, .slot = slot};
}

/* Every root slot, and every slot of a CNode whose cap sits in a root slot. */
static void collect_addrs(void)
{
    n_addrs = 0;
    for (uint64_t i = 1; i < BIT(ROOT_RADIX); i++) {
        struct cte *s = (struct cte *)kmem_ptr(flat_root.paddr) + i;
        add_addr(&flat_root, i, ROOT_RADIX, s);
        const struct cap *c = &s->cap;
        unsigned g = c->u.cnode.guard_bits, r = c->u.cnode.radix;
        if (c->type != BST_OBJ_CNODE || ROOT_RADIX + g + r > 64 || g + r > 20)
            continue;
        for (uint64_t j = 1; j < BIT(r); j++) {
            uint64_t cptr = (i << (g + r)) | (c->u.cnode.guard << r) | j;
            add_addr(&flat_root, cptr, ROOT_RADIX + g + r, (struct cte *)kmem_ptr(c->paddr) + j);
        }
    }
}

/* An address: usually a valid one, sometimes garbage. */
static struct slot_ref pick_ref(void)
{
    if (chance(4)) {
        struct slot_ref r = {.root = &flat_root,
                             .cptr = cptr_from_word(pick(1u << 16)),
                             .depth = (unsigned)pick(70)};
        if (chance(20))
            r.root = &world_slot(&world, BST_SLOT_BOOTINFO)->cap; /* not a CNode */
        return r;
    }
    return addrs[pick(n_addrs)].ref;
}

/* An address of a non-empty slot when there is one (most operations want one). */
static struct slot_ref pick_full_ref(void)
{
    for (int tries = 0; tries < 8; tries++) {
        struct slot_ref r = pick_ref();
        struct mlook l = m_lookup(r);
        if (l.err != BST_OK || !cap_is_null(&l.slot->cap))
            return r;
    }
    return pick_ref();
}

static bool is_root_slot(struct slot_ref r)
{
    struct mlook l = m_lookup(r);
    return l.err == BST_OK && l.slot == world.boot.root_cnode_slot;
}

/* An address whose slot holds a cap of `type` (or any address if there is none). */
static struct slot_ref pick_typed_ref(unsigned type)
{
    size_t start = pick(n_addrs);
    for (size_t k = 0; k < n_addrs; k++) {
        const struct addr *a = &addrs[(start + k) % n_addrs];
        if (a->slot->cap.type == type)
            return a->ref;
    }
    return pick_ref();
}

/* Usually an address of an empty slot. */
static struct slot_ref pick_empty_ref(void)
{
    size_t start = pick(n_addrs);
    for (size_t k = 0; k < n_addrs && !chance(10); k++) {
        const struct addr *a = &addrs[(start + k) % n_addrs];
        if (cap_is_null(&a->slot->cap))
            return a->ref;
    }
    return pick_ref();
}

/* Boot untyped are the world's only memory: delete them rarely. */
static bool is_boot_untyped(struct slot_ref r)
{
    struct mlook l = m_lookup(r);
    if (l.err != BST_OK || l.slot->cap.type != BST_OBJ_UNTYPED)
        return false;
    int n = node_at(l.slot);
    return n >= 0 && nodes[n].parent < 0;
}

/* ---- Predictions ---- */

static bst_error_t m_derive(const struct cap *src, uint64_t rights, bool set_data, uint64_t data,
                            struct cap *out)
{
    *out = *src;
    if (rights & ~BST_RIGHTS_ALL)
        return BST_INVALID_ARGUMENT;
    out->rights &= (uint8_t)rights;
    if (!set_data)
        return BST_OK;
    if (src->type == BST_OBJ_CNODE) {
        unsigned bits = data & 63;
        uint64_t value = data >> 6;
        if (bits + src->u.cnode.radix > 64 || (bits < 58 && (value >> bits) != 0))
            return BST_INVALID_ARGUMENT;
        out->u.cnode.guard = value;
        out->u.cnode.guard_bits = (uint8_t)bits;
        return BST_OK;
    }
    if (src->type == BST_OBJ_ENDPOINT || src->type == BST_OBJ_NOTIFICATION) {
        if (data != 0 && src->u.ipc.badge != 0)
            return BST_ILLEGAL_OPERATION;
        if (data != 0)
            out->u.ipc.badge = data;
        return BST_OK;
    }
    return data ? BST_INVALID_ARGUMENT : BST_OK;
}

/* Look up src then dst and check src full, dst empty. */
static bst_error_t m_two(struct slot_ref dst, struct slot_ref src, struct mlook *d, struct mlook *s)
{
    *s = m_lookup(src);
    if (s->err != BST_OK)
        return s->err;
    *d = m_lookup(dst);
    if (d->err != BST_OK)
        return d->err;
    if (cap_is_null(&s->slot->cap))
        return BST_INVALID_CAPABILITY;
    if (!cap_is_null(&d->slot->cap))
        return BST_SLOT_OCCUPIED;
    return BST_OK;
}

static uint64_t pick_rights(void)
{
    return chance(5) ? 0x10 | pick(16) : (chance(50) ? BST_RIGHTS_ALL : pick(16));
}

static uint64_t pick_data(void)
{
    switch (pick(4)) {
    case 0:
        return 0;
    case 1:
        return 1 + pick(1000);
    case 2:
        return bst_cnode_guard_data(pick(4), (unsigned)pick(4));
    default:
        return pick(1u << 20);
    }
}

/* ---- Running an operation ---- */

enum op_kind { OP_COPY, OP_MINT, OP_MOVE, OP_MUTATE, OP_DELETE, OP_REVOKE, OP_ROTATE, OP_RETYPE };

struct op {
    enum op_kind kind;
    struct slot_ref a, b, c; /* dst/target, src or pivot, src (rotate) */
    uint64_t rights, data;
    struct retype_args retype;
    bool no_preempt; /* see predict_delete() */
};

static bst_error_t run_once(const struct op *o)
{
    switch (o->kind) {
    case OP_COPY:
        return cnode_copy(o->a, o->b, (bst_rights_t)o->rights);
    case OP_MINT:
        return cnode_mint(o->a, o->b, (bst_rights_t)o->rights, o->data);
    case OP_MOVE:
        return cnode_move(o->a, o->b);
    case OP_MUTATE:
        return cnode_mutate(o->a, o->b, (bst_rights_t)o->rights, o->data);
    case OP_DELETE:
        return cnode_delete(o->a);
    case OP_REVOKE:
        return cnode_revoke(o->a);
    case OP_ROTATE:
        return cnode_rotate(o->a, o->b, o->c);
    case OP_RETYPE:
        return untyped_retype(o->a, &o->retype);
    }
    return BST_INVALID_ARGUMENT;
}

/* Run, restarting after every preemption as the kernel would; check invariants at each
 * preemption point. */
static bool run(const struct op *o, bst_error_t *out)
{
    if (o->no_preempt)
        preempt_every(0);
    for (;;) {
        bst_error_t e = run_once(o);
        if (e != BST_PREEMPTED) {
            *out = e;
            return true;
        }
        stats.preemptions++;
        struct invariant_result inv = objects_check_invariants();
        if (!inv.ok)
            return fail("invariant broken at a preemption point: %s%s", inv.why, "");
    }
}

static bst_error_t predict_copy(const struct op *o)
{
    struct mlook d, s;
    bst_error_t e = m_two(o->a, o->b, &d, &s);
    if (e != BST_OK)
        return e;
    bst_objtype_t t = (bst_objtype_t)s.slot->cap.type;
    if (m_issuer(&s.slot->cap) || t == BST_OBJ_PT_L1 || t == BST_OBJ_PT_L2 || t == BST_OBJ_PT_L3 ||
        t == BST_OBJ_IOPT || t == BST_OBJ_GPT)
        return BST_ILLEGAL_OPERATION; /* issuers and page tables are never copied */
    struct cap c;
    e = m_derive(&s.slot->cap, o->rights, o->kind == OP_MINT, o->data, &c);
    if (e == BST_OK)
        node_new(d.slot, c, node_at(s.slot));
    return e;
}

static bst_error_t predict_move(const struct op *o)
{
    struct mlook d, s;
    bst_error_t e = m_two(o->a, o->b, &d, &s);
    if (e != BST_OK)
        return e;
    int n = node_at(s.slot);
    struct cap c = s.slot->cap;
    if (o->kind == OP_MUTATE) {
        if (m_has_children(n))
            return BST_REVOKE_FIRST;
        e = m_derive(&s.slot->cap, o->rights, true, o->data, &c);
        if (e != BST_OK)
            return e;
    }
    nodes[n].slot = d.slot;
    nodes[n].cap = c;
    return BST_OK;
}

static bst_error_t predict_delete(const struct op *o)
{
    struct mlook t = m_lookup(o->a);
    if (t.err != BST_OK || cap_is_null(&t.slot->cap))
        return t.err;
    int n = node_at(t.slot);
    /* A preempted revoke is restarted from its address. When the address runs through
     * a cap the revoke deletes, the restart fails its lookup with part of the revoke
     * done (as documented); the model does not predict that, so run such a revoke
     * without preemption. */
    if (o->kind == OP_REVOKE && o->a.root == &flat_root && o->a.depth > ROOT_RADIX) {
        uint64_t first = (o->a.cptr.bits >> (o->a.depth - ROOT_RADIX)) & (BIT(ROOT_RADIX) - 1);
        int via = node_at((struct cte *)kmem_ptr(flat_root.paddr) + first);
        ((struct op *)o)->no_preempt = via >= 0 && m_is_descendant(via, n);
    }
    if (o->kind == OP_DELETE)
        m_delete(n);
    else
        m_revoke(n);
    return BST_OK;
}

static bst_error_t predict_rotate(const struct op *o)
{
    struct mlook dst, pv, src = m_lookup(o->c);
    if (src.err != BST_OK)
        return src.err;
    if ((pv = m_lookup(o->b)).err != BST_OK)
        return pv.err;
    if ((dst = m_lookup(o->a)).err != BST_OK)
        return dst.err;
    if (cap_is_null(&src.slot->cap) || cap_is_null(&pv.slot->cap))
        return BST_INVALID_CAPABILITY;
    if (pv.slot == src.slot || pv.slot == dst.slot)
        return BST_ILLEGAL_OPERATION;
    if (dst.slot != src.slot && !cap_is_null(&dst.slot->cap))
        return BST_SLOT_OCCUPIED;
    int ns = node_at(src.slot), np = node_at(pv.slot);
    nodes[np].slot = dst.slot;
    nodes[ns].slot = pv.slot;
    return BST_OK;
}

static unsigned m_obj_bits(uint64_t type, uint64_t bits)
{
    if (type == BST_OBJ_UNTYPED)
        return (unsigned)bits;
    if (type == BST_OBJ_CNODE)
        return (unsigned)bits + 6;
    return bst_obj_fixed_bits((bst_objtype_t)type);
}

static bst_error_t predict_retype_args(const struct retype_args *a, const struct cap *ut)
{
    if (a->type >= BST_OBJTYPE_COUNT || !(bst_obj_flags((bst_objtype_t)a->type) & BST_OBJF_RETYPE))
        return BST_INVALID_ARGUMENT;
    if (a->type == BST_OBJ_UNTYPED && (a->size_bits < 4 || a->size_bits > 47))
        return BST_RANGE_ERROR;
    if (a->type == BST_OBJ_CNODE && (a->size_bits < 1 || a->size_bits > 24))
        return BST_RANGE_ERROR;
    bool frame_or_ut = a->type == BST_OBJ_UNTYPED || a->type == BST_OBJ_FRAME_4K ||
                       a->type == BST_OBJ_FRAME_2M || a->type == BST_OBJ_FRAME_1G;
    if ((ut->flags & CAP_F_DEVICE) && !frame_or_ut)
        return BST_ILLEGAL_OPERATION;
    if (a->count < 1 || a->count > 256)
        return BST_RANGE_ERROR;
    return BST_OK;
}

static void make_objects(const struct retype_args *a, int utn, const struct cap *dest,
                         uint64_t start)
{
    struct cap *ut = &nodes[utn].cap;
    unsigned bits = m_obj_bits(a->type, a->size_bits);
    for (uint64_t i = 0; i < a->count; i++) {
        struct cap c = {.type = (uint8_t)a->type,
                        .rights = BST_RIGHTS_ALL,
                        .size_bits = (uint8_t)bits,
                        .paddr = ut->paddr + start + (i << bits)};
        if (a->type == BST_OBJ_UNTYPED || (bst_obj_flags((bst_objtype_t)a->type) & BST_OBJF_DEVICE))
            c.flags = ut->flags & CAP_F_DEVICE;
        if (a->type == BST_OBJ_CNODE) {
            c.u.cnode.radix = (uint8_t)a->size_bits;
            cnodes[n_cnodes++] = (struct mcnode){.paddr = c.paddr, .radix = (unsigned)a->size_bits};
        }
        created[n_created++] =
            node_new((struct cte *)kmem_ptr(dest->paddr) + a->dest_offset + i, c, utn);
    }
    ut->u.untyped.watermark = start + (a->count << bits);
}

static bst_error_t predict_retype(const struct op *o)
{
    const struct retype_args *a = &o->retype;
    n_created = 0;
    struct mlook u = m_lookup(o->a);
    if (u.err != BST_OK)
        return u.err;
    if (u.slot->cap.type != BST_OBJ_UNTYPED)
        return BST_INVALID_CAPABILITY;
    int utn = node_at(u.slot);
    struct cap *ut = &nodes[utn].cap;
    bst_error_t e = predict_retype_args(a, ut);
    if (e != BST_OK)
        return e;
    struct mlook d = m_lookup(a->dest_cnode);
    if (d.err != BST_OK)
        return d.err;
    if (d.slot->cap.type != BST_OBJ_CNODE)
        return BST_INVALID_CAPABILITY;
    struct cap dest = d.slot->cap;
    uint64_t n = BIT(dest.u.cnode.radix);
    if (a->dest_offset < 1 || a->dest_offset >= n || a->count > n - a->dest_offset)
        return BST_RANGE_ERROR;
    for (uint64_t i = 0; i < a->count; i++) {
        if (!cap_is_null(&((struct cte *)kmem_ptr(dest.paddr) + a->dest_offset + i)->cap))
            return BST_SLOT_OCCUPIED;
    }
    unsigned bits = m_obj_bits(a->type, a->size_bits);
    uint64_t w = m_has_children(utn) ? ut->u.untyped.watermark : 0;
    uint64_t start = (w + BIT(bits) - 1) & ~(BIT(bits) - 1);
    if (bits > ut->size_bits || start + (a->count << bits) > BIT(ut->size_bits))
        return BST_NOT_ENOUGH_MEMORY;
    make_objects(a, utn, &dest, start);
    return BST_OK;
}

static bst_error_t predict(const struct op *o)
{
    switch (o->kind) {
    case OP_COPY:
    case OP_MINT:
        return predict_copy(o);
    case OP_MOVE:
    case OP_MUTATE:
        return predict_move(o);
    case OP_DELETE:
    case OP_REVOKE:
        return predict_delete(o);
    case OP_ROTATE:
        return predict_rotate(o);
    case OP_RETYPE:
        return predict_retype(o);
    }
    return BST_INVALID_ARGUMENT;
}

/* ---- Choosing operations ---- */

static const bst_objtype_t retype_types[] = {
    BST_OBJ_UNTYPED,      BST_OBJ_CNODE,    BST_OBJ_CNODE,    BST_OBJ_ENDPOINT,
    BST_OBJ_NOTIFICATION, BST_OBJ_FRAME_4K, BST_OBJ_TCB,      BST_OBJ_SCHED_CONTEXT,
    BST_OBJ_REPLY,        BST_OBJ_PT_L1,    BST_OBJ_FRAME_2M, BST_OBJ_VSPACE,
};

/* A destination CNode (usually the root) and an offset, usually of an empty slot. */
static void choose_retype_dest(struct retype_args *a)
{
    a->dest_cnode = chance(60) ? addrs[0].ref : pick_typed_ref(BST_OBJ_CNODE); /* [0]: slot 1 */
    struct mlook l = m_lookup(a->dest_cnode);
    uint64_t slots = 8;
    if (l.err == BST_OK && l.slot->cap.type == BST_OBJ_CNODE)
        slots = BIT(l.slot->cap.u.cnode.radix);
    a->dest_offset = chance(3) ? pick(80) : 1 + pick(slots - 1);
    if (l.err != BST_OK || l.slot->cap.type != BST_OBJ_CNODE || chance(10))
        return;
    const struct cte *base = kmem_ptr(l.slot->cap.paddr);
    for (uint64_t k = 0; k < slots; k++) {
        uint64_t i = 1 + (a->dest_offset + k) % (slots - 1);
        if (cap_is_null(&base[i].cap)) {
            a->dest_offset = i;
            return;
        }
    }
}

static void choose_retype(struct op *o)
{
    struct retype_args *a = &o->retype;
    o->a = chance(95) ? pick_typed_ref(BST_OBJ_UNTYPED) : pick_full_ref();
    a->type =
        chance(3) ? pick(BST_OBJTYPE_COUNT + 2) : retype_types[pick(ARRAY_SIZE(retype_types))];
    a->size_bits = a->type == BST_OBJ_CNODE ? 1 + pick(3) : 6 + pick(12);
    if (chance(2))
        a->size_bits = pick(64);
    a->count = chance(2) ? pick(300) : (chance(70) ? 1 : 1 + pick(3));
    choose_retype_dest(a);
}

static bool choose(struct op *o)
{
    memset(o, 0, sizeof(*o));
    bool crowded = live_nodes() > CAPS_TARGET;
    unsigned k = (unsigned)pick(100);
    if (crowded && k < 65)
        k = 65 + (unsigned)pick(27); /* delete or revoke */
    o->rights = pick_rights();
    o->data = pick_data();
    if (k < 30) {
        o->kind = OP_RETYPE;
        choose_retype(o);
    } else if (k < 65) {
        o->kind = k < 40 ? OP_COPY : k < 47 ? OP_MINT : k < 54 ? OP_MOVE : OP_MUTATE;
        o->a = pick_empty_ref();
        o->b = pick_full_ref();
    } else if (k < 92) {
        o->kind = k < 84 ? OP_DELETE : OP_REVOKE;
        o->a = pick_full_ref();
    } else {
        o->kind = OP_ROTATE;
        o->a = pick_empty_ref();
        o->b = pick_full_ref();
        o->c = chance(20) ? o->a : pick_full_ref();
    }
    /* The root CNode cap in slot 1 holds the whole world up: never move or delete it. */
    bool moves_b = o->kind == OP_MOVE || o->kind == OP_MUTATE || o->kind == OP_ROTATE;
    if (o->kind == OP_DELETE && (is_root_slot(o->a) || (is_boot_untyped(o->a) && !chance(2))))
        return false;
    if (moves_b && is_root_slot(o->b))
        return false;
    if (o->kind == OP_ROTATE && (is_root_slot(o->c) || is_root_slot(o->a)))
        return false;
    return true;
}

/* A user writes to one of its RAM frames (so that zeroing on reuse is visible). */
static void scribble(void)
{
    for (int tries = 0; tries < 16; tries++) {
        struct mnode *n = &nodes[pick(MAX_NODES)];
        if (n->live && n->cap.type == BST_OBJ_FRAME_4K && !(n->cap.flags & CAP_F_DEVICE)) {
            phys_fill(n->cap.paddr, 4096, (uint8_t)(1 + pick(255)));
            return;
        }
    }
}

/* ---- Comparing model and kernel ---- */

static bool caps_equal(const struct cap *want, const struct cap *got)
{
    if (want->type != got->type || want->rights != got->rights ||
        want->size_bits != got->size_bits || want->flags != got->flags || want->paddr != got->paddr)
        return false;
    switch (want->type) {
    case BST_OBJ_UNTYPED:
        return want->u.untyped.watermark == got->u.untyped.watermark;
    case BST_OBJ_CNODE:
        return want->u.cnode.guard == got->u.cnode.guard &&
               want->u.cnode.guard_bits == got->u.cnode.guard_bits &&
               want->u.cnode.radix == got->u.cnode.radix;
    default:
        return want->u.raw[0] == got->u.raw[0] && want->u.raw[1] == got->u.raw[1];
    }
}

static bool compare(bool parents)
{
    size_t real = 0;
    for (size_t k = 0; k < n_cnodes; k++) {
        const struct cte *s = kmem_ptr(cnodes[k].paddr);
        for (uint64_t i = 1; i < BIT(cnodes[k].radix); i++)
            real += !cap_is_null(&s[i].cap);
    }
    if (real != live_nodes())
        return fail("kernel has a different number of caps than the model%s%s", "", "");
    for (int i = 0; i < MAX_NODES; i++) {
        if (!nodes[i].live)
            continue;
        const struct cte *s = nodes[i].slot;
        if (!caps_equal(&nodes[i].cap, &s->cap))
            return fail("cap differs from the model (%s, kernel has %s)",
                        bst_obj_name((bst_objtype_t)nodes[i].cap.type),
                        bst_obj_name((bst_objtype_t)s->cap.type));
        struct cte *want = nodes[i].parent < 0 ? cdt_root() : nodes[nodes[i].parent].slot;
        if (parents && cdt_parent(s) != want)
            return fail("CDT parent differs from the model (%s)%s",
                        bst_obj_name((bst_objtype_t)nodes[i].cap.type), "");
    }
    return true;
}

/* Objects a retype just made from RAM must be zero (CNodes: checked by the checker). */
static bool new_objects_zeroed(const struct op *o, bst_error_t got)
{
    if (o->kind != OP_RETYPE || got != BST_OK)
        return true;
    for (size_t k = 0; k < n_created; k++) {
        const struct cap *c = &nodes[created[k]].cap;
        if (c->type == BST_OBJ_UNTYPED || c->type == BST_OBJ_CNODE || (c->flags & CAP_F_DEVICE))
            continue;
        if (!phys_is(c->paddr, BIT(c->size_bits), 0))
            return fail("a new %s is not zeroed%s", bst_obj_name((bst_objtype_t)c->type), "");
    }
    return true;
}

/* ---- The engine ---- */

/* Boot a fresh world and seed the model with the boot caps. */
static void engine_boot(void)
{
    memset(nodes, 0, sizeof(nodes));
    preempt_every(0);
    struct boot_range ram = {PHYS_BASE, PHYS_BASE + RAM_BYTES};
    struct boot_range dev = {DEV_BASE, DEV_BASE + DEV_BYTES};
    struct boot_options opt = {.root_cnode_radix = ROOT_RADIX};
    phys_fill(PHYS_BASE, RAM_BYTES, 0xdb);
    world.boot = boot_create_root_cspace(&ram, 1, &dev, 1, &opt);
    if (world.boot.status != BST_OK)
        abort();
    world.root = &world.boot.root_cnode_slot->cap;
    flat_root = *world.root;
    flat_root.u.cnode.guard_bits = 0;
    n_cnodes = 0;
    cnodes[n_cnodes++] = (struct mcnode){.paddr = flat_root.paddr, .radix = ROOT_RADIX};
    for (uint64_t i = 1; i < BIT(ROOT_RADIX); i++) {
        struct cte *s = cnode_slot(world.root, i);
        if (!cap_is_null(&s->cap))
            node_new(s, s->cap, -1);
    }
}

void engine_start(const struct choice_source *src)
{
    source = *src;
    memset(&stats, 0, sizeof(stats));
    engine_boot();
}

static bool drain_reaping(void)
{
    bst_error_t e;
    while ((e = cnode_reap()) == BST_PREEMPTED) {
        stats.preemptions++;
        struct invariant_result inv = objects_check_invariants();
        if (!inv.ok)
            return fail("invariant broken while reaping: %s%s", inv.why, "");
    }
    return true;
}

bool engine_step(char *why, size_t why_len)
{
    fail_why = why;
    fail_len = why_len;
    if (stats.steps++ % EPOCH_STEPS == EPOCH_STEPS - 1)
        engine_boot();
    if (chance(2))
        preempt_every(chance(50) ? 0 : 1 + pick(8));
    collect_addrs();
    if (chance(5)) {
        scribble();
        return true;
    }
    struct op o;
    if (!choose(&o))
        return true;
    bst_error_t want = predict(&o), got;
    if (!run(&o, &got))
        return false;
    if (got != want) {
        fprintf(stderr, "op %d a=(%llx,%u) b=(%llx,%u) c=(%llx,%u) rights %llx data %llx\n",
                (int)o.kind, (unsigned long long)o.a.cptr.bits, o.a.depth,
                (unsigned long long)o.b.cptr.bits, o.b.depth, (unsigned long long)o.c.cptr.bits,
                o.c.depth, (unsigned long long)o.rights, (unsigned long long)o.data);
        return fail("operation returned %s, the model expected %s", bst_error_name(got),
                    bst_error_name(want));
    }
    *(got == BST_OK ? &stats.ok : &stats.errors) += 1;
    if (!drain_reaping())
        return false;
    struct invariant_result inv = objects_check_invariants();
    if (!inv.ok)
        return fail("invariant broken: %s%s", inv.why, "");
    size_t live = live_nodes();
    stats.max_caps = live > stats.max_caps ? live : stats.max_caps;
    return new_objects_zeroed(&o, got) && compare(stats.steps % 16 == 0);
}

const struct engine_stats *engine_stats(void)
{
    return &stats;
}
