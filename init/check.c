/*
 * After building, before starting anything: compare the CSpaces the kernel now holds with
 * the spec. The kernel has no call that reads a slot back, so every check is a probe
 * with a visible outcome, made on a copy of the PD's cap in a slot of init's:
 *
 *   - occupancy: copying slot i of the PD's CNode succeeds exactly when the spec (or
 *     init's documented additions: an endpoint for a parent nothing calls, the service
 *     cap BST_PD_SLOT_INIT, the I/O space cap BASTION_SLOT_IOSPACE) puts a cap there.
 *     So no PD holds a cap it was not given.
 *   - notification caps: signalling through the copy, then polling the notification the
 *     spec names, must return exactly the spec's badge (this proves the target, the badge
 *     and the write right; no PD runs yet, so every word starts at zero).
 *   - endpoint caps: a non-blocking send through the copy succeeds only with the write
 *     right (nobody receives yet, so nothing is delivered), and minting a badge onto the
 *     copy fails exactly when it is badged already.
 *
 * Other caps (TCB, VSpace, CNode, reply, scheduling context, IRQ handler, I/O port) are
 * checked for presence only: probing a port could disturb the device. A kernel call
 * that identifies a slot's cap (type, object, rights, badge) would make the check exact.
 */
#include "init.h"
#include "device.h"

#include <libbastion/cnode.h>
#include <libbastion/ipc.h>

#define CNODE_SLOTS (1u << BASTION_CNODE_BITS)

static unsigned problems;

static void problem(uint32_t p, uint32_t slot, const char *what)
{
    bst_printf("init: check: PD '%s' slot %u: %s\n", spec_string(&the_spec, the_spec.pds[p].name),
               slot, what);
    problems++;
}

static uint64_t probe_slot(void)
{
    static uint64_t slot;
    if (slot == 0)
        slot = slot_alloc(1);
    return slot;
}

/* The probe copy of a notification cap must signal exactly `badge` into `target`. */
static void check_notification(uint32_t p, const struct bastion_spec_cap *c)
{
    uint64_t target = object_slot(c->index, 0), word = 0;
    bst_poll(target, &word);
    bst_error_t e = bst_signal(probe_slot());
    bst_poll(target, &word);
    if ((c->rights & BASTION_RIGHT_WRITE) && (e != BST_OK || word != c->badge))
        problem(p, c->slot,
                "the notification cap does not signal the spec's badge to the spec's PD");
    if (!(c->rights & BASTION_RIGHT_WRITE) && e == BST_OK && word != 0)
        problem(p, c->slot, "the notification cap can signal, but the spec gives no write right");
}

static void check_endpoint(uint32_t p, const struct bastion_spec_cap *c)
{
    bst_error_t sent = bst_nb_send(probe_slot(), 0, NULL);
    if ((sent == BST_OK) != ((c->rights & BASTION_RIGHT_WRITE) != 0))
        problem(p, c->slot, "the endpoint cap's write right differs from the spec");
    uint64_t again = slot_alloc(1);
    bst_error_t e = bst_cnode_mint(ROOT_CNODE, again, BST_ROOT_DEPTH, ROOT_CNODE, probe_slot(),
                                   BST_ROOT_DEPTH, BST_RIGHTS_ALL, 1);
    bool badged = e == BST_ILLEGAL_OPERATION;
    if (e == BST_OK)
        bst_cnode_delete(ROOT_CNODE, again, BST_ROOT_DEPTH);
    if (badged != (c->badge != 0))
        problem(p, c->slot, "the endpoint cap's badge differs from the spec");
}

static void check_pd(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    const struct pd_state *st = &pd_states[p];
    const struct bastion_spec_cap *want[CNODE_SLOTS] = {0};
    bool expected[CNODE_SLOTS] = {false};
    for (uint32_t i = 0; i < pd->cap_count; i++) {
        const struct bastion_spec_cap *c = &the_spec.caps[pd->first_cap + i];
        if (c->kind == BASTION_CAP_OBJECT)
            want[c->slot] = c;
        expected[c->slot] = true;
    }
    if (pd->endpoint == BASTION_SPEC_NONE && st->endpoint)
        expected[BASTION_SLOT_ENDPOINT] = true;
    if (st->init_cap)
        expected[st->init_cap] = true;
    if (iommu_gave_space(p))
        expected[BASTION_SLOT_IOSPACE] = true; /* its devices' I/O space, read-only */
    if (vm_has_guest(p)) {
        /* its guest's VCPU and GSPACE (vm.c) */
        expected[BASTION_SLOT_VCPU] = true;
        expected[BASTION_SLOT_GSPACE] = true;
    }
    for (uint32_t slot = 1; slot < CNODE_SLOTS; slot++) {
        bst_error_t e = bst_cnode_copy(ROOT_CNODE, probe_slot(), BST_ROOT_DEPTH, st->cspace, slot,
                                       BST_ROOT_DEPTH, BST_RIGHTS_ALL);
        bool present = e != BST_INVALID_CAPABILITY && e != BST_FAILED_LOOKUP;
        if (present && !expected[slot])
            problem(p, slot, "holds a cap the spec does not give the PD");
        else if (!present && expected[slot])
            problem(p, slot, "is empty, but the spec puts a cap there");
        else if (present && want[slot]) {
            uint32_t type = the_spec.objects[want[slot]->index].type;
            if (type == BASTION_OBJ_NOTIFICATION && want[slot]->badge)
                check_notification(p, want[slot]);
            else if (type == BASTION_OBJ_ENDPOINT)
                check_endpoint(p, want[slot]);
        }
        if (e == BST_OK)
            bst_cnode_delete(ROOT_CNODE, probe_slot(), BST_ROOT_DEPTH);
    }
}

bool check_cspaces(void)
{
    problems = 0;
    if (probe_slot() == 0)
        init_fatal("no slot left to check the CSpaces");
    for (uint32_t p = 0; p < the_spec.n[BASTION_TABLE_PDS]; p++)
        check_pd(p);
    if (problems == 0)
        bst_printf("init: check: the capabilities of %u PDs match the spec\n",
                   the_spec.n[BASTION_TABLE_PDS]);
    else
        bst_printf("init: check: FAILED: %u differences between the capabilities and the spec\n",
                   problems);
    return problems == 0;
}
