/*
 * The last-level cache's geometry from CPUID, for cache colouring (colour.c): leaf 4
 * (Intel's deterministic cache parameters), else 0x8000001D (AMD's, with topology
 * extensions), else AMD's summary leaf 0x80000006 (QEMU's TCG `max` CPU offers only
 * this one: a 16 MiB, 16-way L3 of 64-byte lines, 256 colours). A page colour is a class of pages
 * that share the cache's sets: there are sets x line size / 4 KiB of them. CPUID runs in user mode;
 * nothing here is trusted beyond describing what the CPU says.
 */
#include "colour.h"

#include <libbastion/printf.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(sub));
    return r;
}

/* The highest-level data or unified cache that `leaf` lists (at most 16 subleaves);
 * false when it lists none. */
static bool deepest_cache(uint32_t leaf, struct llc_geometry *g)
{
    bool found = false;
    for (uint32_t sub = 0; sub < 16; sub++) {
        struct cpuid_regs r = cpuid(leaf, sub);
        uint32_t type = r.eax & 0x1f, level = (r.eax >> 5) & 7;
        if (type == 0)
            break;
        if (type != 1 && type != 3) /* instruction caches do not hold data */
            continue;
        if (found && level <= g->level)
            continue;
        found = true;
        g->level = level;
        g->line = (r.ebx & 0xfff) + 1;
        g->ways = (r.ebx >> 22) + 1;
        g->sets = (uint64_t)r.ecx + 1;
    }
    return found;
}

/* AMD's 4-bit associativity code of leaf 0x80000006; 0 for disabled, fully associative
 * or reserved codes. */
static uint32_t amd_ways(uint32_t code)
{
    static const uint8_t ways[16] = {0, 1, 2, 0, 4, 0, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0};
    return ways[code & 0xf];
}

/* The older summary leaf 0x80000006 (AMD, and what QEMU's TCG CPUs give): L3 in EDX
 * (size in 512 KiB units), else L2 in ECX (size in KiB). */
static bool amd_legacy_cache(struct llc_geometry *g)
{
    struct cpuid_regs r = cpuid(0x80000006u, 0);
    uint64_t size;
    uint32_t code, line;
    if (r.edx >> 18) {
        g->level = 3, size = (uint64_t)(r.edx >> 18) * 512 * 1024, code = (r.edx >> 12) & 0xf,
        line = r.edx & 0xff;
    } else if (r.ecx >> 16) {
        g->level = 2, size = (uint64_t)(r.ecx >> 16) * 1024, code = (r.ecx >> 12) & 0xf,
        line = r.ecx & 0xff;
    } else {
        return false;
    }
    g->ways = amd_ways(code);
    g->line = line;
    if (g->ways == 0 || line == 0)
        return false;
    g->sets = size / ((uint64_t)g->ways * line);
    return true;
}

bool llc_geometry_read(struct llc_geometry *g)
{
    *g = (struct llc_geometry){0};
    if (cpuid(0, 0).eax >= 4 && deepest_cache(4, g)) {
        g->source = "CPUID leaf 4";
    } else if (cpuid(0x80000000u, 0).eax >= 0x8000001du &&
               (cpuid(0x80000001u, 0).ecx & (1u << 22)) && deepest_cache(0x8000001du, g)) {
        g->source = "CPUID leaf 0x8000001d";
    } else if (cpuid(0x80000000u, 0).eax >= 0x80000006u && amd_legacy_cache(g)) {
        g->source = "CPUID leaf 0x80000006";
    } else {
        return false;
    }
    g->colours = g->sets * g->line / 4096;
    return true;
}
