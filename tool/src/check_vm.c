/*
 * Checks of <virtual_machine> (docs/system-description.md, "<virtual_machine>"): one
 * guest per VMM PD, run on that PD's thread (so one <vcpu>, and the PD must have its own
 * scheduling context), at least some guest memory, and each guest <map> a region at a
 * guest-physical address aligned to the region's pages, below the top of guest-physical
 * space and overlapping no other map of that guest.
 */
#include "check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Guest maps of every VM sorted by (vm, gpa), for the overlap check. */
struct gpa_range {
    uint32_t vm;
    uint64_t first, last; /* inclusive */
    const struct model_vm_map *map;
};

static int compare_gpa(const void *a, const void *b)
{
    const struct gpa_range *x = a, *y = b;
    if (x->vm != y->vm)
        return x->vm < y->vm ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return 0;
}

void check_vm_resolve(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->vm_maps.count; i++) {
        struct model_vm_map *map = MODEL_VM_MAP(m, i);
        for (uint32_t r = 0; r < m->regions.count && map->region == NO_INDEX; r++)
            if (map->region_name && strcmp(MODEL_REGION(m, r)->name, map->region_name) == 0)
                map->region = r;
        if (map->region == NO_INDEX && map->region_name)
            diag_node(d, DIAG_ERROR, map->node, "mr",
                      "mr '%s' does not name a <memory_region>; declare <memory_region "
                      "name=\"%s\" ...> or fix the name",
                      map->region_name, map->region_name);
    }
}

bool check_vm_maps_region(const struct model *m, uint32_t region)
{
    for (size_t i = 0; i < m->vm_maps.count; i++)
        if (MODEL_VM_MAP(m, i)->region == region)
            return true;
    return false;
}

/* One VM's own rules: its PD, its vCPUs, some memory. */
static void check_one_vm(struct model *m, uint32_t v, const uint32_t *maps_of, struct diag_sink *d)
{
    const struct model_vm *vm = MODEL_VM(m, v);
    const struct model_pd *pd = MODEL_PD(m, vm->pd);
    for (uint32_t w = 0; w < v; w++) {
        const struct model_vm *other = MODEL_VM(m, w);
        if (other->pd == vm->pd)
            diag_node(d, DIAG_ERROR, vm->node, NULL,
                      "protection_domain '%s' already runs the <virtual_machine> '%s' at line "
                      "%d: a VMM PD runs one guest, on its one thread; give this guest its own "
                      "VMM PD",
                      pd->name, other->name, check_line(other->node));
        else if (vm->name && other->name && strcmp(vm->name, other->name) == 0)
            diag_node(d, DIAG_ERROR, vm->node, "name",
                      "virtual_machine name '%s' is already used at line %d; rename one", vm->name,
                      check_line(other->node));
    }
    if (vm->vcpus == 0)
        diag_node(d, DIAG_ERROR, vm->node, NULL,
                  "virtual_machine '%s' has no <vcpu>; add <vcpu id=\"0\"/>", vm->name);
    else if (vm->vcpus > MODEL_MAX_VCPUS)
        diag_node(d, DIAG_ERROR, vm->node, NULL,
                  "virtual_machine '%s' has %u <vcpu>s, but its VMM PD runs the guest on its "
                  "one thread, so it can have only %u; remove the others",
                  vm->name, vm->vcpus, MODEL_MAX_VCPUS);
    if (pd->passive)
        diag_node(d, DIAG_ERROR, vm->node, NULL,
                  "virtual_machine '%s' is run by protection_domain '%s', which is passive: the "
                  "guest runs on the VMM's own scheduling context; remove passive=\"true\"",
                  vm->name, pd->name);
    if (maps_of[v] == 0)
        diag_node(d, DIAG_ERROR, vm->node, NULL,
                  "virtual_machine '%s' has no memory; add <map mr=\"...\" gpa=\"0x0\"/> for "
                  "its RAM",
                  vm->name);
}

/* Does the VMM PD map `region` into its own address space? */
static bool vmm_maps(const struct model *m, uint32_t pd, uint32_t region)
{
    for (size_t i = 0; i < m->maps.count; i++)
        if (MODEL_MAP(m, i)->pd == pd && MODEL_MAP(m, i)->region == region)
            return true;
    return false;
}

