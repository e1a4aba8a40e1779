/*
 * The I/O permission bitmap's state at boot (arch/iomap.h): every port forbidden, the
 * map switched off, the end byte 0xff, IOPL 0, and the TSS segment long enough to hold
 * the map and its end byte. (The user-visible behaviour is tested by the root task:
 * tests/system/roottask/ioport_grant.c.)
 */
#include <arch/gdt.h>
#include <arch/iomap.h>
#include <arch/layout.h>
#include <ktest.h>

KTEST(x86, io_bitmap)
{
    const char *problem = iomap_check();
    KTEST_CHECK(problem == NULL, "%s", problem);
    KTEST_CHECK(arch_tss.iomap_end == 0xff, "the byte after the map is %#x", arch_tss.iomap_end);
    uint32_t limit;
    __asm__ volatile("lsl %1, %0" : "=r"(limit) : "r"((uint32_t)SEL_TSS));
    KTEST_CHECK(limit == sizeof(arch_tss) - 1, "the TSS limit is %u, expected %u", limit,
                (unsigned)(sizeof(arch_tss) - 1));
    if (arch_iomap_spaces == 0) {
        KTEST_CHECK(arch_tss.tss.iomap_base == TSS_IOMAP_OFF, "the map is on with no ports");
    }
}
