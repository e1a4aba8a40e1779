/*
 * The boot check of cache colouring (colour.h): before any PD starts, init asks the
 * kernel for the physical address of every frame it made for a coloured domain (image
 * segments, stacks, IPC buffers, the domain's own regions; FRAME_GET_ADDRESS) and
 * checks that each page's colour is in that domain's set, and that no colour appears in
 * the frames of two domains. It reads the addresses, not the pools' bookkeeping, so an
 * allocator that ignored colours (init-nocolour.elf) fails it.
 *
 * The kernel code each coloured domain runs on (its copy of the kernel image) is checked
 * from the kernel's translation tables (colour_check_kimages(), colour_kimage.c), and its
 * colours join the domain's in the test that no colour is in two domains.
 *
 * Kernel objects (TCBs, scheduling contexts, CNodes, VSpaces and page tables,
 * endpoints, notifications, replies, the endpoint init adds for a parent, a guest's
 * VCPU, GSPACE and guest page tables, a device's I/O space and I/O page tables, and each
 * copy's KERNEL_IMAGE object) are checked the same way from their physical addresses
 * (DOMAIN_OBJECT_ADDRESS): every page an object spans must have one of its domain's
 * colours, and those colours join the test that no colour is in two domains. An
 * allocator that gave kernel objects any RAM (init-nocolourobj.elf) fails it.
 */
#include "colour.h"

#include <libbastion/kimage.h>
#include <libbastion/vspace.h>

#define DOMAINS_MAX 256
#define SEEN_WORDS  (BASTION_COLOURS_MAX / 64)

static uint64_t seen[DOMAINS_MAX][SEEN_WORDS]; /* colours seen in each domain's frames */
static uint64_t frames_of[DOMAINS_MAX];
static uint64_t objects_of[DOMAINS_MAX];

struct verdict {
    uint64_t frames, wrong;
    char first[200]; /* the first wrong frame or object, in words */
};

static void wrong(struct verdict *v, uint32_t i, uint64_t k, const char *why)
{
    if (v->wrong++ == 0)
        bst_snprintf(v->first, sizeof(v->first), "object entry %u, frame %lu: %s", i,
                     (unsigned long)k, why);
}

/* The frames of OBJECTS entry i, which must lie in domain d's colours. */
static void check_frames(uint32_t i, uint32_t d, struct verdict *v)
{
    const struct bastion_spec_object *o = &the_spec.objects[i];
    uint32_t n = colour_total();
    char why[128];
    for (uint64_t k = 0; k < o->count; k++) {
        uint64_t paddr = 0;
        bst_error_t e = bst_frame_get_address(object_slot(i, k), &paddr);
        v->frames++;
        frames_of[d]++;
        if (e != BST_OK) {
            bst_snprintf(why, sizeof(why), "no physical address (%s)", bst_error_name(e));
            wrong(v, i, k, why);
            continue;
        }
        for (uint64_t page = 0; page < (1ULL << (o->size_bits - 12)) && page < n; page++) {
            uint32_t c = (uint32_t)(((paddr >> 12) + page) & (n - 1));
            seen[d][c / 64] |= 1ULL << (c % 64);
            if (!colour_in_set(d, c)) {
                bst_snprintf(why, sizeof(why),
                             "physical address 0x%lx has colour %u, not domain '%s''s",
                             (unsigned long)(paddr + page * 4096), c,
                             spec_string(&the_spec, the_spec.domains[d].name));
                wrong(v, i, k, why);
                break;
            }
        }
    }
}

static const char *pd_name(uint32_t p)
{
    return spec_string(&the_spec, the_spec.pds[p].name);
}

/* A spec object type's name, for messages. */
static const char *object_name(uint32_t type)
{
    static const char *const names[] = {
        [BASTION_OBJ_TCB] = "TCB",
        [BASTION_OBJ_SCHED_CONTEXT] = "scheduling context",
        [BASTION_OBJ_CNODE] = "CNode",
        [BASTION_OBJ_ENDPOINT] = "endpoint",
        [BASTION_OBJ_NOTIFICATION] = "notification",
        [BASTION_OBJ_REPLY] = "reply object",
        [BASTION_OBJ_VSPACE] = "VSpace",
        [BASTION_OBJ_PAGE_DIR_PT] = "page directory pointer table",
        [BASTION_OBJ_PAGE_DIR] = "page directory",
        [BASTION_OBJ_PAGE_TABLE] = "page table",
    };
    return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "object";
}

