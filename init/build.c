/*
 * Building the system from a checked spec: every object from untyped memory, each PD's
 * address space (image segments, stack, IPC buffer, mapped regions), CSpace (spec.h's
 * slot layout, with IRQ handler and I/O port caps issued from the control caps), TCB
 * (fault endpoint, priority, bound notification, scheduling context), then start,
 * highest priority first.
 *
 * Scheduling: every PD runs at its priority, with MCP equal to it, on its own scheduling
 * context, configured (budget and period in microseconds, as the spec and the kernel both
 * count; the whole period, the default, is an unlimited context) and bound to its TCB.
 * A passive PD runs init() on it, then tells init (BST_INIT_REQ_PASSIVE, sent while it
 * already waits for calls), and init unbinds it: from then on it runs on its callers'
 * contexts. PDs join their domains and the spec's domain schedule starts before the
 * first PD does.
 *
 * Devices: an IOAPIC <irq id> gets an IRQ handler cap, bound to the PD's notification
 * with badge 1 << id (the channel it arrives on) and copied into slot
 * BASTION_SLOT_IRQ_BASE + id; the line stays masked until the PD's runtime acknowledges
 * it before init(). An <ioport id> gets an I/O port cap in BASTION_SLOT_IOPORT_BASE + id.
 * init keeps the originals. PCI devices, their MSIs, and regions at fixed or contiguous
 * physical addresses are device.h's (pci_give.c, region.c).
 */
#include "init.h"

#include "colour.h"
#include "device.h"

#include <bastion/capdata.h>
#include <bastion/domain.h>
#include <libbastion/cnode.h>
#include <libbastion/device.h>
#include <libbastion/ipc.h>
#include <libbastion/pd_abi.h>
#include <libbastion/sched.h>
#include <libbastion/string.h>
#include <libbastion/tcb.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define MAX_PDS     128
#define MAX_OBJECTS 4096

struct spec the_spec;
static struct pd_state pd_state_table[MAX_PDS];
struct pd_state *pd_states = pd_state_table;
static uint64_t object_slot_table[MAX_OBJECTS];
uint64_t *object_slots = object_slot_table;
uint64_t init_endpoint;

uint64_t object_slot(uint32_t index, uint64_t k)
{
    return object_slots[index] + k;
}

static const char *pd_name(uint32_t p)
{
    return spec_string(&the_spec, the_spec.pds[p].name);
}

/* ---- Objects --------------------------------------------------------------------------- */

/* What object entry i is for, in words a user recognises. */
static void describe_object(uint32_t i, char *buf, size_t size)
{
    const struct spec *s = &the_spec;
    for (uint32_t r = 0; r < s->n[BASTION_TABLE_REGIONS]; r++)
        if (s->regions[r].frames == i) {
            bst_snprintf(buf, size, "memory region '%s'", spec_string(s, s->regions[r].name));
            return;
        }
    for (uint32_t g = 0; g < s->n[BASTION_TABLE_SEGMENTS]; g++)
        if (s->segments[g].frames == i) {
            bst_snprintf(buf, size, "PD '%s': its image segment at 0x%lx",
                         pd_name(s->segments[g].pd), (unsigned long)s->segments[g].vaddr);
            return;
        }
    const struct bastion_spec_object *o = &s->objects[i];
    if (o->pd == BASTION_SPEC_NONE) {
        bst_snprintf(buf, size, "object entry %u", i);
        return;
    }
    const struct bastion_spec_pd *pd = &s->pds[o->pd];
    const char *what = i == pd->stack_frames       ? "its stack"
                       : i == pd->ipc_buffer_frame ? "its IPC buffer"
                       : i == pd->cnode            ? "its CSpace"
                       : o->type >= BASTION_OBJ_VSPACE && o->type <= BASTION_OBJ_PAGE_TABLE
                           ? "its page tables"
                           : "its kernel objects";
    bst_snprintf(buf, size, "PD '%s': %s", pd_name(o->pd), what);
}

static bst_objtype_t kernel_type(const struct bastion_spec_object *o, unsigned *size_bits)
{
    *size_bits = 0;
    switch (o->type) {
    case BASTION_OBJ_TCB:
        return BST_OBJ_TCB;
    case BASTION_OBJ_SCHED_CONTEXT:
        return BST_OBJ_SCHED_CONTEXT;
    case BASTION_OBJ_CNODE:
        *size_bits = o->size_bits;
        return BST_OBJ_CNODE;
    case BASTION_OBJ_ENDPOINT:
        return BST_OBJ_ENDPOINT;
    case BASTION_OBJ_NOTIFICATION:
        return BST_OBJ_NOTIFICATION;
    case BASTION_OBJ_REPLY:
        return BST_OBJ_REPLY;
    case BASTION_OBJ_VSPACE:
        return BST_OBJ_VSPACE;
    case BASTION_OBJ_PAGE_DIR_PT:
        return BST_OBJ_PT_L3;
    case BASTION_OBJ_PAGE_DIR:
        return BST_OBJ_PT_L2;
    case BASTION_OBJ_PAGE_TABLE:
        return BST_OBJ_PT_L1;
    default:
        return o->size_bits == 30   ? BST_OBJ_FRAME_1G
               : o->size_bits == 21 ? BST_OBJ_FRAME_2M
                                    : BST_OBJ_FRAME_4K;
    }
}

