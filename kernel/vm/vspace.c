/*
 * Address spaces, frames and page tables, generically. See vm/vspace.h.
 */
#include <arch/vspace.h>
#include <bastion/vmattr.h>
#include <kassert.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <vm/iospace.h>
#include <vm/vspace.h>

#define MAPPED_FLAG BIT(63)
#define ID_SHIFT    48
#define VADDR_MASK  (BIT(ID_SHIFT) - 1)

struct vspace_id {
    paddr_t pml4; /* 0: free */
    uint64_t generation;
};

static struct vspace_id ids[VSPACE_MAX_IDS]; /* id 0 is the kernel's, never given */
static uint64_t next_generation = 1;

static bool is_frame(bst_objtype_t t)
{
    return t == BST_OBJ_FRAME_4K || t == BST_OBJ_FRAME_2M || t == BST_OBJ_FRAME_1G;
}

unsigned vm_level_of(bst_objtype_t t)
{
    switch (t) {
    case BST_OBJ_FRAME_2M:
    case BST_OBJ_PT_L2:
        return 1;
    case BST_OBJ_FRAME_1G:
    case BST_OBJ_PT_L3:
        return 2;
    default:
        return 0;
    }
}

bst_error_t vspace_prepare(const struct cap *vspace)
{
    kassert(cap_type(vspace) == BST_OBJ_VSPACE);
    if (arch_vspace_id(vspace->paddr) != 0) {
        return BST_OK;
    }
    for (unsigned id = 1; id < VSPACE_MAX_IDS; id++) {
        if (ids[id].pml4 == 0) {
            ids[id] = (struct vspace_id){vspace->paddr, next_generation++};
            arch_vspace_init(vspace->paddr, id);
            return BST_OK;
        }
    }
    return BST_NOT_ENOUGH_MEMORY;
}

bool vspace_is_prepared(const struct cap *vspace)
{
    return arch_vspace_id(vspace->paddr) != 0;
}

unsigned vspace_id_of(const struct cap *vspace)
{
    return arch_vspace_id(vspace->paddr);
}

uint64_t vspace_id_generation(unsigned id)
{
    return id < VSPACE_MAX_IDS && ids[id].pml4 != 0 ? ids[id].generation : 0;
}

paddr_t vspace_id_lookup(unsigned id, uint64_t generation)
{
    if (id == 0 || id >= VSPACE_MAX_IDS || ids[id].pml4 == 0 || ids[id].generation != generation) {
        return 0;
    }
    return ids[id].pml4;
}

void vspace_finalise(const struct cap *vspace)
{
    unsigned id = arch_vspace_id(vspace->paddr);
    if (id != 0 && ids[id].pml4 == vspace->paddr) {
        ids[id] = (struct vspace_id){0, 0};
        arch_vspace_clear_id(vspace->paddr);
    }
}

bool vm_cap_is_mapped(const struct cap *c)
{
    return (c->u.raw[0] & MAPPED_FLAG) != 0;
}

vaddr_t vm_cap_mapped_vaddr(const struct cap *c)
{
    return c->u.raw[0] & VADDR_MASK;
}

static unsigned recorded_id(const struct cap *c)
{
    return (unsigned)((c->u.raw[0] >> ID_SHIFT) & (VSPACE_MAX_IDS - 1));
}

bool vm_cap_records(const struct cap *c, unsigned id, uint64_t generation, vaddr_t vaddr)
{
    return vm_cap_is_mapped(c) && recorded_id(c) == id && c->u.raw[1] == generation &&
           vm_cap_mapped_vaddr(c) == vaddr;
}

/* The PML4 the cap's recorded mapping lives in, or 0 if that VSpace is gone. */
static paddr_t mapped_pml4(const struct cap *c)
{
    unsigned id = recorded_id(c);
    if (!vm_cap_is_mapped(c) || ids[id].pml4 == 0 || ids[id].generation != c->u.raw[1]) {
        return 0;
    }
    return ids[id].pml4;
}

