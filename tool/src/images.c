/*
 * Program images and prefill files (see images.h).
 */
#include "images.h"
#include "elf_image.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* True when `name` has a ".." component. */
static bool climbs_up(const char *name)
{
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += len;
        p += *p == '/';
    }
    return false;
}

/* True when the real path of `file` lies inside the real path of `dir`. */
static bool inside_dir(const char *file, const char *dir)
{
    char *real_file = realpath(file, NULL), *real_dir = realpath(dir, NULL);
    bool inside = false;
    if (real_file && real_dir) {
        size_t len = strlen(real_dir);
        if (len == 1) /* the search directory is "/" */
            inside = true;
        else
            inside = strncmp(real_file, real_dir, len) == 0 && real_file[len] == '/';
    }
    free(real_file);
    free(real_dir);
    return inside;
}

/* Looks at one candidate path: FIND_OK (regular file), FIND_DIRECTORY or FIND_MISSING. */
static enum find_status look_at(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return FIND_MISSING;
    if (S_ISDIR(st.st_mode))
        return FIND_DIRECTORY;
    return S_ISREG(st.st_mode) ? FIND_OK : FIND_MISSING;
}

struct find_result search_path_find(const struct search_path *sp, const char *name,
                                    enum path_scope scope)
{
    struct find_result r = {FIND_MISSING, NULL};
    if (scope == PATHS_CONFINED && name[0] == '/')
        return (struct find_result){FIND_ABSOLUTE, NULL};
    if (scope == PATHS_CONFINED && climbs_up(name))
        return (struct find_result){FIND_PARENT, NULL};
    if (name[0] == '/') {
        r.status = look_at(name);
        r.path = r.status == FIND_OK ? xstrdup(name) : NULL;
        return r;
    }
    for (size_t i = 0; i < sp->count; i++) {
        size_t len = strlen(sp->dirs[i]) + strlen(name) + 2;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s", sp->dirs[i], name);
        enum find_status status = look_at(path);
        if (status == FIND_OK && scope == PATHS_CONFINED && !inside_dir(path, sp->dirs[i]))
            status = FIND_OUTSIDE;
        if (status == FIND_OK)
            return (struct find_result){FIND_OK, path};
        free(path);
        if (status != FIND_MISSING)
            return (struct find_result){status, NULL};
    }
    return r;
}

/* The search directories as one readable list. */
static void list_dirs(const struct search_path *sp, char *dirs, size_t size)
{
    size_t used = 0;
    dirs[0] = '\0';
    for (size_t i = 0; i < sp->count && used < size; i++)
        used += (size_t)snprintf(dirs + used, size - used, "%s%s", i ? ", " : "", sp->dirs[i]);
}

/* Reports why a file was not found or not taken; `what` is "program image" or "prefill file". */
static void report_unfound(struct diag_sink *d, const xmlNode *node, const char *attr,
                           const char *what, const char *name, const struct search_path *sp,
                           enum find_status status)
{
    char dirs[512];
    list_dirs(sp, dirs, sizeof(dirs));
    if (status == FIND_DIRECTORY)
        diag_node(d, DIAG_ERROR, node, attr,
                  "%s '%s' is a directory (in the search path %s); name the file inside it", what,
                  name, dirs);
    else if (status == FIND_ABSOLUTE || status == FIND_PARENT || status == FIND_OUTSIDE)
        diag_node(d, DIAG_ERROR, node, attr,
                  "%s '%s' %s, and files are read only from inside the search path (%s); "
                  "name it relative to a --search-path directory, or pass "
                  "--allow-outside-paths",
                  what, name,
                  status == FIND_ABSOLUTE ? "is an absolute path"
                  : status == FIND_PARENT ? "climbs out with '..'"
                                          : "is a symbolic link that leads outside it",
                  dirs);
    else
        diag_node(d, DIAG_ERROR, node, attr,
                  "%s '%s' is not found in the search path (%s); build it, or add its "
                  "directory with --search-path",
                  what, name, dirs);
}

/*
 * Looks up a file the description names. A missing file is an error only when files are
 * required; a refused path (outside the search path, a directory) always is.
 */
static char *find_named_file(struct diag_sink *d, const xmlNode *node, const char *attr,
                             const char *what, const char *name, const struct image_options *o)
{
    struct find_result r = search_path_find(o->search, name, o->scope);
    if (r.status != FIND_OK && (r.status != FIND_MISSING || o->need == IMAGES_REQUIRED))
        report_unfound(d, node, attr, what, name, o->search, r.status);
    return r.path;
}