static void create_objects(void)
{
    const struct spec *s = &the_spec;
    uint64_t start = colour_cycles();
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_OBJECTS]; i++) {
        if (region_frames_make(i))
            continue;
        const struct bastion_spec_object *o = &s->objects[i];
        char what[96];
        unsigned size_bits;
        bst_objtype_t type = kernel_type(o, &size_bits);
        object_slots[i] = slot_alloc(o->count);
        if (object_slots[i] == 0) {
            describe_object(i, what, sizeof(what));
            init_fatal("not enough capability slots in init's CNode for %u more objects (%s)",
                       o->count, what);
        }
        uint32_t domain = colour_object_domain(i);
        bst_error_t e = colour_alloc(domain, type, size_bits, object_slots[i], o->count);
        if (e == BST_OK)
            continue;
        describe_object(i, what, sizeof(what));
        if (domain != BASTION_SPEC_NONE && colour_enforced()) {
            char why[256];
            colour_why(domain, bst_obj_size_bits(type, size_bits), e, why, sizeof(why));
            init_fatal("colours: %s needs %u x %s: %s", what, o->count, bst_obj_name(type), why);
        }
        if (e == BST_NOT_ENOUGH_MEMORY)
            init_fatal("out of memory: %s needs %u x %s of %lu bytes, more than the untyped "
                       "memory left",
                       what, o->count, bst_obj_name(type),
                       1UL << bst_obj_size_bits(type, size_bits));
        init_fatal("cannot create %s for %s: %s", bst_obj_name(type), what, bst_error_name(e));
    }
    if (s->n[BASTION_TABLE_DOMAINS]) /* with a schedule: what colouring costs (bench-colour) */
        bst_printf("init: the spec's objects created in %lu cycles\n",
                   (unsigned long)(colour_cycles() - start));
}

/* ---- What this init does not do yet ----------------------------------------------------- */

static void refuse_unsupported(void)
{
    const struct spec *s = &the_spec;
    if (s->n[BASTION_TABLE_DOMAINS] > BST_DOMAIN_SCHEDULE_MAX)
        init_fatal("the domain schedule has %u domains; the kernel takes at most %u",
                   s->n[BASTION_TABLE_DOMAINS], BST_DOMAIN_SCHEDULE_MAX);
    for (uint32_t d = 0; d < s->n[BASTION_TABLE_DOMAINS]; d++)
        if (s->domains[d].length_us < 100u + s->domains[d].pad_us)
            init_fatal("domain '%s' is %lu us long with a pad of %u us; the kernel needs at "
                       "least 100 us besides the pad",
                       spec_string(s, s->domains[d].name), (unsigned long)s->domains[d].length_us,
                       (unsigned)s->domains[d].pad_us);
}

/* The boot info (build_system): how many CPUs run threads, and their control caps. */
static const struct bst_bootinfo *sched_bootinfo;

/* The CPU PD p runs on: its `cpu` when the kernel runs threads there and can run the PD
 * there (the first domain, since the domain schedule is CPU 0's; limited budgets run on
 * every CPU), else CPU 0, with a note saying why (docs/kernel.md, "Several
 * CPUs"). */
static unsigned pd_cpu(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    const char *why = NULL;
    if (pd->cpu == 0)
        return 0;
    if (pd->cpu >= sched_bootinfo->n_cpus)
        why = "the kernel runs threads on fewer CPUs";
    else if (pd->domain != 0)
        why = "the domain schedule runs on CPU 0 only";
    if (why == NULL)
        return pd->cpu;
    bst_printf("init: note: PD '%s' asks for CPU %u; it runs on CPU 0 (%s)\n", pd_name(p), pd->cpu,
               why);
    return 0;
}

/* ---- PD memory --------------------------------------------------------------------------- */

static uint64_t page_base(uint64_t vaddr)
{
    return vaddr & ~(BASTION_PAGE_SIZE - 1);
}

/* Fill page k of segment g (through frame `frame`): its file bytes, zeros elsewhere. */
static void write_segment_page(const struct bastion_spec_segment *g, uint64_t k, bool zero_rest)
{
    uint64_t page = page_base(g->vaddr) + k * BASTION_PAGE_SIZE;
    uint64_t from = page > g->vaddr ? page : g->vaddr;
    uint64_t to = page + BASTION_PAGE_SIZE < g->vaddr + g->filesz ? page + BASTION_PAGE_SIZE
                                                                  : g->vaddr + g->filesz;
    if (from >= to && !zero_rest)
        return; /* nothing from the file here, and retype left it zero */
    uint8_t *p = scratch_map(object_slot(g->frames, k), 12);
    if (zero_rest)
        memset(p, 0, BASTION_PAGE_SIZE);
    if (from < to)
        memcpy(p + (from - page), the_spec.data + g->data_offset + (from - g->vaddr), to - from);
    scratch_unmap();
}

static uint64_t segment_pages(const struct bastion_spec_segment *g)
{
    return (g->vaddr + g->memsz - page_base(g->vaddr) + BASTION_PAGE_SIZE - 1) / BASTION_PAGE_SIZE;
}

