/*
 * Program images and prefill files (see images.h).
 */
#include "images.h"
#include "elf_image.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *search_path_find(const struct search_path *sp, const char *name)
{
    if (name[0] == '/')
        return is_regular_file(name) ? xstrdup(name) : NULL;
    for (size_t i = 0; i < sp->count; i++) {
        size_t len = strlen(sp->dirs[i]) + strlen(name) + 2;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s", sp->dirs[i], name);
        if (is_regular_file(path))
            return path;
        free(path);
    }
    return NULL;
}

static void report_not_found(struct diag_sink *d, const xmlNode *node, const char *attr,
                             const char *what, const char *name, const struct search_path *sp)
{
    char dirs[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < sp->count && used < sizeof(dirs); i++)
        used +=
            (size_t)snprintf(dirs + used, sizeof(dirs) - used, "%s%s", i ? ", " : "", sp->dirs[i]);
    diag_node(d, DIAG_ERROR, node, attr,
              "%s '%s' is not found in the search path (%s); build it, or add its directory "
              "with --search-path",
              what, name, dirs);
}

/* Loads the image of one PD; false on error (reported). */
static bool load_image(struct model_pd *pd, const struct search_path *sp, enum image_need need,
                       struct diag_sink *d)
{
    pd->image_path = search_path_find(sp, pd->image);
    if (!pd->image_path) {
        if (need == IMAGES_REQUIRED)
            report_not_found(d, pd->image_node, "path", "program image", pd->image, sp);
        return need != IMAGES_REQUIRED;
    }
    char why[256];
    pd->elf = elf_image_load(pd->image_path, why, sizeof(why));
    if (!pd->elf) {
        diag_node(d, DIAG_ERROR, pd->image_node, "path", "program image '%s' is %s%s", pd->image,
                  strncmp(why, "not", 3) == 0 ? "" : "unusable: ", why);
        return false;
    }
    return true;
}

/* Segments lie in the user range and do not overlap each other. */
static void check_segments(struct model_pd *pd, struct diag_sink *d)
{
    struct elf_image *img = pd->elf;
    for (size_t i = 0; i < img->segment_count; i++) {
        struct elf_segment *s = &img->segments[i];
        if (s->vaddr < MODEL_USER_VADDR_MIN || s->vaddr + s->memsz > MODEL_USER_VADDR_END) {
            diag_node(d, DIAG_ERROR, pd->image_node, "path",
                      "program image '%s' has a segment at 0x%" PRIx64 "-0x%" PRIx64
                      " outside the user address range 0x%llx-0x%llx; link it inside "
                      "(e.g. -Wl,-Ttext=0x400000)",
                      pd->image, s->vaddr, s->vaddr + s->memsz - 1, MODEL_USER_VADDR_MIN,
                      MODEL_USER_VADDR_END - 1);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            struct elf_segment *t = &img->segments[j];
            uint64_t s0 = s->vaddr & ~0xfffULL, t0 = t->vaddr & ~0xfffULL;
            uint64_t s1 = (s->vaddr + s->memsz + 0xfff) & ~0xfffULL;
            uint64_t t1 = (t->vaddr + t->memsz + 0xfff) & ~0xfffULL;
            if (s0 < t1 && t0 < s1)
                diag_node(d, DIAG_ERROR, pd->image_node, "path",
                          "program image '%s' has segments sharing a page (0x%" PRIx64
                          " and 0x%" PRIx64 "); link with -z max-page-size=0x1000 and "
                          "-z separate-code",
                          pd->image, t->vaddr, s->vaddr);
        }
    }
}

/* Reports a mapping (map or BAR) of the PD that overlaps a page of the image. */
static void check_range_vs_image(const struct model_pd *pd, const xmlNode *node, uint64_t start,
                                 uint64_t end, struct diag_sink *d)
{
    for (size_t i = 0; i < pd->elf->segment_count; i++) {
        const struct elf_segment *s = &pd->elf->segments[i];
        uint64_t s0 = s->vaddr & ~0xfffULL, s1 = (s->vaddr + s->memsz + 0xfff) & ~0xfffULL;
        if (start < s1 && s0 < end) {
            diag_node(d, DIAG_ERROR, node, "vaddr",
                      "vaddr range 0x%" PRIx64 "-0x%" PRIx64 " overlaps the segment 0x%" PRIx64
                      "-0x%" PRIx64 " of program image '%s'; move the mapping to 0x%" PRIx64
                      " or above",
                      start, end - 1, s0, s1 - 1, pd->image, s1);
            return;
        }
    }
}

