/*
 * Kernel images per domain (vm/kimage.h): the object, its invocation and the domain
 * control's DOMAIN_SET_IMAGE and DOMAIN_IMAGE_PAGE (decode everything, then perform),
 * which copy each domain runs on, and what a deletion undoes.
 *
 * Guarantee: a domain only ever runs on a copy whose every page is filled and whose
 * every frame cap still sits in the copy's slots; whatever removes a frame or the object
 * first puts the domain (and, if it is running, the CPU) back on the shared image.
 */
#include <arch/kimage.h>
#include <bastion/rights.h>
#include <kassert.h>
#include <kmem.h>
#include <object/cdt.h>
#include <object/delete.h>
#include <object/finalise.h>
#include <syscall/invocation.h>
#include <thread/domain.h>
#include <vm/kimage.h>

#define KIMAGE_BITS         15
#define KIMAGE_PAGE         4096u      /* the object's record page and each table */
#define KIMAGE_STACK_OFFSET (1u << 14) /* the domain's kernel stack: the upper half */
_Static_assert(KIMAGE_PAGE *(1 + ARCH_KIMAGE_TABLE_PAGES) <= KIMAGE_STACK_OFFSET,
               "the record and the tables fit below the stack");
_Static_assert((1u << KIMAGE_BITS) - KIMAGE_STACK_OFFSET == ARCH_KIMAGE_STACK_SIZE,
               "the stack is a kernel stack's size");

struct kimage_state kimage_state;
_Static_assert(KIMAGE_DOMAINS == NUM_DOMAINS, "a binding per domain");

static struct kimage *kimage_at(paddr_t obj)
{
    return (struct kimage *)kmem_ptr(obj);
}

static paddr_t tables_of(paddr_t obj)
{
    return obj + KIMAGE_PAGE;
}

/* The top of the domain's kernel stack: the object's end. */
static paddr_t stack_top_of(paddr_t obj)
{
    return obj + (1u << KIMAGE_BITS);
}

static bool complete(const struct kimage *k)
{
    return k->pages != 0 && k->filled == k->pages;
}

void kimage_activate(paddr_t obj, unsigned caller_flushes)
{
    if (obj != kimage_state.active) {
        arch_kimage_activate(obj != 0 ? tables_of(obj) : 0, caller_flushes);
        arch_kimage_set_stack(obj != 0 ? stack_top_of(obj) : 0); /* from the next entry */
        kimage_state.active = obj;
    }
}

void kimage_idle_stack(void)
{
    arch_kimage_idle_stack();
}

paddr_t kimage_bench_bind(uint8_t domain, paddr_t obj)
{
    kassert(domain < NUM_DOMAINS);
    paddr_t old = kimage_state.domain_image[domain];
    kimage_state.domain_image[domain] = obj;
    kimage_enter_domain(domain_current());
    return old;
}

/* No domain runs on `obj` any more; the CPU leaves it now if it ran on it. */
static void unbind(paddr_t obj)
{
    struct kimage *k = kimage_at(obj);
    if (k->pages == 0 || k->domain == KIMAGE_NO_DOMAIN) {
        return;
    }
    kimage_state.domain_image[k->domain] = 0;
    k->domain = KIMAGE_NO_DOMAIN;
    if (kimage_state.active == obj) {
        kimage_activate(0, 0); /* same bytes: safe in mid-execution */
    }
}

void kimage_finalise(const struct cap *cap)
{
    struct kimage *k = kimage_at(cap->paddr);
    unbind(cap->paddr);
    while (k->filled != 0) { /* each delete runs kimage_slot_emptied() */
        unsigned before = k->filled;
        cap_delete_slot(&k->slots[before - 1]);
        kassert(k->filled < before);
    }
}

void kimage_slot_emptied(struct cte *slot)
{
    /* The object is aligned to its size and begins with its record. */
    struct kimage *k = (struct kimage *)ALIGN_DOWN((uintptr_t)slot, (uintptr_t)1 << KIMAGE_BITS);
    unsigned page = (unsigned)(slot - k->slots);
    kassert(page < k->filled && slot == &k->slots[page]);
    paddr_t obj = kmem_paddr(k);
    unbind(obj); /* an incomplete copy runs nowhere */
    arch_kimage_unfill(tables_of(obj), page);
    /* Later pages are given back too, so the filled pages stay a prefix. */
    for (unsigned i = k->filled; i-- > page + 1;) {
        arch_kimage_unfill(tables_of(obj), i);
    }
    unsigned keep = page;
    unsigned last = k->filled;
    k->filled = (uint16_t)keep;
    for (unsigned i = keep + 1; i < last; i++) {
        k->slots[i].cap.flags &= (uint8_t)~CAP_F_KIMAGE; /* no second hook */
        cap_delete_slot(&k->slots[i]);
    }
}