/* The frame cap backing PD p's page at `vaddr` (segments, stack, IPC buffer); 0 if none. */
static uint64_t pd_frame_at(uint32_t p, uint64_t vaddr)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    for (uint32_t k = 0; k < pd->segment_count; k++) {
        const struct bastion_spec_segment *g = &the_spec.segments[pd->first_segment + k];
        uint64_t first = page_base(g->vaddr);
        if (vaddr >= first && vaddr < first + segment_pages(g) * BASTION_PAGE_SIZE)
            return object_slot(g->frames, (vaddr - first) / BASTION_PAGE_SIZE);
    }
    if (vaddr >= pd->stack_top - pd->stack_size && vaddr < pd->stack_top)
        return object_slot(pd->stack_frames,
                           (vaddr - (pd->stack_top - pd->stack_size)) / BASTION_PAGE_SIZE);
    if (vaddr >= pd->ipc_buffer && vaddr < pd->ipc_buffer + BASTION_PAGE_SIZE)
        return object_slot(pd->ipc_buffer_frame, 0);
    return 0;
}

bool pd_read_u64(uint32_t p, uint64_t vaddr, uint64_t *value)
{
    uint64_t frame = vaddr % 8 ? 0 : pd_frame_at(p, vaddr);
    if (frame == 0)
        return false;
    const uint8_t *page = scratch_map(frame, 12);
    memcpy(value, page + (vaddr & (BASTION_PAGE_SIZE - 1)), 8);
    scratch_unmap();
    return true;
}

/* Boot-time values (a region's physical address) written into PD p's image. */
static void apply_patches(uint32_t p)
{
    const struct spec *s = &the_spec;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PATCHES]; i++) {
        const struct bastion_spec_patch *pt = &s->patches[i];
        if (pt->pd != p)
            continue;
        uint64_t paddr = 0, frame = pd_frame_at(p, pt->vaddr);
        if (frame == 0)
            init_fatal("PD '%s': patch at 0x%lx lies outside its image", pd_name(p),
                       (unsigned long)pt->vaddr);
        bst_frame_get_address(object_slot(s->regions[pt->index].frames, 0), &paddr);
        uint8_t *page = scratch_map(frame, 12);
        memcpy(page + (pt->vaddr & (BASTION_PAGE_SIZE - 1)), &paddr, 8);
        scratch_unmap();
    }
}

static void map_or_die(uint32_t p, uint64_t frame, unsigned bits, uint64_t vaddr, unsigned rights,
                       unsigned attrs, const char *what)
{
    struct pd_state *st = &pd_states[p];
    bst_error_t e = vs_map(object_slot(the_spec.pds[p].vspace, 0), &st->tables, frame, bits, vaddr,
                           rights, attrs);
    if (e != BST_OK)
        init_fatal("PD '%s': cannot map %s at 0x%lx: %s%s", pd_name(p), what, (unsigned long)vaddr,
                   bst_error_name(e),
                   e == BST_NOT_ENOUGH_MEMORY ? " (the spec has too few page tables)" : "");
}

static void load_image(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    for (uint32_t k = 0; k < pd->segment_count; k++) {
        const struct bastion_spec_segment *g = &the_spec.segments[pd->first_segment + k];
        unsigned rights = BST_RIGHT_READ | (g->perms & BASTION_PERM_W ? BST_RIGHT_WRITE : 0);
        unsigned attrs = g->perms & BASTION_PERM_X ? BST_MAP_EXECUTABLE : 0;
        if (pd->flags & BASTION_PD_LATE)
            continue; /* an empty PD's range: mapped when an image is loaded (late.c) */
        for (uint64_t i = 0; i < segment_pages(g); i++) {
            write_segment_page(g, i, false);
            map_or_die(p, object_slot(g->frames, i), 12,
                       page_base(g->vaddr) + i * BASTION_PAGE_SIZE, rights, attrs,
                       "an image segment");
        }
    }
    for (uint64_t i = 0; i < pd->stack_size / BASTION_PAGE_SIZE; i++)
        map_or_die(p, object_slot(pd->stack_frames, i), 12,
                   pd->stack_top - pd->stack_size + i * BASTION_PAGE_SIZE, BST_RIGHTS_RW, 0,
                   "its stack");
    map_or_die(p, object_slot(pd->ipc_buffer_frame, 0), 12, pd->ipc_buffer, BST_RIGHTS_RW, 0,
               "its IPC buffer");
}

static void prefill_regions(void)
{
    const struct spec *s = &the_spec;
    for (uint32_t r = 0; r < s->n[BASTION_TABLE_REGIONS]; r++) {
        const struct bastion_spec_region *reg = &s->regions[r];
        if (!(reg->flags & BASTION_REGION_PREFILL))
            continue;
        unsigned bits = (unsigned)__builtin_ctzll(reg->page_size);
        for (uint64_t off = 0; off < reg->data_size; off += reg->page_size) {
            uint8_t *p = scratch_map(object_slot(reg->frames, off / reg->page_size), bits);
            uint64_t n =
                reg->data_size - off < reg->page_size ? reg->data_size - off : reg->page_size;
            memcpy(p, s->data + reg->data_offset + off, n);
            scratch_unmap();
        }
    }
}

