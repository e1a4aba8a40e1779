/*
 * Empty hooks of the guest objects (VCPU, GSPACE, GPT; kernel/vm/vcpu.c and gspace.c) for
 * the host tests that do not build them: linked by every host test program but the
 * system-call fuzzer, which builds the real ones on a host arch without guests
 * (tests/host/arch/virt.c). Also the kernel image copies' hooks (kernel/vm/kimage.c;
 * tests/host/arch/kimage.c for the fuzzer): no host test but the fuzzer makes one.
 */
#include "object/finalise.h"
#include "vm/kimage.h"

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

void kimage_finalise(const struct cap *cap)
{
    (void)cap;
}

void kimage_slot_emptied(struct cte *slot)
{
    (void)slot;
}

struct kimage_state kimage_state;

void kimage_activate(paddr_t obj, unsigned caller_flushes)
{
    (void)caller_flushes;
    kimage_state.active = obj;
}

void kimage_idle_stack(void)
{
    /* the host's kernel runs on the process's stack */
}
