/*
 * System tests of the boot path: the memory map and the CPU state the kernel set up.
 */
#include <ktest.h>
#include <memmap.h>
#include <timer.h>

KTEST(boot, memory_map)
{
    const struct boot_info *bi = kernel_boot_info();
    const char *problem = memmap_check(bi);
    KTEST_CHECK(problem == NULL, "memory map: %s", problem);
    uint64_t usable = memmap_total(bi, MEM_USABLE), kernel = memmap_total(bi, MEM_KERNEL);
    /* The harness boots with -m 128M: between 100 and 128 MiB of it must be free. */
    KTEST_CHECK(usable >= (100ull << 20) && usable <= (128ull << 20),
                "usable memory %lu KiB, expected 100-128 MiB", usable >> 10);
    KTEST_CHECK(kernel > 0 && kernel < (16ull << 20), "kernel region %lu KiB", kernel >> 10);
}

KTEST(boot, counter_frequency)
{
    uint64_t hz = arch_counter_hz();
    KTEST_CHECK(hz >= 50000000ull && hz <= 20000000000ull,
                "counter frequency %lu Hz is implausible", hz);
}
