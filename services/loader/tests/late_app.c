/*
 * late_app: the program the late-loading test loads into the empty PD 'app'
 * (services/loader/tests/system.xml.in). It says hello, then oversteps its description
 * twice, each time faulting to its parent (the loader), which reports it:
 *   - first run: a call on channel 0, which its description does not give it, made as the
 *     raw system call on the slot (bst_ppcall would refuse it in the library first): its
 *     CSpace is the boot-time one, the slot is empty, and the kernel delivers a capability
 *     fault; the loader starts it again (loader_restarts = 1), memory as it was;
 *   - second run: a write past its own image into the part of its described range that no
 *     segment uses: that page is not mapped, so it faults, and the loader leaves it stopped.
 */
#include <bastion/spec.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>
#include <libbastion/syscall.h>

#define RANGE_END 0x440000ULL /* <late_image vaddr="0x400000" max_size="0x40000"> */

static volatile uint64_t runs; /* kept over a restart: bst_child_restart leaves memory as is */

void init(void)
{
    if (++runs == 1) {
        bst_printf("late_app: hello from a late-loaded image (PD '%s')\n", bst_pd_name());
        bst_printf("late_app: calling on channel 0, which my description does not give me\n");
        uint64_t mrs[BST_MSG_REGISTERS] = {0};
        bst_msginfo_t reply = 0;
        bst_error_t e = bst_call(BASTION_SLOT_PPCALL_BASE + 0, bst_msginfo_new(1, 0), mrs, &reply);
        bst_printf("FAIL: late_app: the call on a channel I lack returned %s\n", bst_error_name(e));
        return;
    }
    bst_printf("late_app: started again (run %lu); writing outside my segments, at 0x%lx\n",
               (unsigned long)runs, (unsigned long)(RANGE_END - 8));
    *(volatile uint64_t *)(uintptr_t)(RANGE_END - 8) = 1;
    bst_printf("FAIL: late_app: the write outside my segments did not fault\n");
}