/* Each <map> maps copies of the region's frame caps (a cap holds one mapping). */
static void map_regions(uint32_t p)
{
    const struct spec *s = &the_spec;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_MAPS]; i++) {
        const struct bastion_spec_map *m = &s->maps[i];
        if (m->pd != p)
            continue;
        const struct bastion_spec_region *r = &s->regions[m->region];
        uint64_t frames = r->size / r->page_size;
        unsigned bits = (unsigned)__builtin_ctzll(r->page_size);
        uint64_t copies = slot_alloc(frames);
        if (copies == 0)
            init_fatal("not enough capability slots in init's CNode to map region '%s' into "
                       "PD '%s'",
                       spec_string(s, r->name), pd_name(p));
        unsigned rights = BST_RIGHT_READ | (m->perms & BASTION_PERM_W ? BST_RIGHT_WRITE : 0);
        unsigned attrs = (m->perms & BASTION_PERM_X ? BST_MAP_EXECUTABLE : 0) |
                         (m->cached ? BST_CACHE_WB : BST_CACHE_UC);
        for (uint64_t k = 0; k < frames; k++) {
            bst_error_t e =
                bst_cnode_copy(ROOT_CNODE, copies + k, BST_ROOT_DEPTH, ROOT_CNODE,
                               object_slot(r->frames, k), BST_ROOT_DEPTH, BST_RIGHTS_ALL);
            if (e != BST_OK)
                init_fatal("copying a frame of region '%s': %s", spec_string(s, r->name),
                           bst_error_name(e));
            map_or_die(p, copies + k, bits, m->vaddr + k * r->page_size, rights, attrs,
                       spec_string(s, r->name));
        }
    }
}

/* ---- CSpaces ----------------------------------------------------------------------------- */

static bool has_children(uint32_t p)
{
    for (uint32_t q = 0; q < the_spec.n[BASTION_TABLE_PDS]; q++)
        if (the_spec.pds[q].parent == p)
            return true;
    return false;
}

static void mint_or_die(uint32_t p, uint32_t slot, uint64_t src, unsigned rights, uint64_t data)
{
    bst_error_t e = bst_cnode_mint(pd_states[p].cspace, slot, BST_ROOT_DEPTH, ROOT_CNODE, src,
                                   BST_ROOT_DEPTH, (bst_rights_t)rights, data);
    if (e != BST_OK)
        init_fatal("PD '%s': cannot put a cap in slot %u: %s", pd_name(p), slot, bst_error_name(e));
}

/* The PD's CNode cap in init, guarded so that CPtr i names slot i at depth 64; the same
 * guarded cap goes into the PD's own BASTION_SLOT_CNODE. */
static uint64_t cnode_guard(void)
{
    return bst_cnode_guard_data(0, 64 - BASTION_CNODE_BITS);
}

/* Endpoints: the spec's, or one init adds for a parent that nothing calls (the tool only
 * gives an endpoint to PDs that are called; a parent needs one for its children's
 * faults). */
static void make_endpoints(void)
{
    const struct spec *s = &the_spec;
    init_endpoint = slot_alloc(1);
    if (init_endpoint == 0 || untyped_alloc(BST_OBJ_ENDPOINT, 0, init_endpoint, 1) != BST_OK)
        init_fatal("cannot make init's own endpoint");
    for (uint32_t p = 0; p < s->n[BASTION_TABLE_PDS]; p++) {
        const struct bastion_spec_pd *pd = &s->pds[p];
        if (pd->endpoint != BASTION_SPEC_NONE) {
            pd_states[p].endpoint = object_slot(pd->endpoint, 0);
        } else if (has_children(p)) {
            pd_states[p].endpoint = slot_alloc(1);
            if (pd_states[p].endpoint == 0 || colour_alloc(colour_pd_domain(p), BST_OBJ_ENDPOINT, 0,
                                                           pd_states[p].endpoint, 1) != BST_OK)
                init_fatal("out of memory: PD '%s' needs an endpoint for its children", pd_name(p));
        }
    }
}

/* ---- Devices ------------------------------------------------------------------------------ */

static const char *const trigger_name[2] = {"edge", "level"};
static const char *const polarity_name[2] = {"active high", "active low"};

/* A slot in init's CNode, or stop naming what it was for. */
static uint64_t slot_or_die(uint32_t p, const char *what)
{
    uint64_t slot = slot_alloc(1);
    if (slot == 0)
        init_fatal("not enough capability slots in init's CNode for PD '%s': %s", pd_name(p), what);
    return slot;
}

