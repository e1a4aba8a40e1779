/*
 * late_app: the program the late-loading test loads into the empty PD 'app'
 * (services/loader/tests/system.xml.in). It says hello, then writes past its own image
 * into the part of its described range that no segment uses: that page is not mapped,
 * so it must fault, and its parent (the loader) reports it.
 */
#include <libbastion/pd.h>
#include <libbastion/printf.h>

#define RANGE_END 0x440000ULL /* <late_image vaddr="0x400000" max_size="0x40000"> */

void init(void)
{
    bst_printf("late_app: hello from a late-loaded image (PD '%s')\n", bst_pd_name());
    bst_printf("late_app: writing outside my segments, at 0x%lx\n", (unsigned long)(RANGE_END - 8));
    *(volatile uint64_t *)(uintptr_t)(RANGE_END - 8) = 1;
    bst_printf("FAIL: late_app: the write outside my segments did not fault\n");
}
