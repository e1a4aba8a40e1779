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
 * costs one compare while no address space holds ports, and a test of the incoming
 * space's id word when some do but neither side of the switch does; leaving a
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

#include <arch/pagetable.h>
#include <arch/physmap.h>
#include <bastion/errors.h>
#include <ktypes.h>

#define IOMAP_RANGES 4 /* granted ranges per address space */

/* PT_ID_PORTS while the map is switched on (the active address space holds ports), 0
 * otherwise: the switch tests (incoming id word | this) & PT_ID_PORTS, one test for
 * both sides. */
extern uint64_t arch_iomap_open;

/* How many address spaces hold ports. While none does (a system whose drivers use
 * invocations only), the switch tests this one word and nothing else. */
extern uint64_t arch_iomap_spaces;

/* The assembly fastpath's one test before an address-space switch of its own: the same
 * count, plus ARCH_SWITCH_SLOW_PCID while PCIDs are in use (arch_vspace_init()). Non-zero:
 * the switch needs the C path. */
extern uint64_t arch_switch_slow;
#define ARCH_SWITCH_SLOW_PCID (1ull << 63)

/* The address-space switch's slow path: `id_entry` is the incoming VSpace's PT_ID_SLOT
 * word. Called only when it has PT_ID_PORTS or the map is open. */
void arch_iomap_switch(uint64_t id_entry);

/* The same, called from inline asm through iomap_entry.S, which preserves every
 * register: the mere possibility of the call then costs the inlined switch (and the IPC
 * fastpath around it) no register spills. */
static inline __attribute__((always_inline)) void arch_iomap_switch_inline(uint64_t id_entry)
{
    __asm__ volatile("call arch_iomap_switch_preserving" : : "D"(id_entry) : "memory", "cc");
}

/* The switch's hook, once some address space holds ports: call the slow path only if
 * the incoming space (top-level table `pml4`) or the outgoing one holds ports. */
static inline __attribute__((always_inline)) void arch_iomap_follow(paddr_t pml4)
{
    /* Kept opaque so that the compiler does not hoist this address computation out of
     * the rarely taken branch (the PCID path computes the same one). */
    __asm__("" : "+r"(pml4));
    uint64_t id_entry = ((const uint64_t *)arch_physmap_ptr(pml4))[PT_ID_SLOT];
    if (((id_entry | arch_iomap_open) & PT_ID_PORTS) != 0) {
        arch_iomap_switch_inline(id_entry);
    }
}

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
