/*
 * Checking the packed spec (include/bastion/spec.h) before anything is built from it.
 *
 * The blob comes from a boot module and is not trusted: every field init later uses as
 * an offset, index, count, size or address is checked here, so that the builder can use
 * them without further checks and a malformed spec is refused with a message, never a
 * crash. Pure: no system calls, so the host tests can run it.
 */
#include "init.h"

#include <stdarg.h>

#include <bastion/vcpu.h>
#include <libbastion/string.h>

static const char *const table_name[BASTION_TABLE_COUNT] = {
    "strings", "data",        "pds",     "regions", "maps",     "channels", "irqs",
    "ioports", "pci_devices", "bars",    "domains", "segments", "patches",  "objects",
    "caps",    "flow",        "colours", "vms",     "vm_maps",
};

/* Limits that keep init's bookkeeping bounded (a spec beyond them is refused). */
#define MAX_OBJECTS_PER_ENTRY (1u << 20)

struct checker {
    struct spec *s;
    char *err;
    size_t errlen;
    bool failed;
};

static bool fail(struct checker *c, const char *fmt, ...) BST_PRINTF_FORMAT(2, 3);

static bool fail(struct checker *c, const char *fmt, ...)
{
    if (!c->failed) {
        va_list ap;
        va_start(ap, fmt);
        bst_vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
        c->failed = true;
    }
    return false;
}

const char *spec_string(const struct spec *s, uint32_t offset)
{
    return offset < s->strings_size ? s->strings + offset : "?";
}

static bool check_header(struct checker *c, const uint8_t *blob, uint64_t size)
{
    const struct bastion_spec_header *h = (const void *)blob;
    if (size < sizeof(*h))
        return fail(c, "only %lu bytes, smaller than the header", (unsigned long)size);
    if (h->magic != BASTION_SPEC_MAGIC)
        return fail(c, "bad magic 0x%lx (not a system.spec)", (unsigned long)h->magic);
    if (h->version != BASTION_SPEC_VERSION)
        return fail(c, "version %u, this init reads version %u", h->version, BASTION_SPEC_VERSION);
    if (h->header_size != sizeof(*h))
        return fail(c, "header size %u, expected %zu", h->header_size, sizeof(*h));
    if (h->total_size < sizeof(*h) || h->total_size > size)
        return fail(c, "total size %lu does not fit the %lu bytes of the module",
                    (unsigned long)h->total_size, (unsigned long)size);
    uint32_t sum = bastion_spec_checksum(blob, h->total_size);
    if (sum != h->checksum)
        return fail(c, "checksum 0x%x, the contents give 0x%x (corrupted)", h->checksum, sum);
    return true;
}

static bool check_tables(struct checker *c, const uint8_t *blob)
{
    const struct bastion_spec_header *h = (const void *)blob;
    for (unsigned t = 0; t < BASTION_TABLE_COUNT; t++) {
        uint64_t off = h->tables[t].offset, count = h->tables[t].count;
        if (off % BASTION_SPEC_ALIGN)
            return fail(c, "table %s at offset %lu is not 8-byte aligned", table_name[t],
                        (unsigned long)off);
        if (off + count * bastion_spec_entry_size(t) > h->total_size || (count && off < sizeof(*h)))
            return fail(c, "table %s (%lu entries at offset %lu) lies outside the spec",
                        table_name[t], (unsigned long)count, (unsigned long)off);
        c->s->n[t] = (uint32_t)count;
    }
    struct spec *s = c->s;
#define TABLE(id) ((const void *)(blob + h->tables[id].offset))
    s->strings = TABLE(BASTION_TABLE_STRINGS);
    s->strings_size = s->n[BASTION_TABLE_STRINGS];
    s->data = TABLE(BASTION_TABLE_DATA);
    s->data_size = s->n[BASTION_TABLE_DATA];
    s->pds = TABLE(BASTION_TABLE_PDS);
    s->regions = TABLE(BASTION_TABLE_REGIONS);
    s->maps = TABLE(BASTION_TABLE_MAPS);
    s->channels = TABLE(BASTION_TABLE_CHANNELS);
    s->irqs = TABLE(BASTION_TABLE_IRQS);
    s->ioports = TABLE(BASTION_TABLE_IOPORTS);
    s->pci_devices = TABLE(BASTION_TABLE_PCI_DEVICES);
    s->bars = TABLE(BASTION_TABLE_BARS);
    s->domains = TABLE(BASTION_TABLE_DOMAINS);
    s->segments = TABLE(BASTION_TABLE_SEGMENTS);
    s->patches = TABLE(BASTION_TABLE_PATCHES);
    s->objects = TABLE(BASTION_TABLE_OBJECTS);
    s->caps = TABLE(BASTION_TABLE_CAPS);
    s->flow = TABLE(BASTION_TABLE_FLOW);
    s->colours = TABLE(BASTION_TABLE_COLOURS);
    s->vms = TABLE(BASTION_TABLE_VMS);
    s->vm_maps = TABLE(BASTION_TABLE_VM_MAPS);
#undef TABLE
    if (s->strings_size == 0 || s->strings[s->strings_size - 1] != '\0')
        return fail(c, "the strings table does not end with a NUL");
    if (s->n[BASTION_TABLE_PDS] == 0)
        return fail(c, "no protection domains");
    return true;
}

