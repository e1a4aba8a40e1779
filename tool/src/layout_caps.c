/*
 * Capabilities of every PD's CSpace, following the fixed slot layout of spec.h: its own
 * objects, a badged notification or endpoint capability per channel end that may notify
 * or call, an IRQHandler per IRQ, an IOPort capability per port range, and control of
 * its children. Caps of one PD are contiguous and sorted by slot.
 */
#include "layout.h"

#include <stdlib.h>

static void add_cap(struct vec *caps, uint32_t pd, uint32_t slot, uint32_t kind, uint32_t index,
                    uint32_t rights, uint64_t badge)
{
    struct bastion_spec_cap *c = vec_push(caps, sizeof(*c));
    *c = (struct bastion_spec_cap){
        .pd = pd, .slot = slot, .kind = kind, .index = index, .rights = rights, .badge = badge};
}

#define RW         (BASTION_RIGHT_READ | BASTION_RIGHT_WRITE)
#define ALL_RIGHTS (RW | BASTION_RIGHT_GRANT | BASTION_RIGHT_GRANT_REPLY)

/* Capabilities to the PD's own objects. */
static void own_caps(struct vec *caps, uint32_t p, const struct bastion_spec_pd *pd)
{
    add_cap(caps, p, BASTION_SLOT_TCB, BASTION_CAP_OBJECT, pd->tcb, ALL_RIGHTS, 0);
    add_cap(caps, p, BASTION_SLOT_VSPACE, BASTION_CAP_OBJECT, pd->vspace, ALL_RIGHTS, 0);
    add_cap(caps, p, BASTION_SLOT_CNODE, BASTION_CAP_OBJECT, pd->cnode, ALL_RIGHTS, 0);
    add_cap(caps, p, BASTION_SLOT_NOTIFICATION, BASTION_CAP_OBJECT, pd->notification,
            BASTION_RIGHT_READ, 0);
    if (pd->endpoint != BASTION_SPEC_NONE)
        add_cap(caps, p, BASTION_SLOT_ENDPOINT, BASTION_CAP_OBJECT, pd->endpoint, ALL_RIGHTS, 0);
    add_cap(caps, p, BASTION_SLOT_REPLY, BASTION_CAP_OBJECT, pd->reply, ALL_RIGHTS, 0);
    add_cap(caps, p, BASTION_SLOT_SCHED_CONTEXT, BASTION_CAP_OBJECT, pd->sched_context, ALL_RIGHTS,
            0);
}

/*
 * Capabilities that channels give to their PDs, into each PD's vector of caps (one pass
 * over the channels rather than one per PD).
 */
static void channel_caps(struct vec *caps, const struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        for (int e = 0; e < 2; e++) {
            const struct model_end *self = &ch->end[e], *peer = &ch->end[1 - e];
            uint32_t p = self->pd;
            const struct bastion_spec_pd *target =
                LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, peer->pd);
            if (self->notify)
                add_cap(&caps[p], p, BASTION_SLOT_NOTIFY_BASE + self->id, BASTION_CAP_OBJECT,
                        target->notification, BASTION_RIGHT_WRITE, 1ULL << peer->id);
            if (self->pp)
                add_cap(&caps[p], p, BASTION_SLOT_PPCALL_BASE + self->id, BASTION_CAP_OBJECT,
                        target->endpoint, BASTION_RIGHT_WRITE | BASTION_RIGHT_GRANT_REPLY,
                        BASTION_BADGE_PPCALL | peer->id);
        }
    }
}

/* IRQ handlers, I/O ports and children, into their PDs' vectors of caps (one pass). */
static void device_and_child_caps(struct vec *caps, const struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->irqs.count; i++) {
        const struct model_irq *irq = VEC_AT(&m->irqs, struct model_irq, i);
        add_cap(&caps[irq->pd], irq->pd, BASTION_SLOT_IRQ_BASE + irq->id, BASTION_CAP_IRQ,
                (uint32_t)i, RW, 0);
    }
    for (size_t i = 0; i < m->ioports.count; i++) {
        const struct model_ioport *io = VEC_AT(&m->ioports, struct model_ioport, i);
        add_cap(&caps[io->pd], io->pd, BASTION_SLOT_IOPORT_BASE + io->id, BASTION_CAP_IOPORT,
                (uint32_t)i, RW, 0);
    }
    for (uint32_t c = 0; c < m->pds.count; c++) {
        const struct model_pd *child = VEC_AT(&m->pds, struct model_pd, c);
        uint32_t p = child->parent;
        if (p == NO_INDEX)
            continue;
        const struct bastion_spec_pd *s =
            LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, c);
        add_cap(&caps[p], p, BASTION_SLOT_CHILD_TCB_BASE + child->child_id, BASTION_CAP_OBJECT,
                s->tcb, ALL_RIGHTS, 0);
        add_cap(&caps[p], p, BASTION_SLOT_CHILD_SC_BASE + child->child_id, BASTION_CAP_OBJECT,
                s->sched_context, ALL_RIGHTS, 0);
    }
}

static int compare_slots(const void *a, const void *b)
{
    const struct bastion_spec_cap *x = a, *y = b;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/*
 * Gathers every PD's capabilities in one pass over channels, devices and children, then
 * lays them out PD by PD, sorted by slot (slots of a PD are unique once checked, so the
 * order they were gathered in does not show).
 */
void layout_caps(struct layout *l, const struct model *m)
{
    struct vec *all = xcalloc(m->pds.count + 1, sizeof(*all));
    channel_caps(all, l, m);
    device_and_child_caps(all, l, m);
    for (uint32_t p = 0; p < m->pds.count; p++) {
        struct bastion_spec_pd *pd = LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, p);
        struct vec caps = {0};
        own_caps(&caps, p, pd);
        for (size_t i = 0; i < all[p].count; i++)
            *(struct bastion_spec_cap *)vec_push(&caps, sizeof(struct bastion_spec_cap)) =
                *VEC_AT(&all[p], struct bastion_spec_cap, i);
        vec_free(&all[p]);
        vec_sort(&caps, sizeof(struct bastion_spec_cap), compare_slots);
        pd->first_cap = (uint32_t)l->tables[BASTION_TABLE_CAPS].count;
        pd->cap_count = (uint32_t)caps.count;
        for (size_t i = 0; i < caps.count; i++)
            *(struct bastion_spec_cap *)vec_push(&l->tables[BASTION_TABLE_CAPS],
                                                 sizeof(struct bastion_spec_cap)) =
                *VEC_AT(&caps, struct bastion_spec_cap, i);
        vec_free(&caps);
    }
    free(all);
}