/* The handler for an IOAPIC line, in a new slot of init's CNode. */
static uint64_t issue_ioapic(uint32_t p, const struct bastion_spec_irq *irq)
{
    uint32_t gsi;
    if (!acpi_ioapic_gsi(irq->ioapic, irq->pin, &gsi))
        init_fatal("PD '%s': <irq> id %u: the MADT lists no I/O APIC %u", pd_name(p), irq->id,
                   irq->ioapic);
    uint64_t handler = slot_or_die(p, "an IRQ handler");
    bst_error_t e = bst_irq_control_get_ioapic(BST_SLOT_IRQ_CONTROL, gsi, irq->trigger,
                                               irq->polarity, ROOT_CNODE, handler);
    if (e != BST_OK)
        init_fatal("PD '%s': <irq> id %u: cannot have IOAPIC %u pin %u (GSI %u, %s, %s): %s%s",
                   pd_name(p), irq->id, irq->ioapic, irq->pin, gsi, trigger_name[irq->trigger],
                   polarity_name[irq->polarity], bst_error_name(e),
                   e == BST_RANGE_ERROR    ? " (no I/O APIC the kernel drives has that GSI)"
                   : e == BST_REVOKE_FIRST ? " (the line is issued already)"
                                           : "");
    if (irq->ioapic == 0)
        bst_printf("init: PD '%s': IRQ on channel %u: IOAPIC pin %u, %s, %s\n", pd_name(p), irq->id,
                   irq->pin, trigger_name[irq->trigger], polarity_name[irq->polarity]);
    else
        bst_printf("init: PD '%s': IRQ on channel %u: IOAPIC %u pin %u (GSI %u), %s, %s\n",
                   pd_name(p), irq->id, irq->ioapic, irq->pin, gsi, trigger_name[irq->trigger],
                   polarity_name[irq->polarity]);
    return handler;
}

/* Cap entry c (an IRQ): the handler for its IOAPIC line or MSI, delivering 1 << id to the
 * PD's notification, copied into the PD's slot. */
static void issue_irq(uint32_t p, const struct bastion_spec_cap *c)
{
    const struct bastion_spec_irq *irq = &the_spec.irqs[c->index];
    uint64_t handler = irq->kind == BASTION_IRQ_MSI ? pci_issue_msi(p, irq) : issue_ioapic(p, irq);
    uint64_t badged = slot_or_die(p, "an IRQ's notification");
    bst_error_t e = bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE,
                                   object_slot(the_spec.pds[p].notification, 0), BST_ROOT_DEPTH,
                                   BST_RIGHT_WRITE, 1ULL << irq->id);
    if (e == BST_OK)
        e = bst_irq_handler_set_notification(handler, badged);
    if (e != BST_OK)
        init_fatal("PD '%s': <irq> id %u: cannot bind it to the PD's notification: %s", pd_name(p),
                   irq->id, bst_error_name(e));
    mint_or_die(p, c->slot, handler, c->rights, 0);
}

/* Cap entry c (an I/O port range): a port cap copied into the PD's slot. */
static void issue_ioport(uint32_t p, const struct bastion_spec_cap *c)
{
    const struct bastion_spec_ioport *io = &the_spec.ioports[c->index];
    uint64_t cap = slot_or_die(p, "an I/O port cap");
    uint64_t last = (uint64_t)io->base + io->size - 1;
    bst_error_t e =
        bst_ioport_control_issue(BST_SLOT_IOPORT_CONTROL, io->base, last, ROOT_CNODE, cap);
    if (e != BST_OK)
        init_fatal("PD '%s': <ioport> id %u: cannot have ports 0x%x-0x%lx: %s%s", pd_name(p),
                   io->id, io->base, (unsigned long)last, bst_error_name(e),
                   e == BST_REVOKE_FIRST ? " (the kernel keeps some ports, such as the console's "
                                           "and the PICs')"
                                         : "");
    mint_or_die(p, c->slot, cap, c->rights, 0);
    bst_printf("init: PD '%s': I/O ports 0x%x-0x%lx as id %u\n", pd_name(p), io->base,
               (unsigned long)last, io->id);
}

static void build_cspace(uint32_t p, struct bst_pd_startinfo *si)
{
    const struct spec *s = &the_spec;
    const struct bastion_spec_pd *pd = &s->pds[p];
    struct pd_state *st = &pd_states[p];
    st->cspace = slot_alloc(1);
    if (st->cspace == 0 || bst_cnode_mint(ROOT_CNODE, st->cspace, BST_ROOT_DEPTH, ROOT_CNODE,
                                          object_slot(pd->cnode, 0), BST_ROOT_DEPTH, BST_RIGHTS_ALL,
                                          cnode_guard()) != BST_OK)
        init_fatal("PD '%s': cannot address its CNode", pd_name(p));
    for (uint32_t i = 0; i < pd->cap_count; i++) {
        const struct bastion_spec_cap *c = &s->caps[pd->first_cap + i];
        if (c->kind == BASTION_CAP_IRQ) {
            issue_irq(p, c);
            si->irq_mask |= 1ULL << s->irqs[c->index].id;
            continue;
        }
        if (c->kind == BASTION_CAP_IOPORT) {
            issue_ioport(p, c);
            si->ioport_mask |= 1ULL << s->ioports[c->index].id;
            continue;
        }
        uint64_t data = c->index == pd->cnode ? cnode_guard() : c->badge;
        mint_or_die(p, c->slot, object_slot(c->index, 0), c->rights, data);
        if (c->slot >= BASTION_SLOT_NOTIFY_BASE && c->slot < BASTION_SLOT_NOTIFY_BASE + 64)
            si->notify_mask |= 1ULL << (c->slot - BASTION_SLOT_NOTIFY_BASE);
        else if (c->slot >= BASTION_SLOT_PPCALL_BASE && c->slot < BASTION_SLOT_PPCALL_BASE + 64)
            si->ppcall_mask |= 1ULL << (c->slot - BASTION_SLOT_PPCALL_BASE);
        else if (c->slot >= BASTION_SLOT_CHILD_TCB_BASE &&
                 c->slot < BASTION_SLOT_CHILD_TCB_BASE + 64)
            si->child_mask |= 1ULL << (c->slot - BASTION_SLOT_CHILD_TCB_BASE);
    }
    if (pd->endpoint == BASTION_SPEC_NONE && st->endpoint)
        mint_or_die(p, BASTION_SLOT_ENDPOINT, st->endpoint, BST_RIGHTS_ALL, 0);
    if (st->endpoint)
        si->flags |= BST_PD_HAS_ENDPOINT;
    if (pd->flags & BASTION_PD_PASSIVE)
        si->flags |= BST_PD_PASSIVE;
    if (has_children(p) || (pd->flags & BASTION_PD_PASSIVE)) {
        mint_or_die(p, BST_PD_SLOT_INIT, init_endpoint, BST_RIGHT_WRITE | BST_RIGHT_GRANT_REPLY,
                    BST_PD_BADGE_SERVICE | p);
        st->init_cap = BST_PD_SLOT_INIT;
        si->flags |= BST_PD_HAS_INIT;
    }
}

