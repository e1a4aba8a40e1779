/*
 * The fuzzer's world (fuzz_world.h). Objects come from the boot untyped caps through the
 * same retype a user would use, into root CNode slots after the boot caps.
 */
#include "fuzz_world.h"

#include "arch/host_arch.h"

#include <bastion/capdata.h>
#include <bastion/vmattr.h>
#include <ipc/fastpath.h>
#include <irq/irq.h>
#include <thread/budget.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <vm/vspace.h>

#include <stdlib.h>

#define RAM_BYTES   (1u << 20)          /* filled at every boot: small */
#define DEV_BYTES   (UINT64_C(2) << 30) /* a 2 GiB device block: frames of every size */
#define KERNEL_ROOT (PHYS_BASE + PHYS_SIZE - 0x2000) /* past the world's RAM */
#define PRIORITY    100 /* thread i runs at PRIORITY + 2 - i: thread 0 first */
#define MCP         255

struct cte *fuzz_world_slot(struct fuzz_world *fw, uint64_t index)
{
    return cnode_slot(&fw->root, index);
}

struct slot_ref fuzz_world_ref(struct fuzz_world *fw, uint64_t index)
{
    return (struct slot_ref){.root = &fw->root, .cptr = cptr_from_word(index), .depth = 64};
}

static void must(bst_error_t e, const char *what)
{
    if (e != BST_OK) {
        fprintf(stderr, "fuzz_world: %s: %s\n", what, bst_error_name(e));
        abort();
    }
}

/* Retype one object of `type` into slot `dest` from the first RAM untyped with room. */
static void make(struct fuzz_world *fw, bst_objtype_t type, unsigned bits, uint64_t dest)
{
    const struct bst_bootinfo *bi = fw->w.boot.bootinfo;
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        if (bi->untyped_list[i].is_device) {
            continue;
        }
        bst_error_t e = world_retype(&fw->w, bi->untyped.start + i, type, bits, dest, 1);
        if (e != BST_NOT_ENOUGH_MEMORY) {
            must(e, bst_obj_name(type));
            return;
        }
    }
    must(BST_NOT_ENOUGH_MEMORY, bst_obj_name(type));
}

static uint64_t next(struct fuzz_world *fw, bst_objtype_t type, unsigned bits)
{
    uint64_t slot = fw->slots.first_free++;
    make(fw, type, bits, slot);
    return slot;
}

static struct cap *cap_at(struct fuzz_world *fw, uint64_t slot)
{
    return &world_slot(&fw->w, slot)->cap;
}

/* A VSpace with the three tables that translate FUZZ_IPC_VADDR. */
static uint64_t make_vspace(struct fuzz_world *fw)
{
    uint64_t vs = next(fw, BST_OBJ_VSPACE, 0);
    static const bst_objtype_t levels[] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        uint64_t t = next(fw, levels[i], 0);
        must(vm_map_table(cap_at(fw, t), cap_at(fw, vs), FUZZ_IPC_VADDR(0)), "map table");
    }
    return vs;
}

static void make_thread(struct fuzz_world *fw, unsigned i)
{
    struct fuzz_slots *s = &fw->slots;
    uint64_t vs = s->vspace[i / 2];
    s->tcb[i] = next(fw, BST_OBJ_TCB, 0);
    s->sc[i] = next(fw, BST_OBJ_SCHED_CONTEXT, 0);
    s->ipc_buffer[i] = next(fw, BST_OBJ_FRAME_4K, 0);
    must(vm_map_frame(cap_at(fw, s->ipc_buffer[i]), cap_at(fw, vs), FUZZ_IPC_VADDR(i),
                      BST_RIGHTS_RW, 0),
         "map IPC buffer");
    struct tcb *t = tcb_of(cap_at(fw, s->tcb[i]));
    tcb_set_slot(t, TCB_SLOT_CSPACE, world_slot(&fw->w, BST_SLOT_ROOT_CNODE));
    tcb_set_slot(t, TCB_SLOT_VSPACE, world_slot(&fw->w, vs));
    tcb_set_slot(t, TCB_SLOT_IPC_BUFFER, world_slot(&fw->w, s->ipc_buffer[i]));
    t->ipc_buffer_vaddr = FUZZ_IPC_VADDR(i);
    arch_tcb_init(&t->arch);
    t->initialised = 1;
    arch_tcb_set_reg(&t->arch, HOST_REG_RIP, UINT64_C(0x400000) + 0x1000u * i);
    arch_tcb_set_reg(&t->arch, HOST_REG_RSP, UINT64_C(0x7ff000));
    t->mcp = MCP;
    t->name[0] = (char)('0' + i);
    sched_set_priority(t, (uint8_t)(PRIORITY + FUZZ_THREADS - 1 - i));
    struct sched_context *sc = sched_context_of(cap_at(fw, s->sc[i]));
    budget_sc_configure(sc, arch_counter_hz(), arch_counter_hz()); /* unlimited */
    sc_attach(sc, t);
}

