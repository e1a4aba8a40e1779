/*
 * Per-address-space I/O port grants and the TSS I/O permission bitmap (arch/iomap.h).
 *
 * State: each VSpace identifier's table of granted ranges; the identifier whose ranges
 * are open in the map (`loaded_id`, 0 for none: then the map forbids every port); and
 * whether iomap_base points at the map (`arch_iomap_open`). Invariant (iomap_check):
 * the map's clear bits are exactly the union of loaded_id's ranges, and it is switched
 * on exactly when the active address space holds ports, in which case that space is
 * loaded_id.
 */
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/iomap.h>
#include <arch/pagetable.h>
#include <arch/vspace.h>
#include <kassert.h>
#include <kstring.h>

struct space_ports {
    uint16_t first[IOMAP_RANGES], last[IOMAP_RANGES];
    uint8_t used; /* bit i: entry i holds a range */
};

static struct space_ports spaces[VSPACE_MAX_IDS];
static unsigned loaded_id;
uint64_t arch_iomap_open;
uint64_t arch_iomap_spaces;
uint64_t arch_switch_slow;

#define RFLAGS_IOPL (3ull << 12)

/* Forbid (or allow) every port of [first, last] in the map, a byte at a time. */
static void map_mark(unsigned first, unsigned last, bool forbid)
{
    uint8_t *map = arch_tss.iomap;
    for (unsigned byte = first >> 3; byte <= last >> 3; byte++) {
        unsigned lo = byte == first >> 3 ? first & 7 : 0;
        unsigned hi = byte == last >> 3 ? last & 7 : 7;
        uint8_t mask = (uint8_t)(((2u << hi) - 1) & ~((1u << lo) - 1));
        map[byte] = forbid ? (uint8_t)(map[byte] | mask) : (uint8_t)(map[byte] & ~mask);
    }
}

static void mark_space(unsigned id, bool forbid)
{
    const struct space_ports *s = &spaces[id];
    for (unsigned i = 0; i < IOMAP_RANGES; i++) {
        if (s->used & BIT(i)) {
            map_mark(s->first[i], s->last[i], forbid);
        }
    }
}

/* Close the loaded space's ports: the map forbids everything again. */
static void unload(void)
{
    if (loaded_id != 0) {
        mark_space(loaded_id, true);
        loaded_id = 0;
    }
}

static void load(unsigned id)
{
    unload();
    mark_space(id, false);
    loaded_id = id;
}

static void map_switch_on(bool on)
{
    arch_tss.tss.iomap_base = on ? TSS_IOMAP_ON : TSS_IOMAP_OFF;
    arch_iomap_open = on ? PT_ID_PORTS : 0;
}

void arch_iomap_switch(uint64_t id_entry)
{
    if (id_entry & PT_ID_PORTS) {
        unsigned id = (unsigned)(id_entry >> 12) & (VSPACE_MAX_IDS - 1);
        if (id != loaded_id) {
            load(id);
        }
        map_switch_on(true);
    } else {
        map_switch_on(false);
    }
}

/* Make the map match the active address space after its table or flag changed. */
static void refresh(void)
{
    arch_iomap_switch(KCPU_HOT(arch_active_pml4) != 0 ? pt_root_id_entry(KCPU_HOT(arch_active_pml4))
                                                      : 0);
    kassert(iomap_check() == NULL);
}

struct iomap_grant_result iomap_grant(paddr_t pml4, unsigned id, uint16_t first, uint16_t last)
{
    struct space_ports *s = &spaces[id];
    for (unsigned i = 0; i < IOMAP_RANGES; i++) {
        if (!(s->used & BIT(i))) {
            if (id == loaded_id) {
                unload(); /* reloaded by refresh() with the new range */
            }
            if (s->used == 0) {
                arch_iomap_spaces++;
                arch_switch_slow++;
            }
            s->first[i] = first;
            s->last[i] = last;
            s->used = (uint8_t)(s->used | BIT(i));
            pt_set_root_flag(pml4, PT_ID_PORTS, true);
            refresh();
            return (struct iomap_grant_result){BST_OK, i};
        }
    }
    return (struct iomap_grant_result){BST_NOT_ENOUGH_MEMORY, 0};
}

