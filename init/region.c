/*
 * Region frames that must lie at particular physical addresses:
 *   phys_addr      the frames of a region with a fixed physical address are carved from
 *                  device untyped (devmem.c) at exactly that range. A range that is not
 *                  device memory (RAM, or a page the kernel keeps) is refused: init gives
 *                  out RAM only as memory it allocates, never by address.
 *   setvar_paddr   a region whose physical address a PD receives (for DMA) must be
 *                  physically contiguous, or the address would describe only its first
 *                  page. Its frames are retyped, in order, from one RAM untyped of the
 *                  next power of two at least the region's size.
 *   platform=hpet  the HPET's registers: at phys_addr when it agrees with ACPI's HPET
 *                  table (a mismatch stops the boot), else at the table's address.
 * A contiguous region that only one coloured domain maps comes from that domain's
 * colours (colour.c: then it must fit an aligned block of them). Other regions' frames
 * come from any RAM, or their domain's colours (create_objects()).
 */
#include "colour.h"
#include "device.h"

#include <libbastion/cnode.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

static const char *region_name(const struct bastion_spec_region *r)
{
    return spec_string(&the_spec, r->name);
}

/* True when some PD receives region r's physical address at boot. */
static bool paddr_delivered(uint32_t r)
{
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_PATCHES]; i++)
        if (the_spec.patches[i].kind == BASTION_PATCH_REGION_PADDR &&
            the_spec.patches[i].index == r)
            return true;
    return false;
}

static void make_fixed(const struct bastion_spec_region *r, uint64_t first, uint64_t count,
                       unsigned bits)
{
    for (uint64_t k = 0; k < count; k++) {
        uint64_t paddr = r->phys_addr + k * r->page_size;
        uint64_t frame = devmem_frame(paddr, bits);
        if (frame == 0)
            init_fatal("memory region '%s': phys_addr 0x%lx: 0x%lx is RAM or a page the kernel "
                       "keeps, not device memory (RAM regions are allocated by init; leave out "
                       "phys_addr)",
                       region_name(r), (unsigned long)r->phys_addr, (unsigned long)paddr);
        bst_error_t e = bst_cnode_move(ROOT_CNODE, first + k, BST_ROOT_DEPTH, ROOT_CNODE, frame,
                                       BST_ROOT_DEPTH);
        if (e != BST_OK)
            init_fatal("memory region '%s': cannot move a frame cap: %s", region_name(r),
                       bst_error_name(e));
    }
    bst_printf("init: memory region '%s': device memory at 0x%lx (0x%lx bytes)\n", region_name(r),
               (unsigned long)r->phys_addr, (unsigned long)r->size);
}

static unsigned ceil_log2(uint64_t v)
{
    unsigned b = 0;
    while ((1ULL << b) < v)
        b++;
    return b;
}

static void make_contiguous(const struct bastion_spec_region *r, uint64_t first, uint64_t count,
                            unsigned bits)
{
    bst_objtype_t type = bits == 30   ? BST_OBJ_FRAME_1G
                         : bits == 21 ? BST_OBJ_FRAME_2M
                                      : BST_OBJ_FRAME_4K;
    uint64_t block = slot_alloc(1);
    bst_error_t e = block ? colour_alloc(colour_object_domain(r->frames), BST_OBJ_UNTYPED,
                                         ceil_log2(r->size), block, 1)
                          : BST_NOT_ENOUGH_MEMORY;
    for (uint64_t k = 0; e == BST_OK && k < count;) {
        uint64_t n = count - k < BST_RETYPE_MAX_COUNT ? count - k : BST_RETYPE_MAX_COUNT;
        e = bst_untyped_retype(block, type, 0, ROOT_CNODE, first + k, n);
        k += n;
    }
    if (e != BST_OK)
        init_fatal("memory region '%s': no physically contiguous 0x%lx bytes of RAM for it (its "
                   "physical address goes to a PD): %s",
                   region_name(r), (unsigned long)r->size, bst_error_name(e));
    uint64_t paddr = 0;
    bst_frame_get_address(first, &paddr);
    for (uint64_t k = 1; k < count; k++) { /* what the PD relies on: check it */
        uint64_t at = 0;
        bst_frame_get_address(first + k, &at);
        if (at != paddr + k * r->page_size)
            init_fatal("memory region '%s': frame %lu is at 0x%lx, not contiguous with 0x%lx",
                       region_name(r), (unsigned long)k, (unsigned long)at, (unsigned long)paddr);
    }
    bst_printf("init: memory region '%s': physically contiguous at 0x%lx (0x%lx bytes)\n",
               region_name(r), (unsigned long)paddr, (unsigned long)r->size);
}