static void mint(struct fuzz_world *fw, uint64_t dest, uint64_t src, bst_rights_t r, uint64_t b)
{
    must(cnode_mint(world_ref(&fw->w, dest), world_ref(&fw->w, src), r, b), "mint");
}

/* The kernel's global state as a fresh boot leaves it (what teardown cannot reset:
 * time, the interrupt controller, the domain schedule, the timer mode). */
static void reset_machine(void)
{
    host_time_reset();
    host_irq_reset();
    host_vspace_boot(KERNEL_ROOT);
    phys_fill(KERNEL_ROOT, 0x2000, 0);
    domain_set_schedule(NULL, 0, 0);
    budget_state.armed = 0;
    sched_tickless_start();
    preempt_every(0);
}

void fuzz_world_build(struct fuzz_world *fw)
{
    reset_machine();
    world_boot(&fw->w, RAM_BYTES, DEV_BYTES);
    fw->root = *fw->w.root;
    struct fuzz_slots *s = &fw->slots;
    *s = (struct fuzz_slots){.first_free = fw->w.boot.bootinfo->empty.start};
    s->vspace[0] = make_vspace(fw);
    s->vspace[1] = make_vspace(fw);
    for (unsigned i = 0; i < 2; i++) {
        s->endpoint[i] = next(fw, BST_OBJ_ENDPOINT, 0);
        s->notification[i] = next(fw, BST_OBJ_NOTIFICATION, 0);
    }
    for (unsigned i = 0; i < FUZZ_THREADS + 1; i++) {
        s->reply[i] = next(fw, BST_OBJ_REPLY, 0);
    }
    s->cnode = next(fw, BST_OBJ_CNODE, 4);
    s->untyped = next(fw, BST_OBJ_UNTYPED, 16);
    s->endpoint_badged = s->first_free++;
    mint(fw, s->endpoint_badged, s->endpoint[0], BST_RIGHT_WRITE | BST_RIGHT_GRANT, 0x11);
    s->notification_badged = s->first_free++;
    mint(fw, s->notification_badged, s->notification[0], BST_RIGHT_WRITE, 0x2);
    for (unsigned i = 0; i < FUZZ_THREADS; i++) {
        make_thread(fw, i);
    }
    s->guarded = s->first_free++;
    mint(fw, s->guarded, BST_SLOT_ROOT_CNODE, BST_RIGHTS_ALL,
         bst_cnode_guard_data(FUZZ_GUARD, 64 - WORLD_RADIX));
    tcb_set_slot(tcb_of(cap_at(fw, s->tcb[2])), TCB_SLOT_CSPACE, world_slot(&fw->w, s->guarded));
    for (unsigned i = 0; i < FUZZ_THREADS; i++) {
        tcb_resume(tcb_of(cap_at(fw, s->tcb[i])));
    }
    if (host_kernel_exit() == NULL) {
        fprintf(stderr, "fuzz_world: no thread runs\n");
        abort();
    }
}

/* Revoke then delete `slot`, running every preempted step to its end. */
static void erase(struct fuzz_world *fw, uint64_t slot)
{
    if (cap_is_null(&fuzz_world_slot(fw, slot)->cap)) {
        return;
    }
    while (cnode_revoke(fuzz_world_ref(fw, slot)) == BST_PREEMPTED) {
    }
    while (cnode_delete(fuzz_world_ref(fw, slot)) == BST_PREEMPTED) {
    }
    while (cnode_reap() == BST_PREEMPTED) {
    }
}

/* Whether any domain has a ready thread. */
static bool anything_ready(void)
{
    bool ready = false;
    uint8_t was = sched_state.domain;
    for (unsigned d = 0; d < NUM_DOMAINS; d++) {
        sched_enter_domain((uint8_t)d);
        ready |= sched_highest_ready() >= 0;
    }
    sched_enter_domain(was);
    return ready;
}

const char *fuzz_world_teardown(struct fuzz_world *fw)
{
    preempt_every(0);
    uint64_t slots = UINT64_C(1) << fw->root.u.cnode.radix;
    for (uint64_t i = slots - 1; i > BST_SLOT_ROOT_CNODE; i--) {
        erase(fw, i);
    }
    erase(fw, BST_SLOT_ROOT_CNODE); /* its copies; the cap itself is the world's root */
    if (sched_current() != NULL) {
        return "after teardown: a current thread";
    }
    if (anything_ready()) {
        return "after teardown: a thread in a ready queue";
    }
    if (budget_state.release_head != NULL || budget_state.limited != 0) {
        return "after teardown: a throttled thread or a held limited context";
    }
    if (budget_end != UINT64_MAX) {
        return "after teardown: a limited context still running";
    }
    for (unsigned id = 1; id < VSPACE_MAX_IDS; id++) {
        if (vspace_id_generation(id) != 0) {
            return "after teardown: a VSpace identifier still in use";
        }
    }
    for (unsigned line = 0; line < IRQ_LINES; line++) {
        if (irq_count(line) != 0) {
            return "after teardown: an interrupt line still issued";
        }
    }
    return NULL;
}
