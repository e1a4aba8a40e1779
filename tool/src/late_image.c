/*
 * Empty PDs, loaded late (docs/late-loading.md). A PD with <late_image> instead of
 * <program_image> is built with everything but its program: the tool lays out frames and
 * page tables for the range [vaddr, vaddr + max_size) its image may occupy and writes the
 * digests its image may have into the spec; init maps nothing there until the PD's
 * parent asks it to load an image that passes init's checks.
 *
 * Every check here is per element or one pass over the maps, BARs and setvars: linear.
 */
#include "late_image.h"
#include "attrs.h"
#include "parse.h"

#include <bastion/spec.h>
#include <inttypes.h>
#include <string.h>

/* Largest image range: 1 GiB (init copies the image page by page; a bound keeps the
 * frames the tool asks init for within reason). */
#define LATE_MAX_SIZE 0x40000000ULL

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 64 hexadecimal digits (either case) into 32 bytes; false for anything else. */
static bool parse_sha256(const char *text, uint8_t out[LATE_DIGEST_SIZE])
{
    if (strlen(text) != 2 * LATE_DIGEST_SIZE)
        return false;
    for (unsigned i = 0; i < LATE_DIGEST_SIZE; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool parse_digest(xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"sha256", NULL};
    uint8_t digest[LATE_DIGEST_SIZE];
    bool ok = attrs_only(d, node, allowed) && parse_empty(node, d);
    const char *text = attr_text(node, "sha256");
    if (!text) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "missing required attribute 'sha256'; add sha256=\"...\" (64 hexadecimal "
                  "digits: `sha256sum IMAGE.elf`)");
        return false;
    }
    if (!parse_sha256(text, digest)) {
        diag_node(d, DIAG_ERROR, node, "sha256",
                  "sha256 '%s' is not a SHA-256 digest; write its 64 hexadecimal digits "
                  "(%zu given), as `sha256sum IMAGE.elf` prints them",
                  text, strlen(text));
        return false;
    }
    return ok;
}

/* vaddr and max_size: page-aligned, inside the user range. */
static bool parse_range(struct model_pd *pd, xmlNode *node, struct diag_sink *d)
{
    bool ok = attr_u64(d, node, "vaddr", ATTR_REQUIRED, 0, BASTION_USER_VADDR_MIN,
                       BASTION_USER_VADDR_END - BASTION_PAGE_SIZE, &pd->late_vaddr);
    ok &= attr_u64(d, node, "max_size", ATTR_REQUIRED, 0, BASTION_PAGE_SIZE, LATE_MAX_SIZE,
                   &pd->late_max_size);
    if (!ok)
        return false;
    if (pd->late_vaddr % BASTION_PAGE_SIZE) {
        diag_node(d, DIAG_ERROR, node, "vaddr",
                  "vaddr %s is not aligned to the page size 0x1000; align it to 0x1000",
                  attr_text(node, "vaddr"));
        return false;
    }
    if (pd->late_max_size % BASTION_PAGE_SIZE) {
        diag_node(d, DIAG_ERROR, node, "max_size",
                  "max_size %s is not a multiple of the page size 0x1000; round it up to "
                  "0x%" PRIx64,
                  attr_text(node, "max_size"), (uint64_t)((pd->late_max_size + 0xfff) & ~0xfffULL));
        return false;
    }
    if (pd->late_vaddr + pd->late_max_size > BASTION_USER_VADDR_END) {
        diag_node(d, DIAG_ERROR, node, "max_size",
                  "the image range 0x%" PRIx64 "-0x%" PRIx64 " passes the end of the user "
                  "range 0x%" PRIx64 "; make max_size smaller or move vaddr down",
                  pd->late_vaddr, pd->late_vaddr + pd->late_max_size - 1,
                  (uint64_t)BASTION_USER_VADDR_END);
        return false;
    }
    return true;
}

bool parse_late_image(struct model *m, xmlNode *node, uint32_t p, struct diag_sink *d)
{
    static const char *const allowed[] = {"vaddr", "max_size", NULL};
    struct model_pd *pd = MODEL_PD(m, p);
    if (pd->image_node || pd->late_node) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a protection domain has exactly one <program_image> or <late_image>; "
                  "remove this one");
        return false;
    }
    pd->late_node = node;
    pd->image_node = node; /* a PD has its image, if late: the missing-image check holds */
    bool ok = attrs_only(d, node, allowed) && parse_range(pd, node, d);
    ok &= parse_no_text(node, d);
    uint32_t digests = 0;
    for (xmlNode *c = node->children; c; c = c->next) {
        static const char *const children[] = {"digest", NULL};
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "digest") != 0) {
            parse_unknown_element(c, children, d);
            ok = false;
        } else if (++digests > LATE_IMAGE_MAX_DIGESTS) {
            diag_node(d, DIAG_ERROR, c, NULL,
                      "a <late_image> lists at most %u digests; remove this one",
                      LATE_IMAGE_MAX_DIGESTS);
            ok = false;
        } else {
            ok &= parse_digest(c, d);
        }
    }
    if (digests == 0) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a <late_image> needs at least one <digest sha256=\"...\"/>: the images the "
                  "PD may be given");
        ok = false;
    }
    pd->late_digests = digests;
    return ok;
}