static bool check_string(struct checker *c, uint32_t offset, const char *what, uint32_t i)
{
    if (offset >= c->s->strings_size)
        return fail(c, "%s %u: name offset %u outside the strings", what, i, offset);
    return true;
}

static bool check_data(struct checker *c, uint64_t offset, uint64_t size, const char *what,
                       uint32_t i)
{
    if (offset + size > c->s->data_size)
        return fail(c, "%s %u: data [%lu, +%lu) outside the data table", what, i,
                    (unsigned long)offset, (unsigned long)size);
    return true;
}

static bool check_pd_ref(struct checker *c, uint32_t pd, const char *what, uint32_t i)
{
    if (pd >= c->s->n[BASTION_TABLE_PDS])
        return fail(c, "%s %u names PD %u, but there are %u", what, i, pd,
                    c->s->n[BASTION_TABLE_PDS]);
    return true;
}

/* Object `index` exists, has type `type` (0: any) and, for frames, at least `count`. */
static bool check_object_ref(struct checker *c, uint32_t index, uint32_t type, uint64_t count,
                             const char *what, uint32_t i)
{
    if (index >= c->s->n[BASTION_TABLE_OBJECTS])
        return fail(c, "%s %u names object %u, but there are %u", what, i, index,
                    c->s->n[BASTION_TABLE_OBJECTS]);
    const struct bastion_spec_object *o = &c->s->objects[index];
    if (type && o->type != type)
        return fail(c, "%s %u names object %u of type %u, expected type %u", what, i, index,
                    o->type, type);
    if (o->count < count)
        return fail(c, "%s %u needs %lu objects in entry %u, which has %u", what, i,
                    (unsigned long)count, index, o->count);
    return true;
}

static bool check_objects(struct checker *c)
{
    const struct spec *s = c->s;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_OBJECTS]; i++) {
        const struct bastion_spec_object *o = &s->objects[i];
        if (o->type < BASTION_OBJ_TCB || o->type > BASTION_OBJ_FRAME)
            return fail(c, "object %u has unknown type %u", i, o->type);
        if (o->count == 0 || o->count > MAX_OBJECTS_PER_ENTRY)
            return fail(c, "object %u: count %u out of range", i, o->count);
        if (o->pd != BASTION_SPEC_NONE && !check_pd_ref(c, o->pd, "object", i))
            return false;
        if (o->type == BASTION_OBJ_CNODE &&
            (o->size_bits < BST_CNODE_MIN_RADIX || o->size_bits > BST_CNODE_MAX_RADIX))
            return fail(c, "object %u: CNode of 2^%u slots", i, o->size_bits);
        if (o->type == BASTION_OBJ_FRAME && o->size_bits != 12 && o->size_bits != 21 &&
            o->size_bits != 30)
            return fail(c, "object %u: frame of 2^%u bytes", i, o->size_bits);
    }
    return true;
}

