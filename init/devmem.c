/*
 * Device memory at fixed physical addresses. The kernel hands init the non-RAM physical
 * address space as device untyped caps, each a naturally aligned power-of-two block, and
 * frames come out of an untyped only from its start. To reach the page at an arbitrary
 * address, init splits the block containing it in halves (two untyped caps of half the
 * size), again and again, until a half is exactly the page; the other halves stay free
 * for later requests. The pieces are kept in a table of leaves: free untyped, split
 * (parent of two leaves), turned into one frame, or (a piece of at most 256 KiB asked
 * for 4 KiB pages) turned into all its 4 KiB frames at once, so that a BAR's pages do
 * not cost a halving each. The frame's cap is copied for every request. A request costs
 * at most two slots per halving (47 halvings at most), and a copy.
 *
 * Also init's own window onto device memory (PHYS_WINDOW + physical address), for the
 * BIOS area, ACPI tables and PCI configuration space.
 */
#include "device.h"

#include <libbastion/cnode.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define MAX_PIECES 2048

enum piece_state { PIECE_FREE, PIECE_SPLIT, PIECE_FRAME, PIECE_PAGES };

#define PAGES_MAX_BITS 18 /* a free piece this small is made into 4 KiB frames at once */

struct piece {
    uint64_t paddr;
    uint64_t slot; /* the untyped cap; PIECE_FRAME: the frame cap; PIECE_PAGES: the
                      first of its 4 KiB frame caps, in address order */
    uint8_t bits;
    uint8_t state; /* enum piece_state */
};

static struct piece pieces[MAX_PIECES];
static unsigned n_pieces;

/* True when untyped d holds (part of) a boot module: modules_map() retyped it. */
static bool holds_module(const struct bst_bootinfo *bi, const struct bst_untyped_desc *d)
{
    uint64_t end = d->paddr + (1ULL << d->size_bits);
    for (uint32_t m = 0; m < bi->n_modules && m < BST_BOOTINFO_MAX_MODULES; m++) {
        uint64_t a = bi->modules[m].paddr, b = a + bi->modules[m].size;
        if (a < end && b > d->paddr)
            return true;
    }
    return false;
}

void devmem_init(const struct bst_bootinfo *bi)
{
    for (uint32_t i = 0; i < bi->n_untyped && i < BST_BOOTINFO_MAX_UNTYPED; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        if (!d->is_device || holds_module(bi, d) || n_pieces == MAX_PIECES)
            continue;
        pieces[n_pieces++] =
            (struct piece){.paddr = d->paddr, .slot = bi->untyped.start + i, .bits = d->size_bits};
    }
}

/* The unsplit piece containing paddr, or NULL. */
static struct piece *piece_at(uint64_t paddr)
{
    for (unsigned i = 0; i < n_pieces; i++) {
        struct piece *pc = &pieces[i];
        if (pc->state != PIECE_SPLIT && paddr >= pc->paddr &&
            paddr - pc->paddr < (1ULL << pc->bits))
            return pc;
    }
    return NULL;
}

/* Split a free piece into two free halves; false when out of slots or table room. */
static bool split(struct piece *pc)
{
    uint64_t slots = n_pieces + 2 <= MAX_PIECES ? slot_alloc(2) : 0;
    if (slots == 0)
        return false;
    unsigned half = pc->bits - 1u;
    bst_error_t e = bst_untyped_retype(pc->slot, BST_OBJ_UNTYPED, half, ROOT_CNODE, slots, 2);
    if (e != BST_OK)
        init_fatal("cannot split device untyped at 0x%lx: %s", (unsigned long)pc->paddr,
                   bst_error_name(e));
    pc->state = PIECE_SPLIT;
    for (unsigned k = 0; k < 2; k++)
        pieces[n_pieces++] = (struct piece){
            .paddr = pc->paddr + (k << half), .slot = slots + k, .bits = (uint8_t)half};
    return true;
}