/* ---- Threads ------------------------------------------------------------------------------ */

/* Priority and MCP, and the PD's scheduling context, configured and bound (a thread
 * without one cannot run; budget = period, the default, makes it unlimited). Budget and
 * period are microseconds in the spec and in the kernel. A passive PD runs init() on it,
 * then gives it up (pd_make_passive). */
static void set_pd_scheduling(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    uint64_t tcb = object_slot(pd->tcb, 0);
    bst_error_t e = bst_tcb_set_sched_params(tcb, ROOT_TCB, pd->priority, pd->priority);
    if (e != BST_OK)
        init_fatal("PD '%s': priority %u refused: %s", pd_name(p), pd->priority, bst_error_name(e));
    if (pd->domain != 0) {
        e = bst_domain_set(BST_SLOT_DOMAIN_CONTROL, tcb, pd->domain);
        if (e != BST_OK)
            init_fatal("PD '%s': cannot join domain %u: %s", pd_name(p), pd->domain,
                       bst_error_name(e));
    }
    uint64_t sc = object_slot(pd->sched_context, 0);
    unsigned cpu = pd_cpu(p);
    e = bst_sched_control_configure(bst_sched_control_of_cpu(sched_bootinfo, cpu), sc,
                                    pd->budget_us, pd->period_us);
    if (e != BST_OK)
        init_fatal("PD '%s': budget %lu us / period %lu us refused: %s%s", pd_name(p),
                   (unsigned long)pd->budget_us, (unsigned long)pd->period_us, bst_error_name(e),
                   e == BST_RANGE_ERROR ? " (the kernel needs a budget of at least 100 us and a "
                                          "period of at most 1000 s)"
                                        : "");
    e = bst_sched_context_bind(sc, tcb);
    if (e != BST_OK)
        init_fatal("PD '%s': cannot bind its scheduling context: %s", pd_name(p),
                   bst_error_name(e));
    if (pd->budget_us < pd->period_us)
        bst_printf("init: PD '%s': budget %lu us per %lu us period (%lu%%)\n", pd_name(p),
                   (unsigned long)pd->budget_us, (unsigned long)pd->period_us,
                   (unsigned long)(pd->budget_us * 100 / pd->period_us));
    if (cpu != 0)
        bst_printf("init: PD '%s' runs on CPU %u\n", pd_name(p), cpu);
}

void pd_make_passive(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    if (!(pd->flags & BASTION_PD_PASSIVE)) {
        bst_printf("init: PD '%s' asked to become passive but is not: ignored\n", pd_name(p));
        return;
    }
    bst_error_t e = bst_sched_context_unbind(object_slot(pd->sched_context, 0));
    if (e != BST_OK)
        bst_printf("init: PD '%s': cannot take its scheduling context: %s\n", pd_name(p),
                   bst_error_name(e));
    else
        bst_printf("init: PD '%s' is passive: it runs on its callers' time\n", pd_name(p));
}

static void make_thread(uint32_t p)
{
    const struct spec *s = &the_spec;
    const struct bastion_spec_pd *pd = &s->pds[p];
    struct pd_state *st = &pd_states[p];
    uint64_t handler =
        pd->parent == BASTION_SPEC_NONE ? init_endpoint : pd_states[pd->parent].endpoint;
    uint64_t badge = BST_PD_BADGE_FAULT | (pd->parent == BASTION_SPEC_NONE ? p : pd->child_id);
    st->fault_ep = slot_alloc(1);
    if (st->fault_ep == 0 ||
        bst_cnode_mint(ROOT_CNODE, st->fault_ep, BST_ROOT_DEPTH, ROOT_CNODE, handler,
                       BST_ROOT_DEPTH, BST_RIGHT_WRITE | BST_RIGHT_GRANT_REPLY, badge) != BST_OK)
        init_fatal("PD '%s': cannot make its fault endpoint", pd_name(p));
    uint64_t tcb = object_slot(pd->tcb, 0);
    bst_error_t e = bst_tcb_configure(tcb, st->fault_ep, st->cspace, object_slot(pd->vspace, 0),
                                      pd->ipc_buffer, object_slot(pd->ipc_buffer_frame, 0));
    if (e == BST_OK && st->endpoint)
        e = bst_tcb_bind_notification(tcb, object_slot(pd->notification, 0));
    if (e != BST_OK)
        init_fatal("PD '%s': cannot configure its thread: %s", pd_name(p), bst_error_name(e));
    set_pd_scheduling(p);
    bst_debug_name(tcb, pd_name(p));
}

