/*
 * init's resources: slots of its root CNode (a bump allocator: init never frees what
 * the system is built from) and objects retyped from the RAM untyped caps the kernel
 * handed over; and the boot modules, made readable by retyping the device untyped that
 * cover them into frames mapped at MODULE_WINDOW + their physical address.
 */
#include "init.h"

#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

static const struct bst_bootinfo *boot;
static uint64_t next_slot, end_slot;
/* Per untyped: the smallest object size (log2) that no longer fitted; 64 = unknown. */
static uint8_t full_bits[BST_BOOTINFO_MAX_UNTYPED];

void alloc_init(const struct bst_bootinfo *bi)
{
    boot = bi;
    next_slot = bi->empty.start;
    end_slot = bi->empty.end;
    for (unsigned i = 0; i < BST_BOOTINFO_MAX_UNTYPED; i++)
        full_bits[i] = 64;
}

uint64_t slot_alloc(uint64_t n)
{
    if (n > end_slot - next_slot)
        return 0;
    uint64_t first = next_slot;
    next_slot += n;
    return first;
}

/* Retype up to `count` objects from untyped i; returns how many it made (0: none fit). */
static uint64_t retype_some(uint64_t i, bst_objtype_t type, unsigned size_bits, uint64_t slot,
                            uint64_t count, bst_error_t *error)
{
    uint64_t n = count < BST_RETYPE_MAX_COUNT ? count : BST_RETYPE_MAX_COUNT;
    for (; n > 0; n /= 2) {
        bst_error_t e =
            bst_untyped_retype(boot->untyped.start + i, type, size_bits, ROOT_CNODE, slot, n);
        if (e == BST_OK)
            return n;
        if (e != BST_NOT_ENOUGH_MEMORY) {
            *error = e;
            return 0;
        }
    }
    return 0;
}

bst_error_t untyped_alloc(bst_objtype_t type, unsigned size_bits, uint64_t first_slot,
                          uint64_t count)
{
    unsigned need = bst_obj_size_bits(type, size_bits);
    for (uint64_t i = 0; i < boot->n_untyped && count > 0; i++) {
        const struct bst_untyped_desc *d = &boot->untyped_list[i];
        if (d->is_device || d->size_bits < need || need >= full_bits[i])
            continue;
        while (count > 0) {
            bst_error_t e = BST_OK;
            uint64_t made = retype_some(i, type, size_bits, first_slot, count, &e);
            if (e != BST_OK)
                return e;
            if (made == 0) {
                full_bits[i] = (uint8_t)need;
                break;
            }
            first_slot += made;
            count -= made;
        }
    }
    return count == 0 ? BST_OK : BST_NOT_ENOUGH_MEMORY;
}

/* The highest end of a module inside [base, end), or 0 if none lies there. */
static uint64_t modules_end_in(uint64_t base, uint64_t end)
{
    uint64_t top = 0;
    for (uint32_t m = 0; m < boot->n_modules; m++) {
        uint64_t a = boot->modules[m].paddr;
        uint64_t b = (a + boot->modules[m].size + BASTION_PAGE_SIZE - 1) & ~(BASTION_PAGE_SIZE - 1);
        if (a < end && b > base && b > top)
            top = b < end ? b : end;
    }
    return top;
}

bst_error_t modules_map(const struct bst_bootinfo *bi)
{
    struct table_pool own = {.own = true};
    for (uint64_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        if (!d->is_device)
            continue;
        uint64_t base = d->paddr, top = modules_end_in(base, base + (1ULL << d->size_bits));
        if (top == 0)
            continue;
        /* Frames come out of an untyped in address order from its start. */
        uint64_t pages = (top - base) / BASTION_PAGE_SIZE;
        uint64_t slot = slot_alloc(pages);
        if (slot == 0)
            return BST_NOT_ENOUGH_MEMORY;
        for (uint64_t k = 0; k < pages;) {
            uint64_t n = pages - k < BST_RETYPE_MAX_COUNT ? pages - k : BST_RETYPE_MAX_COUNT;
            bst_error_t e = bst_untyped_retype(bi->untyped.start + i, BST_OBJ_FRAME_4K, 0,
                                               ROOT_CNODE, slot + k, n);
            if (e != BST_OK)
                return e;
            k += n;
        }
        for (uint64_t k = 0; k < pages; k++) {
            uint64_t paddr = 0;
            bst_error_t e = bst_frame_get_address(slot + k, &paddr);
            if (e == BST_OK)
                e = vs_map(ROOT_VSPACE, &own, slot + k, 12, MODULE_WINDOW + paddr, BST_RIGHT_READ,
                           0);
            if (e != BST_OK)
                return e;
        }
    }
    return BST_OK;
}
