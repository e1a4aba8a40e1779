/*
 * Object and capability layout (see layout.h). Objects are listed PD by PD in a fixed
 * order, then region frames; capabilities of a PD are contiguous and sorted by slot, so
 * the spec is deterministic for a given description and set of images.
 */
#include "layout.h"
#include "elf_image.h"
#include "flow.h"
#include "late_image.h"

#include <stdlib.h>
#include <string.h>

static uint32_t add_string(struct layout *l, const char *s)
{
    uint32_t offset = (uint32_t)l->strings.count;
    vec_append(&l->strings, s, strlen(s) + 1);
    return offset;
}

/* Appends bytes to DATA (8-aligned start) and returns their offset. */
static uint32_t add_data(struct layout *l, const uint8_t *bytes, size_t size)
{
    while (l->data.count % BASTION_SPEC_ALIGN)
        vec_push(&l->data, 1);
    uint32_t offset = (uint32_t)l->data.count;
    vec_append(&l->data, bytes, size);
    return offset;
}

static void *add_entry(struct layout *l, enum bastion_spec_table_id t, size_t size)
{
    return vec_push(&l->tables[t], size);
}

static uint32_t count_of(const struct layout *l, enum bastion_spec_table_id t)
{
    return (uint32_t)l->tables[t].count;
}

static uint32_t add_object(struct layout *l, uint32_t type, uint32_t pd, uint32_t count,
                           uint8_t size_bits)
{
    uint32_t index = count_of(l, BASTION_TABLE_OBJECTS);
    struct bastion_spec_object *o = add_entry(l, BASTION_TABLE_OBJECTS, sizeof(*o));
    o->type = type;
    o->pd = pd;
    o->count = count;
    o->size_bits = size_bits;
    return index;
}

static uint8_t log2_u64(uint64_t v)
{
    uint8_t bits = 0;
    while (v > 1) {
        v >>= 1;
        bits++;
    }
    return bits;
}

/* Page-table bookkeeping of one PD: keys of every table needed, level in the top bits. */
struct table_keys {
    struct vec keys; /* uint64_t */
};

/* Records the tables that map [start, end) with pages of `page_size`. */
static void need_tables(struct table_keys *t, uint64_t start, uint64_t end, uint64_t page_size)
{
    static const struct {
        unsigned shift;
        uint64_t below; /* needed only for pages smaller than this */
    } levels[3] = {{21, 0x200000}, {30, 0x40000000}, {39, UINT64_MAX}};
    for (unsigned lvl = 0; lvl < 3; lvl++) {
        if (page_size >= levels[lvl].below || end <= start)
            continue;
        for (uint64_t i = start >> levels[lvl].shift; i <= (end - 1) >> levels[lvl].shift; i++)
            *(uint64_t *)vec_push(&t->keys, sizeof(uint64_t)) = ((uint64_t)lvl << 60) | i;
    }
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Adds one object entry per page-table level, counting distinct tables. */
static void add_page_tables(struct layout *l, uint32_t pd, struct table_keys *t)
{
    static const uint32_t types[3] = {BASTION_OBJ_PAGE_TABLE, BASTION_OBJ_PAGE_DIR,
                                      BASTION_OBJ_PAGE_DIR_PT};
    vec_sort(&t->keys, sizeof(uint64_t), compare_u64);
    uint32_t counts[3] = {0, 0, 0};
    for (size_t i = 0; i < t->keys.count; i++) {
        uint64_t k = *VEC_AT(&t->keys, uint64_t, i);
        if (i == 0 || k != *VEC_AT(&t->keys, uint64_t, i - 1))
            counts[k >> 60]++;
    }
    for (int lvl = 2; lvl >= 0; lvl--)
        if (counts[lvl])
            add_object(l, types[lvl], pd, counts[lvl], 12);
    vec_free(&t->keys);
}

static void layout_regions(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        struct bastion_spec_region *s = add_entry(l, BASTION_TABLE_REGIONS, sizeof(*s));
        s->name = add_string(l, r->name);
        s->size = r->size;
        s->page_size = r->page_size;
        s->phys_addr = r->has_phys ? r->phys_addr : 0;
        s->flags = r->has_phys ? BASTION_REGION_FIXED_PHYS : 0;
        if (r->platform == REGION_PLATFORM_HPET)
            s->flags |= BASTION_REGION_PLATFORM_HPET;
        if (r->prefill_path) {
            size_t size = 0;
            uint8_t *bytes = (uint8_t *)read_file(r->prefill_path, &size);
            if (bytes && size <= r->size) {
                s->data_offset = add_data(l, bytes, size);
                s->data_size = (uint32_t)size;
                s->flags |= BASTION_REGION_PREFILL;
            }
            free(bytes);
        }
    }
}