static void record_mapping(struct cap *c, paddr_t pml4, vaddr_t vaddr)
{
    unsigned id = arch_vspace_id(pml4);
    c->u.raw[0] = MAPPED_FLAG | ((uint64_t)id << ID_SHIFT) | vaddr;
    c->u.raw[1] = ids[id].generation;
}

/* A table's cap is its only one (cap_may_copy): once the cap unmaps it, the table is in
 * no VSpace, and it is emptied, so that mapping it again shows nothing of its old place
 * (frames whose entries it held find nothing to remove later, which is right). */
void vm_unmap_cap(struct cap *c)
{
    paddr_t pml4 = mapped_pml4(c);
    if (pml4 != 0) {
        vaddr_t va = vm_cap_mapped_vaddr(c);
        if (is_frame(cap_type(c))) {
            arch_frame_unmap(pml4, vm_level_of(cap_type(c)), c->paddr, va);
        } else {
            arch_table_unmap(pml4, vm_level_of(cap_type(c)), c->paddr, va);
        }
    }
    if (!is_frame(cap_type(c)) && vm_cap_is_mapped(c)) {
        arch_table_clear(c->paddr);
    }
    c->u.raw[0] = c->u.raw[1] = 0;
}

bool vm_table_present(const struct cap *vs, bst_objtype_t table_type, vaddr_t vaddr)
{
    return arch_table_present(vs->paddr, vm_level_of(table_type), vaddr);
}

bool vspace_maps_frame_writable(const struct cap *vspace, const struct cap *frame, vaddr_t vaddr)
{
    struct arch_translation t = arch_vspace_translate(vspace->paddr, vaddr);
    uint64_t size = cap_obj_size(frame);
    return t.present && t.writable && t.user && t.paddr - (vaddr & (size - 1)) == frame->paddr;
}

/* Decode the VSpace argument shared by FRAME_MAP and PAGE_TABLE_MAP. */
static bst_error_t decode_vspace(struct invocation *inv, uint64_t cptr, const struct cap **out)
{
    struct lookup_result l = invocation_lookup_cap(inv, cptr);
    if (l.status != BST_OK) {
        return l.status;
    }
    if (cap_type(&l.slot->cap) != BST_OBJ_VSPACE) {
        return BST_INVALID_CAPABILITY;
    }
    *out = &l.slot->cap;
    return BST_OK;
}