/* The kernel object at `slot` (in init's CNode), which must lie in domain d's colours;
 * `what` names it for the message. */
static void check_object(uint64_t slot, uint32_t d, const char *what, struct verdict *v)
{
    uint64_t paddr = 0, bits = 0;
    bst_error_t e = bst_domain_object_address(BST_SLOT_DOMAIN_CONTROL, slot, &paddr, &bits);
    uint32_t n = colour_total();
    v->frames++;
    objects_of[d]++;
    if (e != BST_OK) {
        if (v->wrong++ == 0)
            bst_snprintf(v->first, sizeof(v->first), "%s: no physical address (%s)", what,
                         bst_error_name(e));
        return;
    }
    uint64_t pages = bits > 12 ? 1ULL << (bits - 12) : 1;
    for (uint64_t page = 0; page < pages && page < n; page++) {
        uint32_t c = (uint32_t)(((paddr >> 12) + page) & (n - 1));
        seen[d][c / 64] |= 1ULL << (c % 64);
        if (!colour_in_set(d, c)) {
            if (v->wrong++ == 0)
                bst_snprintf(v->first, sizeof(v->first),
                             "%s at physical 0x%lx has colour %u, not domain '%s''s", what,
                             (unsigned long)(paddr + page * 4096), c,
                             spec_string(&the_spec, the_spec.domains[d].name));
            return;
        }
    }
}

/* The kernel objects of coloured domains' guests (VCPU, GSPACE, guest page tables) and
 * devices (I/O space and I/O page tables): kinds[0] counts the guests' apart, kinds[1]
 * the devices', so that a test can see each checked; v counts them with every other
 * object. */
static void check_guest_objects(struct verdict *v, struct verdict kinds[2])
{
    const struct colour_pd_object *po;
    uint32_t n = colour_pd_objects(&po);
    char what[96];
    for (uint32_t k = 0; k < n; k++) {
        if (po[k].domain >= DOMAINS_MAX)
            continue;
        bst_snprintf(what, sizeof(what), "PD '%s''s %s", pd_name(po[k].pd), po[k].what);
        uint64_t before = v->wrong;
        check_object(po[k].slot, po[k].domain, what, v);
        struct verdict *kind = &kinds[po[k].device];
        kind->frames++;
        if (v->wrong != before && kind->wrong++ == 0)
            bst_snprintf(kind->first, sizeof(kind->first), "%s", what);
    }
}

static const char *const kind_words[2] = {"guests (VCPU, GSPACE, guest page tables)",
                                          "devices (I/O spaces and I/O page tables)"};

/* Every kernel object init made from a coloured domain's colours. */
static void check_objects(struct verdict *v)
{
    const struct spec *s = &the_spec;
    char what[96];
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_OBJECTS]; i++) {
        const struct bastion_spec_object *o = &s->objects[i];
        uint32_t d = colour_object_domain(i);
        if (d == BASTION_SPEC_NONE || d >= DOMAINS_MAX || o->type == BASTION_OBJ_FRAME)
            continue;
        for (uint64_t k = 0; k < o->count; k++) {
            bst_snprintf(what, sizeof(what), "PD '%s''s %s (object entry %u, #%lu)", pd_name(o->pd),
                         object_name(o->type), i, (unsigned long)k);
            check_object(object_slot(i, k), d, what, v);
        }
    }
    for (uint32_t p = 0; p < s->n[BASTION_TABLE_PDS]; p++) {
        uint32_t d = colour_pd_domain(p);
        if (d != BASTION_SPEC_NONE && d < DOMAINS_MAX && s->pds[p].endpoint == BASTION_SPEC_NONE &&
            pd_states[p].endpoint != 0) {
            bst_snprintf(what, sizeof(what), "PD '%s''s endpoint for its children", pd_name(p));
            check_object(pd_states[p].endpoint, d, what, v);
        }
    }
    for (uint32_t d = 0; d < s->n[BASTION_TABLE_DOMAINS] && d < DOMAINS_MAX; d++)
        if (colour_kimage_object(d) != 0) {
            bst_snprintf(what, sizeof(what), "domain '%s''s KERNEL_IMAGE object",
                         spec_string(s, s->domains[d].name));
            check_object(colour_kimage_object(d), d, what, v);
        }
}