/* Which PDs another PD can call through some channel (one pass); caller frees. */
static uint8_t *callable_pds(const struct model *m)
{
    uint8_t *callable = xcalloc(m->pds.count + 1, 1);
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        for (int e = 0; e < 2; e++)
            if (ch->end[e].pp && ch->end[1 - e].pd < m->pds.count)
                callable[ch->end[1 - e].pd] = 1;
    }
    return callable;
}

/* What layout_pd needs of the whole model, gathered once rather than once per PD. */
struct pd_context {
    uint8_t *callable;        /* callable_pds() */
    struct model_groups maps; /* the maps of each PD */
    struct model_groups bars; /* the BARs of each PD */
};

/* A late PD's image range (docs/late-loading.md): frames and page tables for all of it,
 * one segment with no permissions (init maps nothing there at boot), the digests. */
static void layout_late_range(struct layout *l, const struct model_pd *pd, uint32_t p,
                              struct bastion_spec_pd *s, struct table_keys *t)
{
    uint8_t digests[LATE_IMAGE_MAX_DIGESTS][LATE_DIGEST_SIZE];
    uint32_t n = late_image_digests(pd, digests);
    uint32_t frames = add_object(l, BASTION_OBJ_FRAME, p, (uint32_t)(pd->late_max_size >> 12), 12);
    struct bastion_spec_segment *seg = add_entry(l, BASTION_TABLE_SEGMENTS, sizeof(*seg));
    *seg = (struct bastion_spec_segment){.pd = p,
                                         .digests = (uint8_t)n,
                                         .vaddr = pd->late_vaddr,
                                         .memsz = pd->late_max_size,
                                         .data_offset =
                                             add_data(l, digests[0], n * sizeof(digests[0])),
                                         .frames = frames};
    need_tables(t, pd->late_vaddr, pd->late_vaddr + pd->late_max_size, BASTION_PAGE_SIZE);
    s->flags |= BASTION_PD_LATE;
    s->segment_count = 1;
}

/* Segments of a PD's image (if loaded), with frames and page-table needs. */
static void layout_segments(struct layout *l, const struct model_pd *pd, uint32_t p,
                            struct bastion_spec_pd *s, struct table_keys *t)
{
    s->first_segment = count_of(l, BASTION_TABLE_SEGMENTS);
    if (pd->late_node) {
        layout_late_range(l, pd, p, s, t);
        return;
    }
    if (!pd->elf)
        return;
    s->entry = pd->elf->entry;
    for (size_t i = 0; i < pd->elf->segment_count; i++) {
        const struct elf_segment *e = &pd->elf->segments[i];
        uint64_t start = e->vaddr & ~(BASTION_PAGE_SIZE - 1);
        uint64_t end = (e->vaddr + e->memsz + BASTION_PAGE_SIZE - 1) & ~(BASTION_PAGE_SIZE - 1);
        uint32_t frames = add_object(l, BASTION_OBJ_FRAME, p, (uint32_t)((end - start) >> 12), 12);
        uint32_t data = add_data(l, e->data, e->filesz);
        struct bastion_spec_segment *seg = add_entry(l, BASTION_TABLE_SEGMENTS, sizeof(*seg));
        *seg = (struct bastion_spec_segment){.pd = p,
                                             .perms = e->perms,
                                             .vaddr = e->vaddr,
                                             .memsz = e->memsz,
                                             .filesz = e->filesz,
                                             .data_offset = data,
                                             .frames = frames};
        need_tables(t, start, end, BASTION_PAGE_SIZE);
        s->segment_count++;
    }
}

/* Page tables for a PD's maps and BARs. */
static void map_tables(const struct model *m, const struct pd_context *c, uint32_t p,
                       struct table_keys *t)
{
    for (uint32_t k = c->maps.first[p]; k < c->maps.first[p + 1]; k++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, c->maps.index[k]);
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
        need_tables(t, map->vaddr, map->vaddr + r->size, r->page_size);
    }
    for (uint32_t k = c->bars.first[p]; k < c->bars.first[p + 1]; k++) {
        const struct model_bar *bar = VEC_AT(&m->bars, struct model_bar, c->bars.index[k]);
        need_tables(t, bar->vaddr, bar->vaddr + bar->size, BASTION_PAGE_SIZE);
    }
}