static bool pages_ok(uint64_t vaddr, uint64_t size)
{
    return vaddr >= BASTION_USER_VADDR_MIN && size <= BASTION_USER_VADDR_END &&
           vaddr <= BASTION_USER_VADDR_END - size;
}

static bool check_pd(struct checker *c, uint32_t i)
{
    const struct spec *s = c->s;
    const struct bastion_spec_pd *pd = &s->pds[i];
    uint32_t n_pds = s->n[BASTION_TABLE_PDS];
    if (!check_string(c, pd->name, "PD", i))
        return false;
    if (pd->parent != BASTION_SPEC_NONE) {
        if (pd->parent >= n_pds || pd->parent == i)
            return fail(c, "PD %u has parent %u", i, pd->parent);
        if (pd->child_id > BASTION_MAX_ID)
            return fail(c, "PD %u has child id %u", i, pd->child_id);
        uint32_t up = pd->parent, steps = 0;
        while (up != BASTION_SPEC_NONE && up < n_pds && steps++ <= n_pds)
            up = s->pds[up].parent;
        if (up != BASTION_SPEC_NONE)
            return fail(c, "PD %u: its parents form a loop", i);
    }
    if (pd->priority >= INIT_PRIORITY)
        return fail(c, "PD %u has priority %u; 255 is init's", i, pd->priority);
    if (pd->stack_size == 0 || pd->stack_size % BASTION_PAGE_SIZE ||
        pd->stack_top != BASTION_STACK_TOP || pd->stack_size > (1ULL << 28) ||
        pd->ipc_buffer != BASTION_IPC_BUFFER_VADDR)
        return fail(c, "PD %u: stack or IPC buffer not where spec.h puts them", i);
    bool late = pd->flags & BASTION_PD_LATE; /* no entry until loaded: its one range */
    if (late && (pd->entry != 0 || pd->segment_count != 1))
        return fail(c, "PD %u: a late PD has entry 0 and one segment (its range)", i);
    if (!late && (pd->entry < BASTION_USER_VADDR_MIN || pd->entry >= BASTION_USER_VADDR_END))
        return fail(c, "PD %u: entry 0x%lx outside the user range", i, (unsigned long)pd->entry);
    if ((uint64_t)pd->first_segment + pd->segment_count > s->n[BASTION_TABLE_SEGMENTS] ||
        (uint64_t)pd->first_cap + pd->cap_count > s->n[BASTION_TABLE_CAPS])
        return fail(c, "PD %u: segments or caps outside their tables", i);
    struct {
        uint32_t index, type;
        uint64_t count;
    } own[] = {
        {pd->tcb, BASTION_OBJ_TCB, 1},
        {pd->vspace, BASTION_OBJ_VSPACE, 1},
        {pd->cnode, BASTION_OBJ_CNODE, 1},
        {pd->notification, BASTION_OBJ_NOTIFICATION, 1},
        {pd->reply, BASTION_OBJ_REPLY, 1},
        {pd->stack_frames, BASTION_OBJ_FRAME, pd->stack_size / BASTION_PAGE_SIZE},
        {pd->ipc_buffer_frame, BASTION_OBJ_FRAME, 1},
        {pd->endpoint, BASTION_OBJ_ENDPOINT, 1},
        {pd->sched_context, BASTION_OBJ_SCHED_CONTEXT, 1},
    };
    for (unsigned k = 0; k < sizeof(own) / sizeof(own[0]); k++) {
        if (k >= 7 && own[k].index == BASTION_SPEC_NONE)
            continue;
        if (!check_object_ref(c, own[k].index, own[k].type, own[k].count, "PD", i))
            return false;
    }
    if (s->objects[pd->cnode].size_bits != BASTION_CNODE_BITS)
        return fail(c, "PD %u: CNode of 2^%u slots, spec.h's layout needs 2^%u", i,
                    s->objects[pd->cnode].size_bits, BASTION_CNODE_BITS);
    if (s->objects[pd->stack_frames].size_bits != 12 ||
        s->objects[pd->ipc_buffer_frame].size_bits != 12)
        return fail(c, "PD %u: stack and IPC buffer need 4 KiB frames", i);
    return true;
}