static bst_objtype_t frame_type(unsigned bits)
{
    return bits == 30 ? BST_OBJ_FRAME_1G : bits == 21 ? BST_OBJ_FRAME_2M : BST_OBJ_FRAME_4K;
}

/* Turn a free piece into all its 4 KiB frames; false when out of slots. */
static bool make_pages(struct piece *pc)
{
    uint64_t n = 1ULL << (pc->bits - 12), first = slot_alloc(n);
    if (first == 0 ||
        bst_untyped_retype(pc->slot, BST_OBJ_FRAME_4K, 0, ROOT_CNODE, first, n) != BST_OK)
        return false;
    pc->slot = first;
    pc->state = PIECE_PAGES;
    return true;
}

/* A new copy of frame cap `frame`, or 0. */
static uint64_t copy_of(uint64_t frame)
{
    uint64_t copy = slot_alloc(1);
    if (copy == 0 || bst_cnode_copy(ROOT_CNODE, copy, BST_ROOT_DEPTH, ROOT_CNODE, frame,
                                    BST_ROOT_DEPTH, BST_RIGHTS_ALL) != BST_OK)
        return 0;
    return copy;
}

uint64_t devmem_frame(uint64_t paddr, unsigned bits)
{
    struct piece *pc = piece_at(paddr);
    while (pc != NULL && pc->state == PIECE_FREE && pc->bits > bits) {
        if (bits == 12 && pc->bits <= PAGES_MAX_BITS) {
            if (!make_pages(pc))
                return 0;
            break;
        }
        if (!split(pc))
            return 0;
        pc = piece_at(paddr);
    }
    if (pc != NULL && pc->state == PIECE_PAGES)
        return bits == 12 && paddr % BASTION_PAGE_SIZE == 0
                   ? copy_of(pc->slot + ((paddr - pc->paddr) >> 12))
                   : 0;
    if (pc == NULL || pc->bits != bits || pc->paddr != paddr)
        return 0; /* not device memory, or already taken at another page size */
    if (pc->state == PIECE_FREE) {
        uint64_t frame = slot_alloc(1);
        if (frame == 0 ||
            bst_untyped_retype(pc->slot, frame_type(bits), 0, ROOT_CNODE, frame, 1) != BST_OK)
            return 0;
        pc->slot = frame;
        pc->state = PIECE_FRAME;
    }
    return copy_of(pc->slot);
}

/* Pages already in init's window (few: firmware tables and configuration pages). */
#define MAX_WINDOW_PAGES 256
static uint64_t window_pages[MAX_WINDOW_PAGES];
static unsigned n_window_pages;

static bool window_has(uint64_t page)
{
    for (unsigned i = 0; i < n_window_pages; i++)
        if (window_pages[i] == page)
            return true;
    return false;
}

volatile void *phys_map(uint64_t paddr, uint64_t size)
{
    static struct table_pool own = {.own = true};
    if (size == 0 || paddr + size < paddr || paddr + size > BST_USER_TOP - PHYS_WINDOW)
        return NULL; /* beyond what the window reaches (64 TiB) */
    uint64_t first = paddr & ~(BASTION_PAGE_SIZE - 1);
    for (uint64_t page = first; page < paddr + size; page += BASTION_PAGE_SIZE) {
        if (window_has(page))
            continue;
        uint64_t frame = n_window_pages < MAX_WINDOW_PAGES ? devmem_frame(page, 12) : 0;
        if (frame == 0)
            return NULL;
        bst_error_t e =
            vs_map(ROOT_VSPACE, &own, frame, 12, PHYS_WINDOW + page, BST_RIGHTS_RW, BST_CACHE_UC);
        if (e != BST_OK)
            init_fatal("cannot map physical page 0x%lx for init: %s", (unsigned long)page,
                       bst_error_name(e));
        window_pages[n_window_pages++] = page;
    }
    return (volatile void *)(uintptr_t)(PHYS_WINDOW + paddr);
}