uint32_t late_image_digests(const struct model_pd *pd, uint8_t out[][LATE_DIGEST_SIZE])
{
    uint32_t n = 0;
    for (xmlNode *c = pd->late_node ? pd->late_node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && n < LATE_IMAGE_MAX_DIGESTS &&
            parse_sha256(attr_text(c, "sha256"), out[n]))
            n++;
    return n;
}

/* A mapping [start, end) of late PD `pd`'s that overlaps its image range. */
static bool overlaps_late(const struct model_pd *pd, uint64_t start, uint64_t end)
{
    return pd->late_node && start < pd->late_vaddr + pd->late_max_size && pd->late_vaddr < end;
}

static void report_overlap(const struct model_pd *pd, const xmlNode *node, uint64_t start,
                           uint64_t end, struct diag_sink *d)
{
    diag_node(d, DIAG_ERROR, node, "vaddr",
              "vaddr 0x%" PRIx64 ": the mapping 0x%" PRIx64 "-0x%" PRIx64 " of protection domain "
              "'%s' overlaps its late image range 0x%" PRIx64 "-0x%" PRIx64
              "; move it to 0x%" PRIx64 " or above",
              start, start, end - 1, pd->name, pd->late_vaddr,
              pd->late_vaddr + pd->late_max_size - 1, pd->late_vaddr + pd->late_max_size);
}

bool late_images_check(const struct model *m, struct diag_sink *d)
{
    size_t before = d->errors;
    for (size_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, i);
        const struct model_pd *pd = MODEL_PD(m, map->pd);
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, map->region);
        if (overlaps_late(pd, map->vaddr, map->vaddr + r->size))
            report_overlap(pd, map->node, map->vaddr, map->vaddr + r->size, d);
        const char *attr = map->setvar_vaddr ? "setvar_vaddr" : "setvar_paddr";
        if (pd->late_node && (map->setvar_vaddr || map->setvar_paddr))
            diag_node(d, DIAG_ERROR, map->node, attr,
                      "protection domain '%s' is loaded late: it has no image at build time "
                      "to patch; remove %s",
                      pd->name, attr);
    }
    for (size_t i = 0; i < m->bars.count; i++) {
        const struct model_bar *bar = VEC_AT(&m->bars, struct model_bar, i);
        const struct model_pd *pd = MODEL_PD(m, bar->pd);
        if (overlaps_late(pd, bar->vaddr, bar->vaddr + bar->size))
            report_overlap(pd, bar->node, bar->vaddr, bar->vaddr + bar->size, d);
        if (pd->late_node && bar->setvar_vaddr)
            diag_node(d, DIAG_ERROR, bar->node, "setvar_vaddr",
                      "protection domain '%s' is loaded late: it has no image at build time "
                      "to patch; remove setvar_vaddr",
                      pd->name);
    }
    for (size_t i = 0; i < m->setvars.count; i++) {
        const struct model_setvar *sv = VEC_AT(&m->setvars, struct model_setvar, i);
        const struct model_pd *pd = MODEL_PD(m, sv->pd);
        if (pd->late_node)
            diag_node(d, DIAG_ERROR, sv->node, NULL,
                      "protection domain '%s' is loaded late: it has no image at build time "
                      "for <setvar> to patch; remove it",
                      pd->name);
    }
    return d->errors == before;
}

void late_image_json(struct json_emitter *j, const struct model_pd *pd)
{
    uint8_t digests[LATE_IMAGE_MAX_DIGESTS][LATE_DIGEST_SIZE];
    uint32_t n = late_image_digests(pd, digests);
    json_object_begin(j, "late_image");
    json_hex(j, "vaddr", pd->late_vaddr);
    json_hex(j, "max_size", pd->late_max_size);
    json_array_begin(j, "sha256");
    for (uint32_t i = 0; i < n; i++) {
        char hex[2 * LATE_DIGEST_SIZE + 1];
        for (unsigned k = 0; k < LATE_DIGEST_SIZE; k++)
            snprintf(hex + 2 * k, 3, "%02x", digests[i][k]);
        json_string(j, NULL, hex);
    }
    json_array_end(j);
    json_object_end(j);
}

void late_image_report(FILE *out, const struct model_pd *pd)
{
    fprintf(out,
            "    late image 0x%012" PRIx64 "-0x%012" PRIx64 " (max 0x%" PRIx64 " bytes, %u "
            "digest%s)\n",
            pd->late_vaddr, pd->late_vaddr + pd->late_max_size - 1, pd->late_max_size,
            pd->late_digests, pd->late_digests == 1 ? "" : "s");
}