static bool check_regions_and_maps(struct checker *c)
{
    const struct spec *s = c->s;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_REGIONS]; i++) {
        const struct bastion_spec_region *r = &s->regions[i];
        if (!check_string(c, r->name, "region", i))
            return false;
        if (r->page_size != 0x1000 && r->page_size != 0x200000 && r->page_size != 0x40000000)
            return fail(c, "region %u: page size 0x%lx", i, (unsigned long)r->page_size);
        if (r->size == 0 || r->size % r->page_size || r->size > (1ULL << 40))
            return fail(c, "region %u: size 0x%lx", i, (unsigned long)r->size);
        uint64_t frames = r->size / r->page_size;
        if (!check_object_ref(c, r->frames, BASTION_OBJ_FRAME, frames, "region", i))
            return false;
        if (s->objects[r->frames].size_bits != __builtin_ctzll(r->page_size))
            return fail(c, "region %u: its frames are not of its page size", i);
        if ((r->flags & BASTION_REGION_PREFILL) &&
            (!check_data(c, r->data_offset, r->data_size, "region", i) || r->data_size > r->size))
            return fail(c, "region %u: prefill data out of range", i);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_MAPS]; i++) {
        const struct bastion_spec_map *m = &s->maps[i];
        if (!check_pd_ref(c, m->pd, "map", i))
            return false;
        if (m->region >= s->n[BASTION_TABLE_REGIONS])
            return fail(c, "map %u names region %u", i, m->region);
        const struct bastion_spec_region *r = &s->regions[m->region];
        if (m->vaddr % r->page_size || !pages_ok(m->vaddr, r->size))
            return fail(c, "map %u: vaddr 0x%lx", i, (unsigned long)m->vaddr);
        if (!(m->perms & BASTION_PERM_R) || m->perms > 7)
            return fail(c, "map %u: permissions 0x%x", i, m->perms);
    }
    return true;
}

static bool check_segments(struct checker *c)
{
    const struct spec *s = c->s;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_SEGMENTS]; i++) {
        const struct bastion_spec_segment *g = &s->segments[i];
        if (!check_pd_ref(c, g->pd, "segment", i))
            return false;
        if (g->filesz > g->memsz || g->memsz > (1ULL << 32) || !pages_ok(g->vaddr, g->memsz))
            return fail(c, "segment %u: [0x%lx, +0x%lx) out of range", i, (unsigned long)g->vaddr,
                        (unsigned long)g->memsz);
        uint64_t first = g->vaddr & ~(BASTION_PAGE_SIZE - 1);
        uint64_t pages = (g->vaddr + g->memsz - first + BASTION_PAGE_SIZE - 1) / BASTION_PAGE_SIZE;
        if (g->digests && (g->perms || g->filesz ||
                           !check_data(c, g->data_offset, g->digests * 32u, "late range", i)))
            return fail(c, "segment %u: a late PD's range with %u digests is malformed", i,
                        g->digests);
        if (!check_data(c, g->data_offset, g->filesz, "segment", i) ||
            !check_object_ref(c, g->frames, BASTION_OBJ_FRAME, pages, "segment", i))
            return false;
        if (s->objects[g->frames].size_bits != 12)
            return fail(c, "segment %u: needs 4 KiB frames", i);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PDS]; i++) {
        const struct bastion_spec_pd *pd = &s->pds[i];
        for (uint32_t k = 0; k < pd->segment_count; k++)
            if (s->segments[pd->first_segment + k].pd != i)
                return fail(c, "PD %u: segment %u belongs to another PD", i, pd->first_segment + k);
        for (uint32_t k = 0; k < pd->cap_count; k++)
            if (s->caps[pd->first_cap + k].pd != i)
                return fail(c, "PD %u: cap %u belongs to another PD", i, pd->first_cap + k);
    }
    return true;
}

