/*
 * Empty hooks of the guest objects (VCPU, GSPACE, GPT; kernel/vm/vcpu.c and gspace.c) for
 * the host tests that do not build them: linked by every host test program but the
 * system-call fuzzer, which builds the real ones on a host arch without guests
 * (tests/host/arch/virt.c).
 */
#include "object/finalise.h"

void guest_unmap_cap(struct cap *cap)
{
    (void)cap;
}

void vcpu_finalise(const struct cap *cap)
{
    (void)cap;
}

void gspace_finalise(const struct cap *cap)
{
    (void)cap;
}

void vcpu_forget_thread(const struct tcb *t)
{
    (void)t;
}
