/*
 * Capabilities and capability slots (CTEs).
 *
 * A capability is a 32-byte value naming one object and the rights its holder has to
 * it. It lives in a 64-byte slot (struct cte) of a CNode, together with the slot's two
 * links in the capability derivation tree (cdt.h). Slots are always 64-byte aligned;
 * the tree relies on that (cdt.c).
 *
 * "Same object": two capabilities name the same object when their type and identity
 * (physical address, IRQ number, port range) are equal. Untyped capabilities are
 * unique: an untyped cap can never be copied, so it is always the only cap to its
 * memory and the only place its watermark lives.
 */
#ifndef BASTION_OBJECT_CAP_H
#define BASTION_OBJECT_CAP_H

#include "ktypes.h"
#include <bastion/errors.h>
#include <bastion/objtype.h>
#include <bastion/rights.h>

#define CAP_F_DEVICE 0x1u /* untyped or frame in device memory: never zeroed */
/* In a TCB's slot: the thread runs with it (thread/tcb.h). A mark of the slot, not of
 * what the cap names: a TCB slot is never a copy source, and the tree's copy check
 * (objects.c) ignores it. */
#define CAP_F_THREAD 0x2u
/* In a KERNEL_IMAGE's slot: a frame that holds a page of the kernel copy (vm/kimage.h).
 * Like a TCB slot, a mark of the slot: its delete reverts the copy's page. */
#define CAP_F_KIMAGE 0x4u

struct cap {
    uint8_t type;      /* bst_objtype_t; BST_OBJ_NULL for an empty slot */
    uint8_t rights;    /* bst_rights_t */
    uint8_t size_bits; /* log2 of the object's memory (memory objects), else 0 */
    uint8_t flags;     /* CAP_F_* */
    uint32_t reserved;
    paddr_t paddr; /* the object's physical base (memory objects), else 0 */
    union {
        struct {
            uint64_t watermark; /* bytes from paddr handed out to children */
            uint64_t zeroed;    /* [watermark, zeroed) is known to hold zeros */
        } untyped;
        struct {
            uint64_t guard;     /* guard value, < 2^guard_bits */
            uint8_t guard_bits; /* guard_bits + radix <= 64 */
            uint8_t radix;      /* the CNode has 2^radix slots */
        } cnode;
        struct {
            uint64_t badge; /* 0: unbadged */
        } ipc;              /* Endpoint, Notification */
        struct {
            uint64_t irq;
        } irq; /* IRQ handler */
        struct {
            uint16_t first, last; /* the port range, inclusive */
            uint16_t grant_id;    /* VSpace identifier granted to (IOPORT_GRANT), 0: none */
            uint8_t grant_index;  /* the range's entry in that VSpace's port table */
            uint8_t reserved;
            uint64_t grant_generation; /* the identifier's generation at the grant */
        } ioport;
        struct {
            uint64_t cpu; /* the CPU whose contexts it configures */
        } sched_control;
        uint64_t raw[2];
    } u;
};

/*
 * What every capability in a slot satisfies, for the proofs (docs/testing.md "Proofs";
 * objects_check_invariants() checks the same at run time): a CNode cap's radix is in
 * the ABI's range and its guard and radix together take at most 64 address bits.
 */
/*@ predicate cap_cnode_ok(struct cap c) =
        BST_CNODE_MIN_RADIX <= c.u.cnode.radix <= BST_CNODE_MAX_RADIX &&
        c.u.cnode.guard_bits + c.u.cnode.radix <= 64;
    predicate cap_ok(struct cap c) = c.type == BST_OBJ_CNODE ==> cap_cnode_ok(c);
    predicate cap_is_ipc(struct cap c) =
        c.type == BST_OBJ_ENDPOINT || c.type == BST_OBJ_NOTIFICATION;
 */

/* One link of a doubly linked ring. */
struct cdt_link {
    struct cdt_link *next;
    struct cdt_link *prev;
};

/* A capability slot: the capability and its place in the derivation tree. */
struct cte {
    struct cap cap;
    struct cdt_link sib;  /* this node's place in its parent's ring of children */
    struct cdt_link kids; /* anchor of the ring of this node's children */
};

#define CTE_SIZE_BITS 6