/* How a setvar's variable should be declared, for the hints of the messages below. */
struct setvar_decl {
    const char *ctype;   /* "uintptr_t" */
    const char *content; /* "an 8-byte address" */
};

static const struct setvar_decl address_decl = {"uintptr_t", "an 8-byte address"};
static const struct setvar_decl value_decl = {"uint64_t", "an 8-byte value"};

/* Why the symbol `s` cannot be a setvar target: NULL when it is a global variable. */
static const char *symbol_unfit(const struct elf_symbol *s)
{
    if (s->kind == ELF_SYMBOL_FUNC)
        return "is a function, not a variable";
    if (s->kind == ELF_SYMBOL_TLS)
        return "is a thread-local variable, which has no one address";
    if (s->kind != ELF_SYMBOL_OBJECT)
        return "is not a variable (its ELF symbol type is not STT_OBJECT)";
    if (!s->global)
        return "is a static (file-local) variable, whose value the compiler may assume never "
               "changes";
    return NULL;
}

/* The segment that holds all 8 bytes at `vaddr`, or NULL. */
static const struct elf_segment *segment_of(const struct elf_image *img, uint64_t vaddr)
{
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct elf_segment *seg = &img->segments[i];
        if (vaddr >= seg->vaddr && vaddr - seg->vaddr <= seg->memsz &&
            seg->memsz - (vaddr - seg->vaddr) >= 8)
            return seg;
    }
    return NULL;
}

/*
 * Checks one setvar symbol of a PD's image: a global variable of 8 bytes in a writable
 * loaded segment (a const one may have been folded into the code by the compiler).
 */
static void check_symbol(const struct model_pd *pd, const xmlNode *node, const char *attr,
                         const char *symbol, const struct setvar_decl *decl, struct diag_sink *d)
{
    if (!symbol)
        return;
    const struct elf_symbol *s = elf_find_symbol(pd->elf, symbol);
    if (!s) {
        diag_node(d, DIAG_ERROR, node, attr,
                  "symbol '%s' is not in program image '%s'; define it in the program as "
                  "`%s %s;`",
                  symbol, pd->image, decl->ctype, symbol);
        return;
    }
    const char *unfit = symbol_unfit(s);
    if (unfit) {
        diag_node(d, DIAG_ERROR, node, attr,
                  "symbol '%s' of program image '%s' %s; setvar needs a global variable, "
                  "declare it as `%s %s;`",
                  symbol, pd->image, unfit, decl->ctype, symbol);
        return;
    }
    if (s->size != 8) {
        diag_node(d, DIAG_ERROR, node, attr,
                  "symbol '%s' of program image '%s' is %" PRIu64 " bytes, but setvar writes "
                  "%s; declare it as `%s %s;`",
                  symbol, pd->image, s->size, decl->content, decl->ctype, symbol);
        return;
    }
    const struct elf_segment *seg = segment_of(pd->elf, s->value);
    if (!seg)
        diag_node(d, DIAG_ERROR, node, attr,
                  "symbol '%s' of program image '%s' is not in a loaded segment; make it a "
                  "global variable",
                  symbol, pd->image);
    else if (!(seg->perms & PERM_W))
        diag_node(d, DIAG_ERROR, node, attr,
                  "symbol '%s' of program image '%s' is in a read-only segment: the compiler "
                  "may have used its initial value in the code; declare it without const, "
                  "as `%s %s;`",
                  symbol, pd->image, decl->ctype, symbol);
}