bst_error_t vm_map_frame(struct cap *frame, const struct cap *vs, vaddr_t vaddr, uint64_t rights,
                         uint64_t attrs)
{
    bst_error_t e;
    if ((attrs & ~(uint64_t)BST_MAP_ATTR_MASK) != 0 || (attrs & BST_CACHE_MASK) == 3 ||
        (rights & ~(uint64_t)BST_RIGHTS_ALL) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if (!IS_ALIGNED(vaddr, cap_obj_size(frame))) {
        return BST_ALIGNMENT_ERROR;
    }
    if (vaddr >= BST_USER_MAP_TOP || BST_USER_MAP_TOP - vaddr < cap_obj_size(frame)) {
        return BST_INVALID_ARGUMENT;
    }
    if (cap_type(frame) == BST_OBJ_FRAME_1G && !arch_vspace_has_huge_pages()) {
        return BST_ILLEGAL_OPERATION;
    }
    e = vspace_prepare(vs);
    if (e != BST_OK) {
        return e;
    }
    if (cap_is_io_mapped(frame) || cap_is_guest_mapped(frame)) {
        return BST_ILLEGAL_OPERATION; /* mapped for a device or guest: copy the cap */
    }
    if (vm_cap_is_mapped(frame) &&
        (mapped_pml4(frame) != vs->paddr || vm_cap_mapped_vaddr(frame) != vaddr)) {
        return BST_ILLEGAL_OPERATION; /* one cap, one mapping: copy the cap to map twice */
    }
    struct arch_translation here = arch_vspace_translate(vs->paddr, vaddr);
    if (!vm_cap_is_mapped(frame) && here.present && here.paddr == frame->paddr) {
        /* The frame is mapped here by another of its caps (a copy): only the cap that
         * records a mapping may remap it. Another cap would change its rights and then,
         * unmapped or deleted, take it from under the cap that records it. (Another
         * frame here is SLOT_OCCUPIED from the page tables.) */
        return BST_SLOT_OCCUPIED;
    }
    rights &= frame->rights;
    struct arch_mapping m = {
        .writable = (rights & BST_RIGHT_WRITE) != 0,
        .executable = (attrs & BST_MAP_EXECUTABLE) != 0,
        .cache = (unsigned)(attrs & BST_CACHE_MASK),
    };
    if (!(rights & BST_RIGHT_READ)) {
        return BST_INSUFFICIENT_RIGHTS; /* x86 cannot map write-only or no-access */
    }
    e = arch_frame_map(vs->paddr, vm_level_of(cap_type(frame)), frame->paddr, vaddr, m);
    if (e == BST_OK) {
        record_mapping(frame, vs->paddr, vaddr);
    }
    return e;
}

static bst_error_t frame_map(struct invocation *inv, struct cap *frame)
{
    if (inv->length < 4) {
        return BST_TRUNCATED_MESSAGE;
    }
    const struct cap *vs;
    bst_error_t e = decode_vspace(inv, invocation_arg(inv, 0), &vs);
    if (e != BST_OK) {
        return e;
    }
    return vm_map_frame(frame, vs, invocation_arg(inv, 1), invocation_arg(inv, 2),
                        invocation_arg(inv, 3));
}

bst_error_t frame_invoke(struct invocation *inv)
{
    struct cap *frame = &inv->slot->cap;
    switch (inv->label) {
    case BST_INV_FRAME_MAP:
        return frame_map(inv, frame);
    case BST_INV_FRAME_UNMAP:
        cap_unbind(frame); /* a VSpace mapping here, an I/O one in vm/iospace.c */
        return BST_OK;
    case BST_INV_FRAME_GET_ADDRESS:
        invocation_reply(inv, 0, frame->paddr);
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

bst_error_t vm_map_table(struct cap *table, const struct cap *vs, vaddr_t vaddr)
{
    bst_error_t e;
    if (vaddr >= BST_USER_TOP) {
        return BST_INVALID_ARGUMENT;
    }
    if (vm_cap_is_mapped(table)) {
        return BST_ILLEGAL_OPERATION;
    }
    e = vspace_prepare(vs);
    if (e != BST_OK) {
        return e;
    }
    unsigned level = vm_level_of(cap_type(table));
    vaddr = ALIGN_DOWN(vaddr, 1ull << vspace_page_bits(level + 1));
    e = arch_table_map(vs->paddr, level, table->paddr, vaddr);
    if (e == BST_OK) {
        record_mapping(table, vs->paddr, vaddr);
    }
    return e;
}

static bst_error_t page_table_map(struct invocation *inv, struct cap *table)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    const struct cap *vs;
    bst_error_t e = decode_vspace(inv, invocation_arg(inv, 0), &vs);
    if (e != BST_OK) {
        return e;
    }
    return vm_map_table(table, vs, invocation_arg(inv, 1));
}

bst_error_t page_table_invoke(struct invocation *inv)
{
    struct cap *table = &inv->slot->cap;
    switch (inv->label) {
    case BST_INV_PAGE_TABLE_MAP:
        return page_table_map(inv, table);
    case BST_INV_PAGE_TABLE_UNMAP:
        vm_unmap_cap(table);
        return BST_OK;
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

/* Unmapping happens per cap (vm_unmap_cap, on every delete); the object itself holds
 * nothing more to undo. */
void frame_finalise(const struct cap *cap)
{
    (void)cap;
}

/* A VSpace retires its identifier, an I/O space its identifier and devices; a page
 * table was already unmapped by its cap. */
void page_table_finalise(const struct cap *cap)
{
    if (cap_type(cap) == BST_OBJ_VSPACE) {
        vspace_finalise(cap);
    } else if (cap_type(cap) == BST_OBJ_IOSPACE) {
        iospace_finalise(cap);
    }
}
