/*
 * Page-table isolation (docs/kernel.md, "Meltdown"), seen from user space through
 * DEBUG_ISOLATION. Run last, after every other test has entered and left the kernel
 * every way there is (system calls, faults, preemption, interrupts): with isolation on,
 * no entry from user mode may have found the kernel's view loaded, which is what an
 * exit that forgot to switch views would leave. Either way the root task's VSpace must
 * hold a user view that maps nothing of the kernel but the shared entry pages. The
 * suite's kpti=on run expects the "isolation: on" line, so this cannot pass there with
 * isolation silently off.
 */
#include "roottask.h"

#include <libbastion/syscall.h>

#define ISOLATION_ON      1u
#define ISOLATION_VIEW_OK 2u

void test_isolation_user_view(void)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_ISOLATION};
    bst_arch_syscall(&r);
    CHECK_OK((bst_error_t)r.rax);
    CHECK(r.rdi & ISOLATION_VIEW_OK,
          "the root task's user view maps kernel memory besides the shared pages");
    CHECK(r.rsi == 0, "%lu entries from user mode found the kernel view loaded",
          (unsigned long)r.rsi);
    bst_printf("isolation: %s, no entry found the kernel view loaded\n",
               (r.rdi & ISOLATION_ON) ? "on" : "off");
}
