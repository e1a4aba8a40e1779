/*
 * What a VM exit costs the VMM (docs/virtualisation.md): the guest, in real mode at
 * guest-physical 0, writes a port in a loop; each sample is one VCPU_RUN that skips the
 * last OUT and enters the guest, the guest's next OUT exits and the exit message comes
 * back. That is the round trip a VMM pays per emulated instruction: guest exit to the
 * VMM and back into the guest. Without SVM (VCPU invocations refused) it says so and is
 * skipped.
 */
#include "bench.h"

#include <libbastion/cnode.h>
#include <libbastion/ipc.h>
#include <libbastion/tcb.h>
#include <libbastion/printf.h>
#include <libbastion/vcpu.h>

#define ROOT_CNODE ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define ROOT_TCB   ((bst_cptr_t)BST_SLOT_ROOT_TCB)

static uint64_t round_s[BENCH_SAMPLES], signal_s[BENCH_SAMPLES];

static inline uint64_t timestamp(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* out %al, $0x80; jmp back to it (the same bytes in 16- and 32-bit code). */
static const uint8_t guest_loop[] = {0xe6, 0x80, 0xeb, 0xfc};

void bench_vm_exit(uint64_t overhead)
{
    bst_cptr_t vcpu = setup_object(BST_OBJ_VCPU), space = setup_object(BST_OBJ_GSPACE);
    bst_error_t e = bst_vcpu_bind(vcpu, ROOT_TCB, space);
    if (e != BST_OK) {
        bst_printf("bench: vm: no VCPU can run here (%s): the exit round trip is not measured\n",
                   bst_error_name(e));
        return;
    }
    for (int level = 0; level < 3; level++)
        if ((e = bst_gpt_map(setup_object(BST_OBJ_GPT), space, 0)) != BST_OK)
            setup_fail("vm: GPT_MAP", e);
    uint64_t vaddr;
    bst_cptr_t frame = setup_root_frame(&vaddr), copy = setup_slot();
    uint8_t *code = (uint8_t *)(uintptr_t)vaddr;
    for (unsigned i = 0; i < sizeof(guest_loop); i++)
        code[i] = guest_loop[i];
    if ((e = bst_cnode_copy(ROOT_CNODE, copy, 64, ROOT_CNODE, frame, 64, BST_RIGHTS_ALL)) !=
            BST_OK ||
        (e = bst_frame_guest_map(copy, space, 0, BST_GUEST_MAP_READ | BST_GUEST_MAP_EXECUTE)) !=
            BST_OK)
        setup_fail("vm: the guest's page", e);
    struct bst_vm_exit_msg x;
    struct bst_vcpu_resume skip = {.flags = BST_VCPU_RUN_ADVANCE};
    if ((e = bst_vcpu_run(vcpu, NULL, &x)) != BST_OK || x.reason != BST_VM_EXIT_IO)
        setup_fail("vm: first exit", e != BST_OK ? e : BST_INVALID_ARGUMENT);
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        uint64_t t0 = timestamp();
        e = bst_vcpu_run(vcpu, &skip, &x);
        uint64_t t1 = timestamp();
        if (e != BST_OK || x.reason != BST_VM_EXIT_IO)
            setup_fail("vm: exit", e != BST_OK ? e : BST_INVALID_ARGUMENT);
        if (i >= BENCH_WARMUP)
            round_s[i - BENCH_WARMUP] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
    }
    bench_report("vm.exit_round_trip.io", round_s, overhead);
    /* The same call when the VMM thread's notification is pending: VCPU_RUN's whole path
     * without the world switch (it returns a SIGNAL exit before entering). The signal
     * is sent outside the measured interval. */
    bst_cptr_t ntfn = setup_object(BST_OBJ_NOTIFICATION), badged = setup_slot();
    if ((e = bst_cnode_mint(ROOT_CNODE, badged, 64, ROOT_CNODE, ntfn, 64, BST_RIGHTS_ALL, 1)) !=
            BST_OK ||
        (e = bst_tcb_bind_notification(ROOT_TCB, ntfn)) != BST_OK)
        setup_fail("vm: notification", e);
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        bst_signal(badged);
        uint64_t t0 = timestamp();
        e = bst_vcpu_run(vcpu, &skip, &x);
        uint64_t t1 = timestamp();
        if (e != BST_OK || x.reason != BST_VM_EXIT_SIGNAL)
            setup_fail("vm: signal exit", e != BST_OK ? e : BST_INVALID_ARGUMENT);
        if (i >= BENCH_WARMUP)
            signal_s[i - BENCH_WARMUP] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
    }
    bst_tcb_unbind_notification(ROOT_TCB);
    bench_report("vm.run_without_entry.signal", signal_s, overhead);
}
