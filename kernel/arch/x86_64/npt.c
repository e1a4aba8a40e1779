/*
 * AMD nested page tables (vm/gspace.h's arch_gspace_format; vm/second_level.c walks
 * them): a GSPACE is a 4-level table in the long-mode paging format that translates
 * guest-physical addresses. The hardware treats every nested access as a user access,
 * so every entry has U set; a table entry also has W set and leaves the rights to the
 * leaf (W, NX). The guest's memory type is its own PAT's over write-back (entries'
 * PWT/PCD/PAT clear). Nothing is flushed when an entry changes: a VCPU flushes its
 * space's ASID when it enters after a removal (vm/vcpu.h).
 */
#include <arch/cpu.h>
#include <bastion/vcpu.h>
#include <vm/gspace.h>

#define NPT_P  BIT(0)
#define NPT_W  BIT(1)
#define NPT_U  BIT(2)
#define NPT_PS BIT(7)
#define NPT_NX BIT(63)

static unsigned npt_levels(void)
{
    return 4;
}

static uint64_t npt_rights(uint64_t rights)
{
    return NPT_P | NPT_U | ((rights & BST_GUEST_MAP_WRITE) ? NPT_W : 0) |
           ((rights & BST_GUEST_MAP_EXECUTE) ? 0 : NPT_NX);
}

/* Nested 1 GiB pages need the CPU's 1 GiB pages. */
static bool npt_page_level_ok(unsigned page_level)
{
    return page_level < 2 || cpu_features.page1g;
}

const struct second_level_format arch_gspace_format = {
    .present = NPT_P,
    .large = NPT_PS,
    .address = 0x000ffffffffff000ull,
    .table = NPT_P | NPT_W | NPT_U,
    .levels = npt_levels,
    .rights = npt_rights,
    .page_level_ok = npt_page_level_ok,
    .covered = BST_FAILED_LOOKUP,
};