static void write_startinfo(uint32_t p, const struct bst_pd_startinfo *si)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    uint8_t *page = scratch_map(object_slot(pd->ipc_buffer_frame, 0), 12);
    memcpy(page + BST_PD_STARTINFO_OFFSET, si, sizeof(*si));
    scratch_unmap();
    pd_states[p].startinfo = pd->ipc_buffer + BST_PD_STARTINFO_OFFSET;
}

void build_system(const struct bst_bootinfo *bi)
{
    const struct spec *s = &the_spec;
    sched_bootinfo = bi;
    if (s->n[BASTION_TABLE_PDS] > MAX_PDS || s->n[BASTION_TABLE_OBJECTS] > MAX_OBJECTS)
        init_fatal("the spec has %u PDs and %u object entries; this init handles %u and %u",
                   s->n[BASTION_TABLE_PDS], s->n[BASTION_TABLE_OBJECTS], MAX_PDS, MAX_OBJECTS);
    refuse_unsupported();
    colour_init();
    devmem_init(bi);
    acpi_describe_platform();
    iommu_init();
    if (s->n[BASTION_TABLE_PCI_DEVICES])
        pci_init();
    create_objects();
    make_endpoints();
    prefill_regions();
    for (uint32_t p = 0; p < s->n[BASTION_TABLE_PDS]; p++) {
        struct pd_state *st = &pd_states[p];
        /* This PD's page tables, per level, in the order the tool listed them. */
        static const uint32_t level_obj[3] = {BASTION_OBJ_PAGE_DIR_PT, BASTION_OBJ_PAGE_DIR,
                                              BASTION_OBJ_PAGE_TABLE};
        for (uint32_t i = 0; i < s->n[BASTION_TABLE_OBJECTS]; i++)
            for (unsigned lvl = 0; lvl < 3; lvl++)
                if (s->objects[i].pd == p && s->objects[i].type == level_obj[lvl] &&
                    st->tables.left[lvl] == 0) {
                    st->tables.next[lvl] = object_slot(i, 0);
                    st->tables.left[lvl] = s->objects[i].count;
                }
        struct bst_pd_startinfo si = {.magic = BST_PD_STARTINFO_MAGIC,
                                      .pd_index = p,
                                      .counter_khz = (uint32_t)bi->counter_khz};
        bst_strlcpy(si.name, pd_name(p), sizeof(si.name));
        for (uint32_t q = 0; q < s->n[BASTION_TABLE_PDS]; q++) /* its children's dispositions */
            if (s->pds[q].parent == p && s->pds[q].child_id <= BASTION_MAX_ID)
                si.supervision[s->pds[q].child_id] = s->pds[q].supervision;
        build_cspace(p, &si);
        load_image(p);
        map_regions(p);
        iommu_give_devices(p);
        pci_give_devices(p);
        apply_patches(p);
        write_startinfo(p, &si);
        make_thread(p);
        vm_build_guests(p);
    }
    colour_make_kimages(); /* after the PDs: their objects come first from the pools */
}

/* ---- Start and restart -------------------------------------------------------------------- */

static uint64_t late_entry[MAX_PDS]; /* a late PD's entry, once loaded */

static bst_error_t start_thread(uint32_t p)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = pd->flags & BASTION_PD_LATE ? late_entry[p] : pd->entry;
    r.rsp = pd->stack_top;
    r.rflags = 0x202;
    r.rdi = pd_states[p].startinfo;
    r.rsi = pd->ipc_buffer;
    return bst_tcb_write_registers(object_slot(pd->tcb, 0), BST_TCB_WRITE_RESUME,
                                   BST_TCB_REGISTER_COUNT, &r);
}

/* The spec's domain schedule, in its order (domain i is the spec's i-th domain), with
 * each slot's time protection (pad, flushes). One domain needs no schedule: everything
 * runs in domain 0. Init itself is in domain 0: it serves faults and requests in that
 * domain's slot. */