_Static_assert(sizeof(struct cap) == 32, "a capability is four words");
_Static_assert(sizeof(struct cte) == (1u << CTE_SIZE_BITS), "a slot is 64 bytes");
_Static_assert(CTE_SIZE_BITS == BST_CNODE_SLOT_BITS, "the ABI's slot size is the kernel's");

static inline bst_objtype_t cap_type(const struct cap *c)
{
    return (bst_objtype_t)c->type;
}

static inline bool cap_is_null(const struct cap *c)
{
    return c->type == BST_OBJ_NULL;
}

static inline struct cap cap_null(void)
{
    return (struct cap){.type = BST_OBJ_NULL};
}

/* Bytes of memory the object takes (0 for objects without memory). */
static inline uint64_t cap_obj_size(const struct cap *c)
{
    return (bst_obj_flags(cap_type(c)) & BST_OBJF_MEMORY) ? BIT(c->size_bits) : 0;
}

static inline bool cap_has_memory(const struct cap *c)
{
    return (bst_obj_flags(cap_type(c)) & BST_OBJF_MEMORY) != 0;
}

static inline bool cap_is_device(const struct cap *c)
{
    return (c->flags & CAP_F_DEVICE) != 0;
}

/* Frames and page tables record their one mapping in the cap (vm/vspace.h): a copy
 * starts unmapped, and every such cap is unmapped when deleted, final or not. */
static inline bool cap_is_mappable(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    return t == BST_OBJ_FRAME_4K || t == BST_OBJ_FRAME_2M || t == BST_OBJ_FRAME_1G ||
           t == BST_OBJ_PT_L1 || t == BST_OBJ_PT_L2 || t == BST_OBJ_PT_L3 || t == BST_OBJ_IOPT ||
           t == BST_OBJ_GPT;
}

/* The mark of a mapping into an I/O space (vm/iospace.h) rather than a VSpace, in the
 * recorded mapping's first word; a VSpace mapping never has it (its bit 62 is a vaddr
 * bit, and user vaddrs are below 2^47). */
#define CAP_IO_MAPPED BIT(62)

/* Whether `c` records a mapping into an I/O space (an IOPT or a frame mapped for a
 * device): cap_unbind() undoes it with the IOMMU's tables, not a VSpace's. */
static inline bool cap_is_io_mapped(const struct cap *c)
{
    return cap_is_mappable(c) && (c->u.raw[0] & CAP_IO_MAPPED) != 0;
}

/* The mark of a mapping into a guest-physical space (vm/gspace.h), in the recorded
 * mapping's first word: neither a VSpace mapping (bit 63) nor an I/O one (bit 62). */
#define CAP_GUEST_MAPPED BIT(61)

/* Whether `c` records a mapping into a guest-physical space (a GPT, or a frame mapped
 * for a guest): cap_unbind() undoes it with the nested tables. */
static inline bool cap_is_guest_mapped(const struct cap *c)
{
    uint64_t marks = BIT(63) | CAP_IO_MAPPED | CAP_GUEST_MAPPED;
    return cap_is_mappable(c) && (c->u.raw[0] & marks) == CAP_GUEST_MAPPED;
}

/* Caps that record one binding of their own: a frame's or page table's mapping, an I/O
 * port cap's grant of its range to a VSpace. A copy starts unbound; every such cap's
 * binding is undone when the cap is deleted, final or not (cap_unbind, finalise.h), and
 * kept when the cap is moved or mutated. */
static inline bool cap_records_binding(const struct cap *c)
{
    return cap_is_mappable(c) || cap_type(c) == BST_OBJ_IOPORT;
}

/* Whether `c` has bound something (a mapping, a port grant) that it still records. */
static inline bool cap_is_bound(const struct cap *c)
{
    if (cap_type(c) == BST_OBJ_IOPORT) {
        return c->u.ioport.grant_id != 0;
    }
    return cap_is_mappable(c) && c->u.raw[0] != 0;
}

/* Forget the binding `c` records (it becomes a cap that has bound nothing). */
/*@ requires \valid(c);
    assigns c->u.ioport.grant_id, c->u.ioport.grant_index, c->u.ioport.grant_generation,
            c->u.raw[0 .. 1];
 */