/* The first colour seen in the frames of two domains, or -1. */
static int shared_colour(uint32_t *a, uint32_t *b)
{
    uint32_t nd = the_spec.n[BASTION_TABLE_DOMAINS];
    for (*a = 0; *a < nd && *a < DOMAINS_MAX; (*a)++)
        for (*b = *a + 1; *b < nd && *b < DOMAINS_MAX; (*b)++)
            for (unsigned w = 0; w < SEEN_WORDS; w++)
                if (seen[*a][w] & seen[*b][w])
                    return (int)(w * 64 + (unsigned)__builtin_ctzll(seen[*a][w] & seen[*b][w]));
    return -1;
}

bool colour_check(void)
{
    if (colour_total() == 0)
        return true;
    const struct spec *s = &the_spec;
    struct verdict v = {0};
    uint64_t start = colour_cycles();
    for (uint32_t i = 0; i < s->n[BASTION_TABLE_OBJECTS]; i++) {
        uint32_t d = colour_object_domain(i);
        if (d != BASTION_SPEC_NONE && d < DOMAINS_MAX && s->objects[i].type == BASTION_OBJ_FRAME)
            check_frames(i, d, &v);
    }
    struct verdict ov = {0}, gv[2] = {{0}, {0}};
    check_objects(&ov);
    check_guest_objects(&ov, gv);
    uint32_t nd =
        s->n[BASTION_TABLE_DOMAINS] < DOMAINS_MAX ? s->n[BASTION_TABLE_DOMAINS] : DOMAINS_MAX;
    uint64_t kimage_pages = 0, kimage_wrong = colour_check_kimages(seen, nd, &kimage_pages);
    uint32_t a, b;
    int c = shared_colour(&a, &b);
    uint64_t spent = colour_cycles() - start;
    colour_print_cost();
    if (v.wrong)
        bst_printf("init: colours: %lu of %lu frames of coloured domains lie outside their "
                   "domain's colours; the first: %s\n",
                   (unsigned long)v.wrong, (unsigned long)v.frames, v.first);
    if (c >= 0)
        bst_printf("init: colours: colour %d is in frames of domain '%s' and of domain '%s'\n", c,
                   spec_string(s, s->domains[a].name), spec_string(s, s->domains[b].name));
    if (ov.wrong)
        bst_printf("init: colours: %lu of %lu kernel objects of coloured domains lie outside "
                   "their domain's colours; the first: %s\n",
                   (unsigned long)ov.wrong, (unsigned long)ov.frames, ov.first);
    for (unsigned k = 0; k < 2; k++)
        if (gv[k].wrong)
            bst_printf("init: colours: of them %lu of %lu for %s; the first: %s\n",
                       (unsigned long)gv[k].wrong, (unsigned long)gv[k].frames, kind_words[k],
                       gv[k].first);
    if (kimage_wrong)
        bst_printf("init: colours: %lu of %lu pages of kernel code that coloured domains run "
                   "lie outside their domain's colours\n",
                   (unsigned long)kimage_wrong, (unsigned long)kimage_pages);
    if (v.wrong || c >= 0 || ov.wrong || kimage_wrong)
        return false;
    bst_printf("init: colours: %lu frames checked at their physical addresses: each in its "
               "domain's colours, no colour in two domains (",
               (unsigned long)v.frames);
    const char *sep = "";
    for (uint32_t d = 0; d < s->n[BASTION_TABLE_DOMAINS] && d < DOMAINS_MAX; d++)
        if (frames_of[d]) {
            bst_printf("%s'%s' %lu", sep, spec_string(s, s->domains[d].name),
                       (unsigned long)frames_of[d]);
            sep = ", ";
        }
    bst_printf("; %lu cycles)\n", (unsigned long)spent);
    bst_printf("init: colours: %lu kernel objects checked at their physical addresses: each "
               "in its domain's colours (",
               (unsigned long)ov.frames);
    sep = "";
    for (uint32_t d = 0; d < s->n[BASTION_TABLE_DOMAINS] && d < DOMAINS_MAX; d++)
        if (objects_of[d]) {
            bst_printf("%s'%s' %lu", sep, spec_string(s, s->domains[d].name),
                       (unsigned long)objects_of[d]);
            sep = ", ";
        }
    bst_printf(")\n");
    for (unsigned k = 0; k < 2; k++)
        if (gv[k].frames)
            bst_printf("init: colours: of them %lu for %s\n", (unsigned long)gv[k].frames,
                       kind_words[k]);
    return true;
}
