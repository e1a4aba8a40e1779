/*
 * The kernel image per domain, in init (colour.h; docs/kernel.md, "The kernel image per
 * domain"). For every coloured domain init retypes a KERNEL_IMAGE object from the
 * domain's pool, then fills it one 4 KiB frame at a time, each retyped from the pool
 * too: KERNEL_IMAGE_ADD_FRAME copies the next page of the kernel's code and read-only
 * data into the frame and takes the frame's cap (so one scratch slot serves every
 * frame). The complete copy is bound to the domain (DOMAIN_SET_IMAGE): from its next
 * slot on, the domain's system calls run kernel code from its own colours.
 *
 * The boot check (colour_check_kimages(), called by colour_check()) does not trust this
 * bookkeeping: it asks the kernel which physical page each page of kernel code is for
 * each domain (DOMAIN_IMAGE_PAGE walks the translation tables that domain runs on), and
 * checks its colour. Without copies (init-nokimage.elf) every domain runs on the shared
 * image, whose pages have every colour, and the check fails.
 */
#include "colour.h"

#include <libbastion/kimage.h>

#define DOMAINS_MAX 256

static uint64_t kimage_bytes[DOMAINS_MAX]; /* what each domain's copy took */
static uint64_t kimage_slot[DOMAINS_MAX];  /* its KERNEL_IMAGE object's slot */
static uint64_t kimage_cycles;

static const char *name_of(uint32_t d)
{
    return spec_string(&the_spec, the_spec.domains[d].name);
}

static void alloc_or_die(uint32_t d, bst_objtype_t type, uint64_t slot, const char *what)
{
    bst_error_t e = colour_alloc(d, type, 0, slot, 1);
    if (e != BST_OK) {
        char why[256];
        colour_why(d, bst_obj_size_bits(type, 0), e, why, sizeof(why));
        init_fatal("colours: domain '%s''s copy of the kernel image: %s: %s", name_of(d), what,
                   why);
    }
}

/* Make, fill and bind domain d's copy. */
static void make_kimage(uint32_t d)
{
    uint64_t image = slot_alloc(1), frame = slot_alloc(1);
    if (image == 0 || frame == 0)
        init_fatal("colours: no capability slots left for the kernel image copies");
    alloc_or_die(d, BST_OBJ_KERNEL_IMAGE, image, "its KERNEL_IMAGE object");
    uint64_t filled = 0, pages = 1;
    while (filled < pages) {
        alloc_or_die(d, BST_OBJ_FRAME_4K, frame, "a frame of it");
        bst_error_t e = bst_kimage_add_frame(image, frame, &filled, &pages);
        if (e != BST_OK)
            init_fatal("colours: domain '%s''s copy of the kernel image: page %lu refused: %s",
                       name_of(d), (unsigned long)filled, bst_error_name(e));
    }
    bst_error_t e = bst_domain_set_image(BST_SLOT_DOMAIN_CONTROL, d, image);
    if (e != BST_OK)
        init_fatal("colours: domain '%s''s copy of the kernel image cannot be bound: %s",
                   name_of(d), bst_error_name(e));
    kimage_bytes[d] = (1ULL << bst_obj_fixed_bits(BST_OBJ_KERNEL_IMAGE)) + pages * 4096;
    kimage_slot[d] = image;
}

uint64_t colour_kimage_object(uint32_t d)
{
    return d < DOMAINS_MAX ? kimage_slot[d] : 0;
}

void colour_make_kimages(void)
{
    if (colour_total() == 0 || !colour_kimage_wanted())
        return;
    uint64_t start = colour_cycles();
    for (uint32_t d = 0; d < the_spec.n[BASTION_TABLE_DOMAINS] && d < DOMAINS_MAX; d++)
        if (colour_domain_coloured(d))
            make_kimage(d);
    kimage_cycles = colour_cycles() - start;
}

uint64_t colour_check_kimages(uint64_t (*seen)[BASTION_COLOURS_MAX / 64], uint32_t domains,
                              uint64_t *pages)
{
    uint32_t n = colour_total();
    uint64_t wrong = 0, checked = 0, copies = 0, bytes = 0;
    for (uint32_t d = 0; d < domains; d++) {
        if (!colour_domain_coloured(d))
            continue;
        uint64_t count = 1;
        for (uint64_t page = 0; page < count; page++) {
            uint64_t paddr = 0;
            bst_error_t e = bst_domain_image_page(BST_SLOT_DOMAIN_CONTROL, d, page, &paddr, &count);
            checked++;
            uint32_t c = (uint32_t)((paddr >> 12) & (n - 1));
            if (e == BST_OK && paddr != 0) {
                seen[d][c / 64] |= 1ULL << (c % 64);
                if (colour_in_set(d, c))
                    continue;
            }
            if (wrong++ == 0)
                bst_printf("init: colours: domain '%s' runs page %lu of the kernel's code and "
                           "read-only data from physical 0x%lx%s%s, colour %u, not its own\n",
                           name_of(d), (unsigned long)page, (unsigned long)paddr,
                           e != BST_OK ? ": " : "", e != BST_OK ? bst_error_name(e) : "", c);
        }
        copies += kimage_bytes[d] != 0;
        bytes += kimage_bytes[d];
    }
    *pages = checked;
    if (wrong == 0 && checked != 0)
        bst_printf("init: colours: %lu pages of kernel code and read-only data checked in the "
                   "translation tables: each domain runs its own copy, in its colours (%lu "
                   "copies, %lu KiB each; made in %lu cycles)\n",
                   (unsigned long)checked, (unsigned long)copies,
                   (unsigned long)(copies ? bytes / copies / 1024 : 0),
                   (unsigned long)kimage_cycles);
    return wrong;
}