static inline void cap_clear_binding(struct cap *c)
{
    if (cap_type(c) == BST_OBJ_IOPORT) {
        c->u.ioport.grant_id = 0;
        c->u.ioport.grant_index = 0;
        c->u.ioport.grant_generation = 0;
    } else if (cap_is_mappable(c)) {
        c->u.raw[0] = c->u.raw[1] = 0;
    }
}

static inline uint64_t cap_badge(const struct cap *c)
{
    bst_objtype_t t = cap_type(c);
    return (t == BST_OBJ_ENDPOINT || t == BST_OBJ_NOTIFICATION) ? c->u.ipc.badge : 0;
}

/* Issuers create new objects as their CDT children (Untyped by retype, the IRQ and
 * I/O port controls by issuing handler/port caps); every other cap's children are
 * copies of it. Issuer caps are never copied. */
/*@ requires \valid_read(c);
    assigns \nothing;
    ensures \result <==> c->type == BST_OBJ_UNTYPED || c->type == BST_OBJ_IRQ_CONTROL ||
                         c->type == BST_OBJ_IOPORT_CONTROL;
 */
bool cap_is_issuer(const struct cap *c);

/* Whether the cap may be copied (Copy, Mint, an IPC transfer): not an issuer, and not
 * a page table, whose one cap is the one place it is mapped from (vm/vspace.h). Moving
 * and mutating keep one cap and are allowed. */
/*@ requires \valid_read(c);
    assigns \nothing;
 */
bool cap_may_copy(const struct cap *c);

/* Whether a and b name the same object (see above). Two untyped caps never do. */
/*@ requires \valid_read(a) && \valid_read(b);
    assigns \nothing;
    ensures \result ==> a->type == b->type && a->type != BST_OBJ_NULL &&
                        a->type != BST_OBJ_UNTYPED;
 */
bool cap_same_object(const struct cap *a, const struct cap *b);

/* A capability to a freshly made memory object of `type` at `paddr` with all rights.
 * `size_bits` is the object's log2 size; `radix` is used for CNodes only. */
struct cap cap_make_object(bst_objtype_t type, paddr_t paddr, unsigned size_bits, unsigned radix,
                           unsigned flags);

/* A capability to an object without memory (the controls), all rights. */
struct cap cap_make_control(bst_objtype_t type);

/* How a derived capability's data word (capdata.h) is treated. */
enum cap_data_mode {
    CAP_DATA_KEEP, /* copy: badge or guard as in the source */
    CAP_DATA_SET,  /* mint/mutate: apply the data word */
};

struct cap_result {
    bst_error_t status;
    struct cap cap;
};

/*
 * The capability `src` becomes when derived with `rights` (a mask: the result has
 * src's rights & rights) and, with CAP_DATA_SET, the data word `data`. No side effects.
 * Errors: INVALID_ARGUMENT (rights outside BST_RIGHTS_ALL; data not valid for the
 * type: non-zero data for a type without data, a guard that does not fit),
 * ILLEGAL_OPERATION (a new badge on an already badged cap).
 */
/*@ requires \valid_read(src) && cap_ok(*src);
    assigns \nothing;
    ensures \result.status == BST_OK || \result.status == BST_INVALID_ARGUMENT ||
            \result.status == BST_ILLEGAL_OPERATION;
    ensures \result.status == BST_OK ==>
                \result.cap.type == src->type && \result.cap.paddr == src->paddr &&
                \result.cap.size_bits == src->size_bits && \result.cap.flags == src->flags;
    ensures \result.status == BST_OK ==> \result.cap.rights == (src->rights & rights);
    ensures \result.status == BST_OK ==> cap_ok(\result.cap);
    ensures \result.status == BST_OK && cap_is_ipc(*src) && src->u.ipc.badge != 0 ==>
                \result.cap.u.ipc.badge == src->u.ipc.badge;
    ensures mode == CAP_DATA_KEEP && \result.status == BST_OK && cap_is_ipc(*src) ==>
                \result.cap.u.ipc.badge == src->u.ipc.badge;
    ensures mode == CAP_DATA_KEEP && \result.status == BST_OK && src->type == BST_OBJ_CNODE ==>
                \result.cap.u.cnode.guard == src->u.cnode.guard &&
                \result.cap.u.cnode.guard_bits == src->u.cnode.guard_bits;
 */
struct cap_result cap_derive(const struct cap *src, bst_rights_t rights, enum cap_data_mode mode,
                             uint64_t data);

#endif