/* Loads the image of one PD; false on error (reported). */
static bool load_image(struct model_pd *pd, const struct image_options *o, struct diag_sink *d)
{
    size_t before = d->errors;
    if (pd->late_node)
        return true; /* loaded late: no image to find */
    pd->image_path = find_named_file(d, pd->image_node, "path", "program image", pd->image, o);
    if (!pd->image_path)
        return d->errors == before;
    char why[256];
    pd->elf = elf_image_load(pd->image_path, why, sizeof(why));
    if (!pd->elf) {
        diag_node(d, DIAG_ERROR, pd->image_node, "path", "program image '%s' is %s%s", pd->image,
                  strncmp(why, "not", 3) == 0 ? "" : "unusable: ", why);
        return false;
    }
    return true;
}

/* The pages of one segment of an image, for sorting segments by address. */
struct segment_pages {
    uint64_t start, end; /* page-aligned, end exclusive */
    uint32_t index;      /* in the image */
};

static int compare_pages(const void *a, const void *b)
{
    const struct segment_pages *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/*
 * The segments of an image sorted by address, and for each position the one ending
 * last among it and those before it: what a mapping is compared with (range_vs_image).
 */
struct image_pages {
    struct segment_pages *sorted;
    uint32_t *reach; /* [k]: position in `sorted` of the one ending last among 0..k */
    size_t count;
};

static bool in_user_range(const struct elf_segment *s)
{
    return s->vaddr >= MODEL_USER_VADDR_MIN && s->vaddr + s->memsz <= MODEL_USER_VADDR_END;
}

static void image_pages_build(struct image_pages *p, const struct elf_image *img)
{
    p->count = img->segment_count;
    p->sorted = xcalloc(p->count, sizeof(*p->sorted));
    p->reach = xcalloc(p->count, sizeof(*p->reach));
    for (size_t i = 0; i < p->count; i++) {
        const struct elf_segment *s = &img->segments[i];
        p->sorted[i] = (struct segment_pages){
            s->vaddr & ~0xfffULL, (s->vaddr + s->memsz + 0xfff) & ~0xfffULL, (uint32_t)i};
    }
    if (p->count > 1)
        qsort(p->sorted, p->count, sizeof(*p->sorted), compare_pages);
    for (size_t k = 0; k < p->count; k++)
        p->reach[k] =
            k && p->sorted[p->reach[k - 1]].end >= p->sorted[k].end ? p->reach[k - 1] : (uint32_t)k;
}

static void image_pages_free(struct image_pages *p)
{
    free(p->sorted);
    free(p->reach);
}

/*
 * Segments lie in the user range and do not overlap each other. Segments outside the
 * range have one cause (where the program was linked), so they make one message. Sorted
 * by address, each segment in the range is compared with the one before it that reaches
 * furthest: n log n, and each segment that shares a page with an earlier one is reported
 * once.
 */
static void check_segments(struct model_pd *pd, const struct image_pages *pages,
                           struct diag_sink *d)
{
    struct elf_image *img = pd->elf;
    const struct elf_segment *outside = NULL;
    size_t outside_count = 0;
    for (size_t i = 0; i < img->segment_count; i++) {
        if (!in_user_range(&img->segments[i])) {
            outside = outside ? outside : &img->segments[i];
            outside_count++;
        }
    }
    const struct segment_pages *reach = NULL;
    for (size_t k = 0; k < pages->count; k++) {
        const struct segment_pages *p = &pages->sorted[k];
        if (!in_user_range(&img->segments[p->index]))
            continue;
        if (reach && p->start < reach->end) {
            uint32_t first = p->index < reach->index ? p->index : reach->index;
            uint32_t second = p->index ^ reach->index ^ first;
            diag_node(d, DIAG_ERROR, pd->image_node, "path",
                      "program image '%s' has segments sharing a page (0x%" PRIx64 " and 0x%" PRIx64
                      "); link with -z max-page-size=0x1000 and "
                      "-z separate-code",
                      pd->image, img->segments[first].vaddr, img->segments[second].vaddr);
        }
        if (!reach || p->end > reach->end)
            reach = p;
    }
    if (!outside)
        return;
    char more[48] = "";
    if (outside_count > 1)
        snprintf(more, sizeof(more), " (and %zu more)", outside_count - 1);
    diag_node(d, DIAG_ERROR, pd->image_node, "path",
              "program image '%s' has a segment at 0x%" PRIx64 "-0x%" PRIx64
              "%s outside the user address range 0x%llx-0x%llx; link it inside "
              "(e.g. -Wl,-Ttext=0x400000)",
              pd->image, outside->vaddr, outside->vaddr + outside->memsz - 1, more,
              MODEL_USER_VADDR_MIN, MODEL_USER_VADDR_END - 1);
}

/*
 * Reports a mapping (map or BAR) of the PD that overlaps a page of the image: of the
 * segments that start below the mapping's end, the one that ends last (a binary search).
 */
static void check_range_vs_image(const struct model_pd *pd, const struct image_pages *pages,
                                 const xmlNode *node, uint64_t start, uint64_t end,
                                 struct diag_sink *d)
{
    size_t lo = 0, hi = pages->count; /* the first segment that starts at or after end */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pages->sorted[mid].start < end)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return;
    const struct segment_pages *s = &pages->sorted[pages->reach[lo - 1]];
    if (s->end <= start)
        return;
    diag_node(d, DIAG_ERROR, node, "vaddr",
              "vaddr range 0x%" PRIx64 "-0x%" PRIx64 " overlaps the segment 0x%" PRIx64
              "-0x%" PRIx64 " of program image '%s'; move the mapping to 0x%" PRIx64 " or above",
              start, end - 1, s->start, s->end - 1, pd->image, s->end);
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

/* The maps, BARs and setvars of each PD, grouped once for all images. */
struct pd_uses {
    struct model_groups maps, bars, setvars;
};

/* Checks one loaded image against the PD's mappings and setvars. */
static void check_image(struct model *m, const struct pd_uses *u, uint32_t p, struct diag_sink *d)
{
    struct model_pd *pd = MODEL_PD(m, p);
    struct image_pages pages;
    image_pages_build(&pages, pd->elf);
    check_segments(pd, &pages, d);
    for (uint32_t k = u->maps.first[p]; k < u->maps.first[p + 1]; k++) {
        struct model_map *map = MODEL_MAP(m, u->maps.index[k]);
        if (map->region != NO_INDEX) {
            uint64_t size = MODEL_REGION(m, map->region)->size;
            check_range_vs_image(pd, &pages, map->node, map->vaddr, map->vaddr + size, d);
        }
        check_symbol(pd, map->node, "setvar_vaddr", map->setvar_vaddr, &address_decl, d);
        check_symbol(pd, map->node, "setvar_paddr", map->setvar_paddr, &address_decl, d);
    }
    for (uint32_t k = u->bars.first[p]; k < u->bars.first[p + 1]; k++) {
        struct model_bar *bar = MODEL_BAR(m, u->bars.index[k]);
        check_range_vs_image(pd, &pages, bar->node, bar->vaddr, bar->vaddr + bar->size, d);
        check_symbol(pd, bar->node, "setvar_vaddr", bar->setvar_vaddr, &address_decl, d);
    }
    for (uint32_t k = u->setvars.first[p]; k < u->setvars.first[p + 1]; k++) {
        struct model_setvar *sv = MODEL_SETVAR(m, u->setvars.index[k]);
        check_symbol(pd, sv->node, "symbol", sv->symbol, &value_decl, d);
    }
    image_pages_free(&pages);
}

/* Finds a prefill file and checks that it fits its region. */
static void check_prefill(struct model_region *r, const struct image_options *o,
                          struct diag_sink *d)
{
    if (!r->prefill)
        return;
    r->prefill_path = find_named_file(d, r->node, "prefill", "prefill file", r->prefill, o);
    if (!r->prefill_path)
        return;
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

/*
 * `check` skips images it cannot find; says so once (not once per PD), at the first one,
 * so that a passing check is not mistaken for a check of the programs.
 */
static void warn_unchecked(const struct model *m, const struct image_options *o,
                           struct diag_sink *d)
{
    const struct model_pd *first = NULL;
    size_t missing = 0;
    for (size_t i = 0; i < m->pds.count; i++) {
        const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, i);
        if (!pd->image_path && pd->image) {
            first = first ? first : pd;
            missing++;
        }
    }
    if (!first)
        return;
    char dirs[512], more[48] = "";
    list_dirs(o->search, dirs, sizeof(dirs));
    if (missing > 1)
        snprintf(more, sizeof(more), " (and %zu more)", missing - 1);
    diag_node(d, DIAG_WARNING, first->image_node, "path",
              "program image '%s'%s is not in the search path (%s), so it was not checked; "
              "build the programs first, or `bastion build` will report it",
              first->image, more, dirs);
}

bool images_check(struct model *m, const struct image_options *o, struct diag_sink *d)
{
    size_t before = d->errors;
    struct pd_uses u;
    MODEL_GROUP_BY(&u.maps, m->pds.count, &m->maps, struct model_map, pd);
    MODEL_GROUP_BY(&u.bars, m->pds.count, &m->bars, struct model_bar, pd);
    MODEL_GROUP_BY(&u.setvars, m->pds.count, &m->setvars, struct model_setvar, pd);
    for (uint32_t i = 0; i < m->pds.count; i++)
        if (load_image(MODEL_PD(m, i), o, d) && MODEL_PD(m, i)->elf)
            check_image(m, &u, i, d);
    model_groups_free(&u.maps);
    model_groups_free(&u.bars);
    model_groups_free(&u.setvars);

    for (size_t i = 0; i < m->regions.count; i++)
        check_prefill(MODEL_REGION(m, i), o, d);
    if (o->need == IMAGES_IF_PRESENT && d->errors == before)
        warn_unchecked(m, o, d);
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