/* The name of a PD that maps region r, for messages ("no PD" when none does). */
static const char *region_user(uint32_t r)
{
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_MAPS]; i++)
        if (the_spec.maps[i].region == r)
            return spec_string(&the_spec, the_spec.pds[the_spec.maps[i].pd].name);
    return "no PD";
}

/* The HPET's region (platform="hpet") at its address: phys_addr checked against ACPI's
 * HPET table, or, left out, taken from it. A mismatch, or no address at all, stops the
 * boot: a timer driver would program whatever answers at the wrong page. */
static struct bastion_spec_region hpet_region(const struct bastion_spec_region *reg, uint32_t r)
{
    struct bastion_spec_region at = *reg;
    uint64_t acpi;
    bool have = acpi_find_hpet(&acpi);
    if (reg->flags & BASTION_REGION_FIXED_PHYS) {
        if (!have)
            bst_printf("init: memory region '%s': no usable ACPI HPET table to check phys_addr "
                       "0x%lx against; used as written\n",
                       region_name(reg), (unsigned long)reg->phys_addr);
        else if (acpi != reg->phys_addr)
            init_fatal("memory region '%s' (the HPET, mapped by PD '%s'): phys_addr 0x%lx, but "
                       "ACPI's HPET table puts the HPET at 0x%lx; fix phys_addr or leave it out",
                       region_name(reg), region_user(r), (unsigned long)reg->phys_addr,
                       (unsigned long)acpi);
        else
            bst_printf("init: memory region '%s': the HPET at 0x%lx, as ACPI's HPET table says\n",
                       region_name(reg), (unsigned long)acpi);
        return at;
    }
    if (!have)
        init_fatal("memory region '%s' (the HPET, mapped by PD '%s'): no phys_addr and no usable "
                   "ACPI HPET table to take it from",
                   region_name(reg), region_user(r));
    if (acpi % reg->page_size)
        init_fatal("memory region '%s' (the HPET, mapped by PD '%s'): ACPI's HPET table puts it "
                   "at 0x%lx, not on a page boundary",
                   region_name(reg), region_user(r), (unsigned long)acpi);
    at.phys_addr = acpi;
    bst_printf("init: memory region '%s': the HPET at 0x%lx (ACPI HPET table)\n", region_name(reg),
               (unsigned long)acpi);
    return at;
}

bool region_frames_make(uint32_t i)
{
    const struct spec *s = &the_spec;
    for (uint32_t r = 0; r < s->n[BASTION_TABLE_REGIONS]; r++) {
        const struct bastion_spec_region *reg = &s->regions[r];
        bool hpet = reg->flags & BASTION_REGION_PLATFORM_HPET;
        bool fixed = hpet || (reg->flags & BASTION_REGION_FIXED_PHYS);
        if (reg->frames != i || (!fixed && !paddr_delivered(r)))
            continue;
        uint64_t count = s->objects[i].count;
        unsigned bits = s->objects[i].size_bits;
        object_slots[i] = slot_alloc(count);
        if (object_slots[i] == 0)
            init_fatal("not enough capability slots in init's CNode for region '%s'",
                       region_name(reg));
        if (hpet) {
            struct bastion_spec_region at = hpet_region(reg, r);
            make_fixed(&at, object_slots[i], count, bits);
        } else if (fixed)
            make_fixed(reg, object_slots[i], count, bits);
        else
            make_contiguous(reg, object_slots[i], count, bits);
        return true;
    }
    return false;
}