void iomap_ungrant(paddr_t pml4, unsigned id, unsigned index)
{
    struct space_ports *s = &spaces[id];
    if (index >= IOMAP_RANGES || !(s->used & BIT(index))) {
        return;
    }
    if (id == loaded_id) {
        unload(); /* another entry may grant the same ports: reload what is left */
    }
    s->used = (uint8_t)(s->used & ~BIT(index));
    if (s->used == 0) {
        pt_set_root_flag(pml4, PT_ID_PORTS, false);
        arch_iomap_spaces--;
        arch_switch_slow--;
    }
    refresh();
}

void iomap_vspace_gone(unsigned id)
{
    if (id == loaded_id) {
        unload();
    }
    if (spaces[id].used != 0) {
        spaces[id].used = 0;
        arch_iomap_spaces--;
        arch_switch_slow--;
    }
    if (KCPU_HOT(arch_active_pml4) != 0 && pt_root_id(KCPU_HOT(arch_active_pml4)) == id) {
        map_switch_on(false); /* the kernel's own tables take over */
    }
}

/* The ports of [lo, lo + 63] in a range of VSpace id, as bits (port lo + k: bit k). */
static uint64_t open_ports(unsigned id, unsigned lo)
{
    const struct space_ports *s = &spaces[id];
    uint64_t bits = 0;
    for (unsigned i = 0; i < IOMAP_RANGES; i++) {
        if (!(s->used & BIT(i)) || s->last[i] < lo || s->first[i] > lo + 63) {
            continue;
        }
        unsigned a = s->first[i] > lo ? s->first[i] - lo : 0;
        unsigned b = s->last[i] < lo + 63 ? s->last[i] - lo : 63;
        bits |= (b == 63 ? ~0ull : (1ull << (b + 1)) - 1) & ~((1ull << a) - 1);
    }
    return bits;
}

const char *iomap_check(void)
{
    uint64_t rflags;
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    if (rflags & RFLAGS_IOPL) {
        return "the kernel runs with IOPL above 0";
    }
    if (arch_tss.iomap_end != 0xff) {
        return "the byte after the I/O map is not 0xff";
    }
    uint16_t base = arch_tss.tss.iomap_base;
    if ((arch_iomap_open != 0 && arch_iomap_open != PT_ID_PORTS) ||
        base != (arch_iomap_open ? TSS_IOMAP_ON : TSS_IOMAP_OFF)) {
        return "iomap_base does not agree with arch_iomap_open";
    }
    uint64_t entry =
        KCPU_HOT(arch_active_pml4) != 0 ? pt_root_id_entry(KCPU_HOT(arch_active_pml4)) : 0;
    if ((arch_iomap_open != 0) != ((entry & PT_ID_PORTS) != 0)) {
        return "the map is on but the active space holds no ports, or the reverse";
    }
    if (arch_iomap_open && loaded_id != ((entry >> 12) & (VSPACE_MAX_IDS - 1))) {
        return "the map is on with another space's ports";
    }
    if (loaded_id != 0 && spaces[loaded_id].used == 0) {
        return "a space without ports is loaded";
    }
    uint64_t holding = 0;
    for (unsigned id = 0; id < VSPACE_MAX_IDS; id++) {
        holding += spaces[id].used != 0;
    }
    if (holding != arch_iomap_spaces) {
        return "arch_iomap_spaces miscounts the spaces holding ports";
    }
    if (arch_switch_slow != (holding | (arch_vspace_pcid ? ARCH_SWITCH_SLOW_PCID : 0))) {
        return "arch_switch_slow disagrees with the spaces holding ports or with PCID";
    }
    /* The map 64 ports at a time (the TSS's bytes as little-endian words: port p is bit
     * p % 64 of word p / 64): every bit set but the loaded space's ranges. A port at a
     * time cost a restarted driver's grant about 2 million instructions. */
    for (unsigned w = 0; w < 65536 / 64; w++) {
        uint64_t want = loaded_id != 0 ? ~open_ports(loaded_id, w * 64) : ~0ull, have;
        memcpy(&have, &arch_tss.iomap[w * 8], sizeof have);
        if (have != want) {
            return "a port's bit differs from the loaded space's grants";
        }
    }
    return NULL;
}
