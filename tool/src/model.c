/*
 * Lookup and clean-up for the system model (see model.h).
 */
#include "model.h"
#include "elf_image.h"
#include "flow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model_free(struct model *m)
{
    flow_free(m->flow);
    for (size_t i = 0; i < m->pds.count; i++) {
        free(MODEL_PD(m, i)->image_path);
        elf_image_free(MODEL_PD(m, i)->elf);
    }
    for (size_t i = 0; i < m->regions.count; i++)
        free(MODEL_REGION(m, i)->prefill_path);
    vec_free(&m->pds);
    vec_free(&m->regions);
    vec_free(&m->maps);
    vec_free(&m->channels);
    vec_free(&m->irqs);
    vec_free(&m->ioports);
    vec_free(&m->pcis);
    vec_free(&m->bars);
    vec_free(&m->setvars);
    vec_free(&m->domains);
    vec_free(&m->vms);
    vec_free(&m->vm_maps);
}

void model_group(struct model_groups *g, size_t groups, const struct vec *v, size_t elem_size,
                 size_t key_offset)
{
    g->first = xcalloc(groups + 2, sizeof(*g->first));
    g->index = xcalloc(v->count, sizeof(*g->index));
    const char *items = v->items;
    for (size_t i = 0; i < v->count; i++) {
        uint32_t key;
        memcpy(&key, items + i * elem_size + key_offset, sizeof(key));
        g->first[(key < groups ? key : groups) + 1]++;
    }
    for (size_t k = 0; k <= groups; k++)
        g->first[k + 1] += g->first[k];
    uint32_t *next = xcalloc(groups + 1, sizeof(*next));
    memcpy(next, g->first, (groups + 1) * sizeof(*next));
    for (size_t i = 0; i < v->count; i++) {
        uint32_t key;
        memcpy(&key, items + i * elem_size + key_offset, sizeof(key));
        g->index[next[key < groups ? key : groups]++] = (uint32_t)i;
    }
    free(next);
}

void model_groups_free(struct model_groups *g)
{
    free(g->first);
    free(g->index);
    g->first = g->index = NULL;
}

uint32_t model_find_pd(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->pds.count; i++) {
        const char *n = VEC_AT(&m->pds, struct model_pd, i)->name;
        if (n && strcmp(n, name) == 0)
            return (uint32_t)i;
    }
    return NO_INDEX;
}

uint32_t model_find_region(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->regions.count; i++) {
        const char *n = VEC_AT(&m->regions, struct model_region, i)->name;
        if (n && strcmp(n, name) == 0)
            return (uint32_t)i;
    }
    return NO_INDEX;
}

uint32_t model_find_domain(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->domains.count; i++) {
        const char *n = VEC_AT(&m->domains, struct model_domain, i)->name;
        if (n && strcmp(n, name) == 0)
            return (uint32_t)i;
    }
    return NO_INDEX;
}

void perms_to_text(uint8_t perms, char *buf)
{
    size_t n = 0;
    if (perms & PERM_R)
        buf[n++] = 'r';
    if (perms & PERM_W)
        buf[n++] = 'w';
    if (perms & PERM_X)
        buf[n++] = 'x';
    buf[n] = '\0';
}

const char *setvar_kind_name(enum setvar_kind kind)
{
    return kind == SETVAR_MAC ? "mac" : kind == SETVAR_IPV4 ? "ipv4" : "value";
}

void setvar_to_text(const struct model_setvar *sv, char *buf)
{
    uint64_t v = sv->value;
    if (sv->kind == SETVAR_MAC)
        snprintf(buf, MODEL_SETVAR_TEXT, "%02x:%02x:%02x:%02x:%02x:%02x",
                 (unsigned)(v >> 40) & 0xff, (unsigned)(v >> 32) & 0xff, (unsigned)(v >> 24) & 0xff,
                 (unsigned)(v >> 16) & 0xff, (unsigned)(v >> 8) & 0xff, (unsigned)v & 0xff);
    else if (sv->kind == SETVAR_IPV4)
        snprintf(buf, MODEL_SETVAR_TEXT, "%u.%u.%u.%u", (unsigned)(v >> 24) & 0xff,
                 (unsigned)(v >> 16) & 0xff, (unsigned)(v >> 8) & 0xff, (unsigned)v & 0xff);
    else
        snprintf(buf, MODEL_SETVAR_TEXT, "0x%" PRIx64, v);
}
