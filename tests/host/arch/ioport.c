/*
 * The host "architecture" has no I/O ports (x86 only: kernel/arch/x86_64/ioport.c, whose
 * accesses are CPU instructions). IOPORT_CONTROL and IOPORT caps exist (the boot CSpace
 * holds the control cap) but every invocation of them is ILLEGAL_OPERATION, and no
 * IOPORT cap is ever issued, so there is nothing to grant or finalise.
 */
#include <object/finalise.h>
#include <syscall/invocation.h>

bst_error_t arch_ioport_control_invoke(struct invocation *inv)
{
    (void)inv;
    return BST_ILLEGAL_OPERATION;
}

bst_error_t arch_ioport_invoke(struct invocation *inv)
{
    (void)inv;
    return BST_ILLEGAL_OPERATION;
}

void ioport_ungrant_cap(struct cap *cap)
{
    (void)cap;
}

void ioport_finalise(const struct cap *cap)
{
    (void)cap;
}