/* KERNEL_IMAGE_ADD_FRAME: MR0 a 4 KiB frame cap. */
static bst_error_t decode_frame(struct invocation *inv, struct cte **out)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct lookup_result l = invocation_lookup_cap(inv, invocation_arg(inv, 0));
    if (l.status != BST_OK) {
        return l.status;
    }
    const struct cap *f = &l.slot->cap;
    if (cap_type(f) == BST_OBJ_FRAME_2M || cap_type(f) == BST_OBJ_FRAME_1G) {
        return BST_INVALID_ARGUMENT; /* a copy's pages are 4 KiB */
    }
    if (cap_type(f) != BST_OBJ_FRAME_4K) {
        return BST_INVALID_CAPABILITY;
    }
    if (cap_is_device(f)) {
        return BST_INVALID_ARGUMENT; /* device memory is no RAM to run code from */
    }
    if (!(f->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    if (cap_is_bound(f)) {
        return BST_ILLEGAL_OPERATION; /* mapped: unmap it first */
    }
    if (!cap_is_final(l.slot)) {
        return BST_REVOKE_FIRST; /* another cap could map it again */
    }
    *out = l.slot;
    return BST_OK;
}

static void prepare(paddr_t obj)
{
    struct kimage *k = kimage_at(obj);
    if (k->pages == 0) {
        k->pages = (uint16_t)arch_kimage_pages();
        k->domain = KIMAGE_NO_DOMAIN;
        arch_kimage_prepare(tables_of(obj));
    }
}

bst_error_t kimage_invoke(struct invocation *inv)
{
    if (inv->label != BST_INV_KERNEL_IMAGE_ADD_FRAME) {
        return BST_ILLEGAL_OPERATION;
    }
    unsigned pages = arch_kimage_pages();
    if (pages == 0 || pages > KIMAGE_SLOTS) {
        return BST_ILLEGAL_OPERATION; /* this kernel's image cannot be copied */
    }
    if (!(inv->slot->cap.rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS; /* filling the copy changes it */
    }
    paddr_t obj = inv->slot->cap.paddr;
    struct kimage *k = kimage_at(obj);
    if (k->pages != 0 && k->filled == k->pages) {
        return BST_RANGE_ERROR; /* complete: no page is left to fill */
    }
    struct cte *frame;
    bst_error_t e = decode_frame(inv, &frame);
    if (e != BST_OK) {
        return e;
    }
    prepare(obj);
    unsigned page = k->filled;
    arch_kimage_fill(tables_of(obj), page, frame->cap.paddr);
    cap_move_slot(&k->slots[page], frame);
    k->slots[page].cap.flags |= CAP_F_KIMAGE;
    k->filled = (uint16_t)(page + 1);
    invocation_reply(inv, 0, k->filled);
    invocation_reply(inv, 1, k->pages);
    return BST_OK;
}

/* DOMAIN_SET_IMAGE: MR0 domain, MR1 a KERNEL_IMAGE cap (0: back to the shared image). */
static bst_error_t set_image(struct invocation *inv)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t d = invocation_arg(inv, 0);
    if (d >= NUM_DOMAINS) {
        return BST_RANGE_ERROR;
    }
    paddr_t obj = 0;
    if (invocation_arg(inv, 1) != 0) {
        struct cte *slot;
        bst_error_t e =
            invocation_typed_cap(inv, invocation_arg(inv, 1), BST_OBJ_KERNEL_IMAGE, &slot);
        if (e != BST_OK) {
            return e;
        }
        obj = slot->cap.paddr;
        const struct kimage *k = kimage_at(obj);
        if (!complete(k)) {
            return BST_ILLEGAL_OPERATION; /* a copy not complete runs nowhere */
        }
        if (k->domain != KIMAGE_NO_DOMAIN && k->domain != d) {
            return BST_SLOT_OCCUPIED; /* one copy, one domain: no two share a page */
        }
    }
    if (kimage_state.domain_image[d] != 0 && kimage_state.domain_image[d] != obj) {
        kimage_at(kimage_state.domain_image[d])->domain = KIMAGE_NO_DOMAIN;
    }
    kimage_state.domain_image[d] = obj;
    if (obj != 0) {
        kimage_at(obj)->domain = (uint8_t)d;
    }
    kimage_enter_domain(domain_current()); /* it may be the domain running now */
    return BST_OK;
}

/* DOMAIN_IMAGE_PAGE: MR0 domain, MR1 page. Replies the physical page that the domain's
 * kernel code or read-only data page translates to (through its copy's tables, or the
 * shared ones), the number of pages, the physical top of the kernel stack the domain's
 * entries run on (its copy's, or the CPU's own), and the physical address of this very
 * call's stack pointer. */
static bst_error_t image_page(struct invocation *inv)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t d = invocation_arg(inv, 0), page = invocation_arg(inv, 1);
    unsigned pages = arch_kimage_pages();
    if (d >= NUM_DOMAINS || page >= pages) {
        return BST_RANGE_ERROR;
    }
    paddr_t obj = kimage_state.domain_image[d];
    invocation_reply(inv, 0, arch_kimage_translate(obj != 0 ? tables_of(obj) : 0, (unsigned)page));
    invocation_reply(inv, 1, pages);
    invocation_reply(inv, 2, arch_kimage_stack_top(obj != 0 ? stack_top_of(obj) : 0));
    invocation_reply(inv, 3, arch_kimage_stack_pointer());
    return BST_OK;
}

bst_error_t kimage_domain_invoke(struct invocation *inv)
{
    return inv->label == BST_INV_DOMAIN_SET_IMAGE ? set_image(inv) : image_page(inv);
}
