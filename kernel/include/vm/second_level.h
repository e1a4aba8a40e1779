/*
 * Second-level address spaces (docs/kernel.md, "Second-level address spaces"): what a
 * guest's physical accesses (GSPACE, vm/gspace.h) or a device's DMA (IOSPACE,
 * vm/iospace.h) reach, through tables the hardware walks after (or instead of) the
 * CPU's own paging.
 *
 * Both kinds are the same thing: a space object is the top-level table, table objects
 * (GPT, IOPT) are put below it, frames are mapped into it with rights, and each space
 * in use has an identifier (its slot in a fixed table of the kind, with a generation)
 * that also tags the hardware's caches (AMD ASID, VT-d domain id). A table or frame cap
 * records its one mapping in the cap (the kind's mark, object/cap.h, the identifier,
 * the level and the address, with the space's generation), so that unmap and delete
 * remove exactly that translation, and a cap whose space was deleted never touches the
 * tables of a space that reuses the identifier.
 *
 * This file holds that logic once; a kind is a const table of what differs: its object
 * types, mark, rights and checks (struct second_level_kind, in vm/gspace.c and
 * vm/iospace.c) and the architecture's table format (struct second_level_format: entry
 * bits, levels, what the hardware must be told after an entry changes).
 */
#ifndef BASTION_VM_SECOND_LEVEL_H
#define BASTION_VM_SECOND_LEVEL_H

#include <object/cap.h>

#define SECOND_LEVEL_MAX_IDS 64 /* per kind; identifier 0 is never given */

/* An identifier's state. Every removal of a translation bumps tlb_generation. */
struct second_level_space {
    paddr_t root;        /* the space's table; 0: the identifier is free */
    uint64_t generation; /* 0 while free */
    uint64_t tlb_generation;
};

/*
 * The architecture's table format: 4 KiB tables of 512 8-byte entries, 9 address bits a
 * level; level 1 is the leaf table (its entries map 4 KiB frames). Page levels: 0 a 4
 * KiB frame, 1 a 2 MiB one, 2 a 1 GiB one.
 */
struct second_level_format {
    uint64_t present;         /* an entry with any of these bits is present */
    uint64_t large;           /* the bit of a page above the leaf table */
    uint64_t address;         /* the address bits of an entry */
    uint64_t table;           /* the bits of an entry that points at a table */
    unsigned (*levels)(void); /* of the top-level table */
    /* The bits of a frame's entry for rights (the kind's) besides address and large. */
    uint64_t (*rights)(uint64_t rights);
    /* Whether the hardware maps pages of page_level; else ILLEGAL_OPERATION. NULL: all. */
    bool (*page_level_ok)(unsigned page_level);
    /* The error of mapping a frame below a large page. */
    bst_error_t covered;
    /* After an entry was written (added) or cleared (removed), and after a whole table
     * was emptied: flush what the hardware may have cached. NULL: nothing to do. */
    void (*added)(uint64_t *entry);
    void (*removed)(uint64_t *entry);
    void (*emptied)(uint64_t *table);
};

/* A kind of second-level space. */
struct second_level_kind {
    struct second_level_space *spaces; /* SECOND_LEVEL_MAX_IDS of them */
    const struct second_level_format *format;
    bst_objtype_t space_type, table_type;
    uint64_t mark;                         /* of a record: CAP_GUEST_MAPPED, CAP_IO_MAPPED */
    bool (*recorded)(const struct cap *c); /* whether c records a mapping of this kind */
    bool (*available)(void);               /* the hardware translates: maps can be made */
    uint64_t (*limit)(void);               /* the first address the spaces do not map */
    uint64_t map_rights;                   /* the rights bits FRAME_*_MAP knows */
    /* The rights of a frame's entry from those asked (known bits) and the cap's; 0: none
     * the cap allows (INSUFFICIENT_RIGHTS). */
    uint64_t (*frame_rights)(const struct cap *frame, uint64_t rights);
    /* Checked first: a frame the kind cannot map (ILLEGAL_OPERATION). NULL: all. */
    bool (*frame_ok)(const struct cap *frame);
};

/* Give the space an identifier on first use. Errors: NOT_ENOUGH_MEMORY (all in use). */
bst_error_t second_level_prepare(const struct second_level_kind *k, const struct cap *space,
                                 unsigned *id_out);
/* The identifier of the space whose table is `root`; 0 if it has none. */
unsigned second_level_id_of_root(const struct second_level_kind *k, paddr_t root);
/* The state of the space (id, generation) names (its generation is that of the
 * identifier when it was given out); NULL if that space is gone. */
const struct second_level_space *second_level_space(const struct second_level_kind *k, unsigned id,
                                                    uint64_t generation);
/* The space's last cap is gone: its identifier is retired (0 if it had none). Caps that
 * record it are left alone: their records no longer match. */
unsigned second_level_retire(const struct second_level_kind *k, const struct cap *space);
/* Every identifier's record is consistent (DEBUG_CHECK_STATE); NULL or what broke. */
const char *second_level_check(const struct second_level_kind *k);

/* Undo the mapping `c` (a table, or a frame that k->recorded()) records; a table is
 * emptied too. On unmap and on every delete of such a cap (object/finalise.h). */
void second_level_unmap_cap(const struct second_level_kind *k, struct cap *c);

/* The common decode and performance of the invocations (docs/syscalls.md):
 * TABLE_MAP (GPT_MAP, IOPT_MAP) on the table cap: MR0 space cap, MR1 address;
 * FRAME_MAP (FRAME_GUEST_MAP, FRAME_IO_MAP) on the frame cap: MR0 space cap, MR1
 * address, MR2 rights (k->map_rights). */
struct invocation;
bst_error_t second_level_map_table(const struct second_level_kind *k, struct invocation *inv);
bst_error_t second_level_map_frame(const struct second_level_kind *k, struct invocation *inv);

#endif