/* The PD entry and every object that belongs to the PD alone. */
static void layout_pd(struct layout *l, const struct model *m, const struct pd_context *c,
                      uint32_t p)
{
    const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, p);
    struct bastion_spec_pd s = {0};
    struct table_keys t = {{0}};
    s.name = add_string(l, pd->name);
    s.parent = pd->parent;
    s.child_id = pd->parent == NO_INDEX ? BASTION_SPEC_NONE : pd->child_id;
    s.priority = (uint8_t)pd->priority;
    s.flags = pd->passive ? BASTION_PD_PASSIVE : 0;
    s.supervision = BASTION_SUPERVISION_WORD(pd->on_fault, pd->max_restarts, pd->backoff_us / 1000);
    s.cpu = (uint8_t)pd->cpu;
    s.domain = pd->domain == NO_INDEX ? 0 : (uint8_t)pd->domain;
    s.budget_us = pd->budget;
    s.period_us = pd->period;
    s.stack_top = BASTION_STACK_TOP;
    s.stack_size = pd->stack_size;
    s.ipc_buffer = BASTION_IPC_BUFFER_VADDR;
    s.tcb = add_object(l, BASTION_OBJ_TCB, p, 1, 0);
    s.sched_context = add_object(l, BASTION_OBJ_SCHED_CONTEXT, p, 1, 0);
    s.vspace = add_object(l, BASTION_OBJ_VSPACE, p, 1, 12);
    s.cnode = add_object(l, BASTION_OBJ_CNODE, p, 1, BASTION_CNODE_BITS);
    s.notification = add_object(l, BASTION_OBJ_NOTIFICATION, p, 1, 0);
    s.endpoint = c->callable[p] ? add_object(l, BASTION_OBJ_ENDPOINT, p, 1, 0) : BASTION_SPEC_NONE;
    s.reply = add_object(l, BASTION_OBJ_REPLY, p, 1, 0);
    s.stack_frames = add_object(l, BASTION_OBJ_FRAME, p, (uint32_t)(pd->stack_size >> 12), 12);
    s.ipc_buffer_frame = add_object(l, BASTION_OBJ_FRAME, p, 1, 12);
    layout_segments(l, pd, p, &s, &t);
    map_tables(m, c, p, &t);
    need_tables(&t, BASTION_STACK_TOP - pd->stack_size, BASTION_STACK_TOP, BASTION_PAGE_SIZE);
    need_tables(&t, BASTION_IPC_BUFFER_VADDR, BASTION_IPC_BUFFER_VADDR + BASTION_PAGE_SIZE,
                BASTION_PAGE_SIZE);
    add_page_tables(l, p, &t);
    *(struct bastion_spec_pd *)add_entry(l, BASTION_TABLE_PDS, sizeof(s)) = s;
}

/* Region frames come after all PD objects; link them to their regions. */
static void layout_region_frames(struct layout *l, const struct model *m)
{
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        struct bastion_spec_region *s =
            LAYOUT_ENTRY(l, BASTION_TABLE_REGIONS, struct bastion_spec_region, i);
        s->frames = add_object(l, BASTION_OBJ_FRAME, BASTION_SPEC_NONE,
                               (uint32_t)(r->size / r->page_size), log2_u64(r->page_size));
    }
}

void layout_build(struct layout *l, const struct model *m)
{
    memset(l, 0, sizeof(*l));
    add_string(l, "");
    layout_regions(l, m);
    struct pd_context c = {callable_pds(m), {NULL, NULL}, {NULL, NULL}};
    MODEL_GROUP_BY(&c.maps, m->pds.count, &m->maps, struct model_map, pd);
    MODEL_GROUP_BY(&c.bars, m->pds.count, &m->bars, struct model_bar, pd);
    for (uint32_t p = 0; p < m->pds.count; p++)
        layout_pd(l, m, &c, p);
    free(c.callable);
    model_groups_free(&c.maps);
    model_groups_free(&c.bars);
    layout_region_frames(l, m);
    layout_tables(l, m);
    layout_caps(l, m);
    flow_layout(l, m);
}

void layout_free(struct layout *l)
{
    vec_free(&l->strings);
    vec_free(&l->data);
    for (int i = 0; i < BASTION_TABLE_COUNT; i++)
        vec_free(&l->tables[i]);
}

const char *layout_string(const struct layout *l, uint32_t offset)
{
    return offset < l->strings.count ? (const char *)l->strings.items + offset : "";
}

const char *layout_object_type_name(uint32_t type)
{
    static const char *const names[] = {
        "?",     "tcb",    "sched_context",          "cnode",    "endpoint",   "notification",
        "reply", "vspace", "page_dir_pointer_table", "page_dir", "page_table", "frame"};
    return type < ARRAY_SIZE(names) ? names[type] : "?";
}