/* One guest map: alignment, the top of guest-physical space; collects its range. */
static void check_vm_map(struct model *m, const struct model_vm_map *map, struct vec *ranges,
                         struct diag_sink *d)
{
    if (map->region == NO_INDEX)
        return;
    const struct model_region *r = MODEL_REGION(m, map->region);
    const struct model_vm *vm = MODEL_VM(m, map->vm);
    if (!(map->perms & PERM_R)) {
        diag_node(d, DIAG_ERROR, map->node, "perms",
                  "perms without r: the guest's writes and instruction fetches read the page "
                  "too (the frame is mapped readable for both); add r");
        return;
    }
    if (map->gpa % r->page_size) {
        diag_node(d, DIAG_ERROR, map->node, "gpa",
                  "gpa 0x%" PRIx64 " is not aligned to region '%s''s page size 0x%" PRIx64
                  "; align it",
                  map->gpa, r->name, r->page_size);
        return;
    }
    if (map->gpa >= MODEL_GUEST_PHYS_TOP || r->size > MODEL_GUEST_PHYS_TOP - map->gpa) {
        diag_node(d, DIAG_ERROR, map->node, "gpa",
                  "region '%s' at gpa 0x%" PRIx64 " (0x%" PRIx64 " bytes) passes the top of "
                  "guest-physical space 0x%llx; move it lower",
                  r->name, map->gpa, r->size, (unsigned long long)MODEL_GUEST_PHYS_TOP);
        return;
    }
    if (!vmm_maps(m, vm->pd, map->region))
        diag_node(d, DIAG_WARNING, map->node, "mr",
                  "mr '%s': the VMM protection_domain '%s' does not map this region itself, "
                  "so it cannot load or inspect the guest's memory there; add a <map> of it "
                  "to the VMM if it should",
                  r->name, MODEL_PD(m, vm->pd)->name);
    struct gpa_range *g = vec_push(ranges, sizeof(*g));
    *g = (struct gpa_range){
        .vm = map->vm, .first = map->gpa, .last = map->gpa + r->size - 1, .map = map};
}

static void check_gpa_overlaps(const struct model *m, struct vec *ranges, struct diag_sink *d)
{
    vec_sort(ranges, sizeof(struct gpa_range), compare_gpa);
    const struct gpa_range *prev = NULL;
    for (size_t i = 0; i < ranges->count; i++) {
        const struct gpa_range *g = VEC_AT(ranges, struct gpa_range, i);
        if (prev && prev->vm == g->vm && g->first <= prev->last) {
            const struct model_vm_map *a = prev->map, *b = g->map;
            /* Report at the later element, naming the earlier one. */
            if (check_line(a->node) > check_line(b->node)) {
                const struct model_vm_map *t = a;
                a = b;
                b = t;
            }
            diag_node(d, DIAG_ERROR, b->node, "gpa",
                      "gpa 0x%" PRIx64 ": region '%s' here overlaps region '%s' at line %d in "
                      "virtual_machine '%s''s guest-physical space; move one",
                      b->gpa, MODEL_REGION(m, b->region)->name, MODEL_REGION(m, a->region)->name,
                      check_line(a->node), MODEL_VM(m, g->vm)->name);
        }
        if (!prev || prev->vm != g->vm || g->last > prev->last)
            prev = g;
    }
}

void check_vm(struct model *m, struct diag_sink *d)
{
    if (m->vms.count == 0)
        return;
    uint32_t *maps_of = calloc(m->vms.count, sizeof(*maps_of));
    if (!maps_of)
        abort();
    for (size_t i = 0; i < m->vm_maps.count; i++)
        maps_of[MODEL_VM_MAP(m, i)->vm]++;
    for (uint32_t v = 0; v < m->vms.count; v++)
        check_one_vm(m, v, maps_of, d);
    struct vec ranges = {0};
    for (size_t i = 0; i < m->vm_maps.count; i++)
        check_vm_map(m, MODEL_VM_MAP(m, i), &ranges, d);
    check_gpa_overlaps(m, &ranges, d);
    vec_free(&ranges);
    free(maps_of);
}
