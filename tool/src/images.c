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

/*
 * Segments lie in the user range and do not overlap each other. Segments outside the
 * range have one cause (where the program was linked), so they make one message.
 */
static void check_segments(struct model_pd *pd, struct diag_sink *d)
{
    struct elf_image *img = pd->elf;
    const struct elf_segment *outside = NULL;
    size_t outside_count = 0;
    for (size_t i = 0; i < img->segment_count; i++) {
        struct elf_segment *s = &img->segments[i];
        if (s->vaddr < MODEL_USER_VADDR_MIN || s->vaddr + s->memsz > MODEL_USER_VADDR_END) {
            outside = outside ? outside : s;
            outside_count++;
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
    for (uint32_t i = 0; i < m->pds.count; i++)
        if (load_image(MODEL_PD(m, i), o, d) && MODEL_PD(m, i)->elf)
            check_image(m, i, d);

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