static void start_domain_schedule(void)
{
    uint32_t n = the_spec.n[BASTION_TABLE_DOMAINS];
    if (n < 2)
        return;
    uint64_t slots[BST_DOMAIN_SCHEDULE_MAX], lengths[BST_DOMAIN_SCHEDULE_MAX];
    unsigned padded = 0;
    for (uint32_t d = 0; d < n; d++) {
        const struct bastion_spec_domain *dom = &the_spec.domains[d];
        slots[d] = BST_DOMAIN_SLOT(d, dom->flush, dom->pad_us);
        lengths[d] = dom->length_us;
        padded += dom->pad_us != 0;
    }
    bst_error_t e = bst_domain_schedule_slots(BST_SLOT_DOMAIN_CONTROL, n, slots, lengths);
    if (e != BST_OK)
        init_fatal("the domain schedule was refused: %s", bst_error_name(e));
    bst_printf("init: domain schedule of %u domains started\n", n);
    if (padded != 0)
        bst_printf("init: %u of its slots padded (time protection)\n", padded);
}

void start_system(void)
{
    unsigned started = 0;
    start_domain_schedule();
    for (int prio = INIT_PRIORITY - 1; prio >= 0; prio--)
        for (uint32_t p = 0; p < the_spec.n[BASTION_TABLE_PDS]; p++) {
            if (the_spec.pds[p].priority != prio || (the_spec.pds[p].flags & BASTION_PD_LATE))
                continue; /* an empty PD starts when its parent has it loaded */
            bst_error_t e = start_thread(p);
            if (e != BST_OK)
                init_fatal("PD '%s': cannot start: %s", pd_name(p), bst_error_name(e));
            started++;
        }
    bst_printf("init: started %u protection domains\n", started);
}

/* Write one 32-bit word of PD p's start info (init alone writes it; the PD reads). */
static void startinfo_write_u32(uint32_t p, uint64_t offset, uint32_t value)
{
    uint8_t *page = scratch_map(object_slot(the_spec.pds[p].ipc_buffer_frame, 0), 12);
    memcpy(page + BST_PD_STARTINFO_OFFSET + offset, &value, sizeof(value));
    scratch_unmap();
}

/* Tell PD q that the peer at the end of its channel `id` was restarted: the peer's new
 * generation in q's start info first, then the peer-restarted bit on q's notification
 * (docs/supervision.md). */
static void tell_peer(uint32_t q, uint8_t id, uint32_t generation)
{
    struct pd_state *st = &pd_states[q];
    startinfo_write_u32(
        q, offsetof(struct bst_pd_startinfo, peer_generation) + (uint64_t)id * sizeof(uint32_t),
        generation);
    if (st->peer_signal == 0) {
        uint64_t slot = slot_alloc(1);
        if (slot == 0 ||
            bst_cnode_mint(ROOT_CNODE, slot, BST_ROOT_DEPTH, ROOT_CNODE,
                           object_slot(the_spec.pds[q].notification, 0), BST_ROOT_DEPTH,
                           BST_RIGHT_WRITE, 1ULL << BST_PD_PEER_RESTARTED_BIT) != BST_OK) {
            bst_printf("init: PD '%s': cannot tell it of a peer's restart\n", pd_name(q));
            return;
        }
        st->peer_signal = slot;
    }
    bst_signal(st->peer_signal);
}

/* PD p was started again: every PD with a channel to it hears of it. */
static void tell_peers(uint32_t p)
{
    uint32_t generation = pd_states[p].restarts;
    for (uint32_t c = 0; c < the_spec.n[BASTION_TABLE_CHANNELS]; c++) {
        const struct bastion_spec_channel *ch = &the_spec.channels[c];
        for (unsigned end = 0; end < 2; end++)
            if (ch->pd[end] == p)
                tell_peer(ch->pd[1 - end], ch->id[1 - end], generation);
    }
}

bst_error_t pd_start_late(uint32_t p, uint64_t entry)
{
    late_entry[p] = entry;
    return start_thread(p);
}

bst_error_t pd_restart(uint32_t p, bool reinit)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[p];
    if ((pd->flags & BASTION_PD_LATE) && (reinit || late_entry[p] == 0))
        return BST_ILLEGAL_OPERATION; /* no pristine copy of a late image; or still empty */
    bst_error_t e = bst_tcb_suspend(object_slot(pd->tcb, 0));
    if (e != BST_OK)
        return e;
    if (pd->flags & BASTION_PD_PASSIVE) /* it runs init() on its own context again */
        bst_sched_context_bind(object_slot(pd->sched_context, 0), object_slot(pd->tcb, 0));
    if (reinit) {
        for (uint32_t k = 0; k < pd->segment_count; k++) {
            const struct bastion_spec_segment *g = &the_spec.segments[pd->first_segment + k];
            if (!(g->perms & BASTION_PERM_W))
                continue; /* read-only pages cannot have changed */
            for (uint64_t i = 0; i < segment_pages(g); i++)
                write_segment_page(g, i, true);
        }
        for (uint64_t i = 0; i < pd->stack_size / BASTION_PAGE_SIZE; i++) {
            memset(scratch_map(object_slot(pd->stack_frames, i), 12), 0, BASTION_PAGE_SIZE);
            scratch_unmap();
        }
        apply_patches(p);
        uint64_t word;
        bst_poll(object_slot(pd->notification, 0), &word); /* no signal survives */
    }
    pd_states[p].restarts++;
    startinfo_write_u32(p, offsetof(struct bst_pd_startinfo, generation), pd_states[p].restarts);
    bst_error_t e2 = start_thread(p);
    if (e2 == BST_OK)
        tell_peers(p);
    return e2;
}