static bool check_channels_patches_caps(struct checker *c)
{
    const struct spec *s = c->s;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_CHANNELS]; i++) {
        const struct bastion_spec_channel *ch = &s->channels[i];
        for (int e = 0; e < 2; e++)
            if (!check_pd_ref(c, ch->pd[e], "channel", i) || ch->id[e] > BASTION_MAX_ID)
                return fail(c, "channel %u: end %d out of range", i, e);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_IRQS]; i++) {
        const struct bastion_spec_irq *irq = &s->irqs[i];
        if (!check_pd_ref(c, irq->pd, "IRQ", i))
            return false;
        if (irq->id > BASTION_MAX_ID || irq->kind > BASTION_IRQ_MSI || irq->trigger > 1 ||
            irq->polarity > 1)
            return fail(c, "IRQ %u: id %u, kind %u, trigger %u, polarity %u", i, irq->id, irq->kind,
                        irq->trigger, irq->polarity);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_IOPORTS]; i++) {
        const struct bastion_spec_ioport *io = &s->ioports[i];
        if (!check_pd_ref(c, io->pd, "I/O port range", i))
            return false;
        if (io->id > BASTION_MAX_ID || io->size == 0 || io->base + (uint64_t)io->size > 0x10000)
            return fail(c, "I/O port range %u: id %u, base 0x%x, size 0x%x", i, io->id, io->base,
                        io->size);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_PATCHES]; i++) {
        const struct bastion_spec_patch *p = &s->patches[i];
        if (!check_pd_ref(c, p->pd, "patch", i))
            return false;
        if (p->kind != BASTION_PATCH_REGION_PADDR || p->index >= s->n[BASTION_TABLE_REGIONS])
            return fail(c, "patch %u: kind %u, index %u", i, p->kind, p->index);
        if (p->vaddr % 8 || !pages_ok(p->vaddr, 8))
            return fail(c, "patch %u: vaddr 0x%lx", i, (unsigned long)p->vaddr);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_CAPS]; i++) {
        const struct bastion_spec_cap *cap = &s->caps[i];
        if (!check_pd_ref(c, cap->pd, "cap", i))
            return false;
        if (cap->slot == 0 || cap->slot >= (1u << BASTION_CNODE_BITS))
            return fail(c, "cap %u: slot %u outside the PD's CNode", i, cap->slot);
        if (cap->rights > 15)
            return fail(c, "cap %u: rights 0x%x", i, cap->rights);
        if (cap->kind == BASTION_CAP_OBJECT) {
            if (!check_object_ref(c, cap->index, 0, 1, "cap", i))
                return false;
        } else if (cap->kind == BASTION_CAP_IRQ) {
            if (cap->index >= s->n[BASTION_TABLE_IRQS])
                return fail(c, "cap %u names IRQ %u", i, cap->index);
            const struct bastion_spec_irq *irq = &s->irqs[cap->index];
            if (irq->pd != cap->pd || cap->slot != BASTION_SLOT_IRQ_BASE + irq->id)
                return fail(c, "cap %u: IRQ %u belongs to another PD or slot", i, cap->index);
        } else if (cap->kind == BASTION_CAP_IOPORT) {
            if (cap->index >= s->n[BASTION_TABLE_IOPORTS])
                return fail(c, "cap %u names I/O port range %u", i, cap->index);
            const struct bastion_spec_ioport *io = &s->ioports[cap->index];
            if (io->pd != cap->pd || cap->slot != BASTION_SLOT_IOPORT_BASE + io->id)
                return fail(c, "cap %u: I/O port range %u belongs to another PD or slot", i,
                            cap->index);
        } else {
            return fail(c, "cap %u has unknown kind %u", i, cap->kind);
        }
    }
    return true;
}

/* COLOURS: entry 0 the machine's (a power-of-two count up to BASTION_COLOURS_MAX, some
 * memory), then runs of existing domains inside the count, no colour in two runs. */
