/*
 * Lookup and clean-up for the system model (see model.h).
 */
#include "model.h"
#include "elf_image.h"

#include <stdlib.h>
#include <string.h>

void model_free(struct model *m)
{
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
    vec_free(&m->domains);
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
