/*
 * Direct user port I/O through the TSS I/O permission bitmap, per address space.
 *
 * An I/O port cap can grant its range to a VSpace (IOPORT_GRANT); threads of that
 * address space then execute IN/OUT on those ports directly. Each VSpace (by its
 * identifier) has a table of at most IOMAP_RANGES granted ranges, and its PT_ID_SLOT
 * word carries PT_ID_PORTS while the table is not empty.
 *
 * The CPU's single bitmap holds the ranges of at most one VSpace (the "loaded" one) and
 * forbids every other port. It is consulted only while iomap_base points at it, which
 * is exactly while the active address space holds ports. Switching address spaces
 * therefore costs nothing more than a test when neither side holds ports; leaving a
 * space with ports for one without is one store (iomap_base off, the map stays loaded);
 * coming back is one store; only a switch to a different space with ports rewrites the
 * bits of the two spaces' ranges.
 *
 * Guarantees: a VSpace can use a port only while a cap that grants it exists (the
 * grant is withdrawn when that cap is deleted, revoked or ungranted, and when the VSpace
 * is deleted, with immediate effect on the running address space); the byte after the
 * map is 0xff; IOPL is never raised. One CPU (the map is per CPU; SMP will need one
 * loaded VSpace per CPU).
 */
#ifndef ARCH_IOMAP_H
#define ARCH_IOMAP_H

#include <bastion/errors.h>
#include <ktypes.h>

#define IOMAP_RANGES 4 /* granted ranges per address space */

/* The map is switched on (the active address space holds ports). */
extern bool arch_iomap_open;

/* The address-space switch's slow path: `id_entry` is the incoming VSpace's PT_ID_SLOT
 * word. Called only when it has PT_ID_PORTS or the map is open. */
void arch_iomap_switch(uint64_t id_entry);

struct iomap_grant_result {
    bst_error_t status;
    unsigned index; /* the range's entry in the VSpace's table */
};

/* Open ports [first, last] to the prepared VSpace `pml4` with identifier `id`. Errors:
 * NOT_ENOUGH_MEMORY (its table is full). Takes effect at once if it is active. */
struct iomap_grant_result iomap_grant(paddr_t pml4, unsigned id, uint16_t first, uint16_t last);

/* Withdraw entry `index` of VSpace `pml4` (identifier `id`); its ports fault from now
 * on unless another entry of the same VSpace grants them. */
void iomap_ungrant(paddr_t pml4, unsigned id, unsigned index);

/* VSpace `id` is being deleted: forget its table and close its ports. */
void iomap_vspace_gone(unsigned id);

/* The invariants above, checked against the map and the TSS; NULL when they hold, else
 * a description of the first that does not. For tests. */
const char *iomap_check(void);

#endif
