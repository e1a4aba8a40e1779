/*
 * Cache colouring in init (docs/kernel.md, "Time protection"; the spec's COLOURS table):
 * the PDs of a domain with a colour set get their frames and kernel objects only from
 * physical pages of those colours, and init checks it at boot from the frames' physical
 * addresses before anything starts.
 *
 *   colour.c          the domains' colour pools and allocation from them
 *   colour_check.c    the boot check from physical addresses
 *   colour_llc.c      the last-level cache's geometry from CPUID
 *   colour_enforce.c  build configuration: colour_enforced() (colour_enforce_none.c in
 *                     init-nocolour.elf turns allocation by colour off, so that the test
 *                     can see the check fail)
 *   colour_objects_on.c  build configuration: colour_objects_enforced()
 *                     (colour_objects_off.c in init-nocolourobj.elf: kernel objects only
 *                     come from another domain's colours, so that the check of their
 *                     addresses must fail for each)
 */
#ifndef INIT_COLOUR_H
#define INIT_COLOUR_H

#include "init.h"

/* What CPUID says of the last-level (data or unified) cache. */
struct llc_geometry {
    const char *source; /* which leaf */
    uint32_t level, ways, line;
    uint64_t sets;
    uint64_t colours; /* sets x line / 4 KiB (0 for a cache smaller than a page's span) */
};

/* The cycle counter (TSC): under -icount shift=0 the instructions executed. */
static inline uint64_t colour_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Read the geometry; false when CPUID describes no cache. */
bool llc_geometry_read(struct llc_geometry *g);

/* Build configuration: false only in init-nocolour.elf (fault injection). */
bool colour_enforced(void);
/* Build configuration: false only in init-nocolourobj.elf (fault injection: a coloured
 * domain's kernel objects, but not its frames, come from the next coloured domain's
 * colours). */
bool colour_objects_enforced(void);

/* Read the spec's colour sets, compare the count with the machine's cache and print
 * both; init_fatal() when the count cannot separate domains on this machine. Nothing
 * without colour sets. */
void colour_init(void);

/* The domain whose colours OBJECTS entry i must come from, BASTION_SPEC_NONE for
 * uncoloured memory: a PD's own objects and frames follow the PD's domain; a region's
 * frames follow the one domain whose PDs alone map it, a guest's map counting as its
 * VMM PD's (shared and device regions are not coloured). As the spec says, whether or
 * not allocation enforces it. */
uint32_t colour_object_domain(uint32_t i);

/* The domain whose colours PD p's objects come from, or BASTION_SPEC_NONE. */
uint32_t colour_pd_domain(uint32_t p);

/* Retype `count` objects into slots first_slot.. from the colours of `domain`
 * (BASTION_SPEC_NONE, or any domain when colour_enforced() is false: from any RAM).
 * BST_RANGE_ERROR: one object is larger than any aligned block of the domain's colours
 * (colour_why() says why); BST_NOT_ENOUGH_MEMORY: the coloured memory is used up. */
bst_error_t colour_alloc(uint32_t domain, bst_objtype_t type, unsigned size_bits,
                         uint64_t first_slot, uint64_t count);

/* One kernel object of `type` (fixed size) for PD p's guest or devices (init/vm.c,
 * init/iommu.c) into `slot`: from the colours of p's domain when it is coloured, else
 * from any RAM; noted for the boot check (colour_check()), which reads its physical
 * address. `what` names the object in messages ("VCPU of guest 'tiny'"; kept, not
 * copied: a string that lives as long as init). On an error, colour_pd_why() words it. */
bst_error_t colour_alloc_for_pd(uint32_t p, bst_objtype_t type, uint64_t slot, const char *what);

/* Why colour_alloc_for_pd() failed with e, in words (the domain's colours, or plain). */
void colour_pd_why(uint32_t p, bst_objtype_t type, bst_error_t e, char *buf, size_t size);

/* For colour_check(): the objects colour_alloc_for_pd() made for coloured domains. */
struct colour_pd_object {
    uint64_t slot;
    uint32_t pd, domain;
    const char *what;
    bool device; /* an I/O space or I/O page table; else a guest's object */
};
uint32_t colour_pd_objects(const struct colour_pd_object **objects);

/* Why colour_alloc() refused an object of 2^bits bytes for `domain`, in words. */
void colour_why(uint32_t domain, unsigned bits, bst_error_t e, char *buf, size_t size);

/* After the build: every coloured frame's physical address in its domain's colours and
 * no colour seen in two domains; prints the verdict and what colouring cost. True when
 * it holds (or nothing is coloured). */
bool colour_check(void);

/* For colour_check(): the colour count, a domain's set, the pool's figures. */
uint32_t colour_total(void);
bool colour_in_set(uint32_t domain, uint32_t colour);
bool colour_domain_coloured(uint32_t domain);

/* The kernel image per domain (colour_kimage.c): a copy of the kernel's code and
 * read-only data for every coloured domain, from the domain's pool, bound to it
 * (DOMAIN_SET_IMAGE). Stops init when the domain's colours cannot hold it. */
void colour_make_kimages(void);
/* Build configuration: false only in init-nokimage.elf (fault injection: no copies are
 * made, so that the boot check of the copies can be seen to fail). */
bool colour_kimage_wanted(void);
/* For colour_check(): every page of the kernel code each coloured domain runs on, read
 * from the kernel's translation tables (DOMAIN_IMAGE_PAGE), in the domain's colours;
 * marks the colours seen in `seen` (per domain, BASTION_COLOURS_MAX bits each). Prints
 * the first wrong page and returns how many were wrong; *pages: how many were checked. */
uint64_t colour_check_kimages(uint64_t (*seen)[BASTION_COLOURS_MAX / 64], uint32_t domains,
                              uint64_t *pages);
/* For colour_check(): the KERNEL_IMAGE object of coloured domain d's copy (a slot in
 * init's CNode), or 0. */
uint64_t colour_kimage_object(uint32_t d);
void colour_print_cost(void);

#endif