/* Checks one loaded image against the PD's mappings and setvars. */
static void check_image(struct model *m, uint32_t p, struct diag_sink *d)
{
    struct model_pd *pd = MODEL_PD(m, p);
    check_segments(pd, d);
    for (size_t i = 0; i < m->maps.count; i++) {
        struct model_map *map = MODEL_MAP(m, i);
        if (map->pd != p)
            continue;
        if (map->region != NO_INDEX) {
            uint64_t size = MODEL_REGION(m, map->region)->size;
            check_range_vs_image(pd, map->node, map->vaddr, map->vaddr + size, d);
        }
        check_symbol(pd, map->node, "setvar_vaddr", map->setvar_vaddr, &address_decl, d);
        check_symbol(pd, map->node, "setvar_paddr", map->setvar_paddr, &address_decl, d);
    }
    for (size_t i = 0; i < m->bars.count; i++) {
        struct model_bar *bar = MODEL_BAR(m, i);
        if (bar->pd != p)
            continue;
        check_range_vs_image(pd, bar->node, bar->vaddr, bar->vaddr + bar->size, d);
        check_symbol(pd, bar->node, "setvar_vaddr", bar->setvar_vaddr, &address_decl, d);
    }
    for (size_t i = 0; i < m->setvars.count; i++) {
        struct model_setvar *sv = MODEL_SETVAR(m, i);
        if (sv->pd == p)
            check_symbol(pd, sv->node, "symbol", sv->symbol, &value_decl, d);
    }
}

/* Finds a prefill file and checks that it fits its region. */
static void check_prefill(struct model_region *r, const struct search_path *sp,
                          enum image_need need, struct diag_sink *d)
{
    if (!r->prefill)
        return;
    r->prefill_path = search_path_find(sp, r->prefill);
    if (!r->prefill_path) {
        if (need == IMAGES_REQUIRED)
            report_not_found(d, r->node, "prefill", "prefill file", r->prefill, sp);
        return;
    }
    struct stat st;
    if (stat(r->prefill_path, &st) != 0)
        return;
    r->prefill_size = (uint64_t)st.st_size;
    if (r->prefill_size > r->size)
        diag_node(d, DIAG_ERROR, r->node, "prefill",
                  "prefill file '%s' is %" PRIu64 " bytes, more than the region's size 0x%" PRIx64
                  "; make the region bigger",
                  r->prefill, r->prefill_size, r->size);
}

bool images_check(struct model *m, const struct search_path *sp, enum image_need need,
                  struct diag_sink *d)
{
    size_t before = d->errors;
    for (uint32_t i = 0; i < m->pds.count; i++)
        if (load_image(MODEL_PD(m, i), sp, need, d) && MODEL_PD(m, i)->elf)
            check_image(m, i, d);
    for (size_t i = 0; i < m->regions.count; i++)
        check_prefill(MODEL_REGION(m, i), sp, need, d);
    return d->errors == before;
}

/* Patches `symbol` (checked to exist) of a PD's image with value. */
static void patch(struct model_pd *pd, const char *symbol, uint64_t value)
{
    const struct elf_symbol *s = symbol && pd->elf ? elf_find_symbol(pd->elf, symbol) : NULL;
    if (s)
        elf_patch_u64(pd->elf, s->value, value);
}

void images_apply_setvars(struct model *m)
{
    for (size_t i = 0; i < m->maps.count; i++) {
        struct model_map *map = MODEL_MAP(m, i);
        struct model_pd *pd = MODEL_PD(m, map->pd);
        patch(pd, map->setvar_vaddr, map->vaddr);
        struct model_region *r = MODEL_REGION(m, map->region);
        if (r->has_phys)
            patch(pd, map->setvar_paddr, r->phys_addr);
    }
    for (size_t i = 0; i < m->bars.count; i++) {
        struct model_bar *bar = MODEL_BAR(m, i);
        patch(MODEL_PD(m, bar->pd), bar->setvar_vaddr, bar->vaddr);
    }
    for (size_t i = 0; i < m->setvars.count; i++) {
        struct model_setvar *sv = MODEL_SETVAR(m, i);
        patch(MODEL_PD(m, sv->pd), sv->symbol, sv->value);
    }
}
