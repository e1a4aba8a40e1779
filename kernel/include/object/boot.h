/*
 * Building the root task's CSpace at boot.
 *
 * The architecture's boot code gathers the free RAM and the device memory ranges and
 * calls boot_create_root_cspace() once. It makes, out of free RAM, the root CNode and the
 * boot-info page (bastion/bootinfo.h); puts in the root CNode caps to the root CNode
 * itself, the IRQ, I/O port, domain and scheduling controls and the boot-info frame; and
 * hands every remaining byte of free RAM to the root task as untyped caps (and all device
 * ranges as device untyped), split into naturally aligned power-of-two blocks, in address
 * order. All these caps are children of the CDT root.
 */
#ifndef BASTION_OBJECT_BOOT_H
#define BASTION_OBJECT_BOOT_H

#include "object/cap.h"
#include <bastion/bootinfo.h>

#define BOOT_MAX_RANGES    64 /* per kind (RAM, device) */
#define BOOT_PAGE_BITS     12
#define BOOT_MAX_PADDR     BIT(52)
#define BOOT_DEFAULT_RADIX 12

/* A physical range [base, end). */
struct boot_range {
    paddr_t base;
    paddr_t end;
};

struct boot_options {
    unsigned root_cnode_radix; /* the root CNode has 2^radix slots */
    unsigned cpus;             /* CPUs that run threads, each with a scheduling-control cap
                                  (0 is taken as 1; at most BOOT_MAX_CPUS) */
};

#define BOOT_MAX_CPUS 8

struct boot_result {
    bst_error_t status;
    struct cte *root_cnode_slot;     /* slot BST_SLOT_ROOT_CNODE: the root task's CSpace root */
    struct bst_bootinfo *bootinfo;   /* kernel mapping of the boot-info page */
    struct boot_range root_cnode;    /* memory the root CNode took from free RAM */
    struct boot_range bootinfo_page; /* memory the boot-info page took from free RAM */
};

/*
 * Reset the object layer (objects_init()) and build the root CSpace and boot-info page.
 *
 * ram: free RAM the kernel maps (kmem_ptr) and no one else uses; dev: device memory the
 * root task may map. Ranges need not be sorted but must be non-empty, 4 KiB aligned at
 * both ends, below BOOT_MAX_PADDR, at most BOOT_MAX_RANGES of each kind, and may not
 * overlap one another. Nothing is changed unless the call succeeds; on failure the
 * result holds only the status:
 *   RANGE_ERROR        radix out of range (it must leave room past the fixed slots), too
 *                      many ranges, a range beyond BOOT_MAX_PADDR, more untyped blocks
 *                      than the boot-info page or the root CNode can list, or more CPUs
 *                      than BOOT_MAX_CPUS (each CPU past the first takes a slot after
 *                      the untyped caps for its scheduling-control cap)
 *   INVALID_ARGUMENT   an empty range, or two ranges overlap
 *   ALIGNMENT_ERROR    a range is not 4 KiB aligned
 *   NOT_ENOUGH_MEMORY  no free RAM range can hold the root CNode or boot-info page
 * Not reentrant (it uses static scratch space); call once, at boot.
 */
struct boot_result boot_create_root_cspace(const struct boot_range *ram, size_t n_ram,
                                           const struct boot_range *dev, size_t n_dev,
                                           const struct boot_options *opt);

struct boot_check {
    bool ok;
    const char *why; /* the first problem found, when !ok */
};

/*
 * Check, read-only, that the boot untyped caps cover exactly the given free RAM minus the
 * root CNode and boot-info page, and exactly the device ranges: each listed in boot-info
 * as it is in its slot, naturally aligned, untouched, in address order, none
 * overlapping. `br` is what boot_create_root_cspace() returned for the same ranges. For
 * the kernel to call at boot, before the root task runs. Not reentrant.
 */
struct boot_check boot_check_untyped_cover(const struct boot_result *br,
                                           const struct boot_range *ram, size_t n_ram,
                                           const struct boot_range *dev, size_t n_dev);

#endif