static bool check_colours(struct checker *c)
{
    const struct spec *s = c->s;
    uint32_t n = s->n[BASTION_TABLE_COLOURS];
    if (n == 0)
        return true;
    const struct bastion_spec_colour *m = &s->colours[0];
    uint32_t total = (uint32_t)m->last + 1;
    if (m->domain != BASTION_SPEC_NONE || m->first != 0 || total > BASTION_COLOURS_MAX ||
        (total & (total - 1)) || m->memory == 0)
        return fail(c,
                    "colours: entry 0 is not the machine's (a power-of-two count up to %u "
                    "and the coloured memory)",
                    BASTION_COLOURS_MAX);
    for (uint32_t i = 1; i < n; i++) {
        const struct bastion_spec_colour *e = &s->colours[i];
        if (e->domain >= s->n[BASTION_TABLE_DOMAINS] || e->first > e->last || e->last >= total ||
            e->memory != 0)
            return fail(c,
                        "colours %u: domain %u, colours %u-%u: not a domain's run inside "
                        "the %u colours",
                        i, e->domain, e->first, e->last, total);
        for (uint32_t j = 1; j < i; j++)
            if (s->colours[j].first <= e->last && e->first <= s->colours[j].last)
                return fail(c, "colours %u and %u overlap", j, i);
    }
    return true;
}

/* VMS and VM_MAPS: a named guest of a PD (at most one per PD, as its one thread runs the
 * VCPU) with one vCPU and its own run of maps, each a whole region at a guest-physical
 * address aligned to the region's pages and below BST_GUEST_PHYS_TOP. */
static bool check_vms(struct checker *c)
{
    const struct spec *s = c->s;
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_VMS]; i++) {
        const struct bastion_spec_vm *vm = &s->vms[i];
        if (!check_string(c, vm->name, "virtual machine", i) ||
            !check_pd_ref(c, vm->pd, "virtual machine", i))
            return false;
        if (vm->vcpus != 1)
            return fail(c, "virtual machine %u: %u vCPUs (one is supported)", i, vm->vcpus);
        for (uint32_t j = 0; j < i; j++)
            if (s->vms[j].pd == vm->pd)
                return fail(c, "virtual machines %u and %u have the same VMM PD", j, i);
        uint64_t end = (uint64_t)vm->first_map + vm->map_count;
        if (end > s->n[BASTION_TABLE_VM_MAPS])
            return fail(c, "virtual machine %u: maps [%u, +%u) outside the table", i, vm->first_map,
                        vm->map_count);
        for (uint32_t k = vm->first_map; k < end; k++)
            if (s->vm_maps[k].vm != i)
                return fail(c, "virtual machine %u: guest map %u belongs to another", i, k);
    }
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_VM_MAPS]; i++) {
        const struct bastion_spec_vm_map *m = &s->vm_maps[i];
        if (m->vm >= s->n[BASTION_TABLE_VMS] || m->region >= s->n[BASTION_TABLE_REGIONS])
            return fail(c, "guest map %u: virtual machine %u, region %u", i, m->vm, m->region);
        const struct bastion_spec_region *r = &s->regions[m->region];
        if (m->gpa % r->page_size || m->gpa >= BST_GUEST_PHYS_TOP ||
            r->size > BST_GUEST_PHYS_TOP - m->gpa)
            return fail(c, "guest map %u: gpa 0x%lx", i, (unsigned long)m->gpa);
        if (!(m->perms & BASTION_PERM_R) || m->perms > 7)
            return fail(c, "guest map %u: permissions 0x%x", i, m->perms);
    }
    return true;
}

const char *spec_open(struct spec *s, const void *blob, uint64_t size, char *err, size_t errlen)
{
    struct checker c = {.s = s, .err = err, .errlen = errlen};
    memset(s, 0, sizeof(*s));
    s->blob = blob;
    s->size = size;
    bool ok = check_header(&c, blob, size) && check_tables(&c, blob) && check_objects(&c);
    for (uint32_t i = 0; ok && i < s->n[BASTION_TABLE_PDS]; i++)
        ok = check_pd(&c, i);
    ok = ok && check_regions_and_maps(&c) && check_segments(&c) &&
         check_channels_patches_caps(&c) && check_colours(&c) && check_vms(&c);
    return ok ? NULL : err;
}
