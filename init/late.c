/*
 * Late loading (docs/late-loading.md): a parent's request to fill its empty child (a PD
 * with BASTION_PD_LATE) with an ELF image from the parent's own memory.
 *
 * init does every check, because it alone must be trusted anyway: it holds the child's
 * frames and address space. The parent (the loader, which talks to storage) only carries
 * bytes; a bug or a compromise there can make a load fail, never load an image the
 * description does not list or map anything outside the child's described range.
 *
 * Each byte of the image is read from the parent's memory exactly once, into a private
 * buffer, and hashed and copied into the child's frames from that buffer: what is hashed
 * is what runs, even if the parent's memory changes during the load. The ELF and program
 * headers must lie in the image's first page (they are parsed from the first read).
 */
#include "init.h"
#include "late_elf.h"

#include <libbastion/late_load.h>
#include <libbastion/pd_abi.h>
#include <libbastion/sha256.h>
#include <libbastion/string.h>
#include <libbastion/vspace.h>

/* What a load works with: the child's range and the parent's map holding the image. */
struct late_load {
    uint32_t child;
    const struct bastion_spec_segment *range;
    const struct bastion_spec_map *source;
    uint64_t source_offset; /* of the image in the source region */
    uint64_t length;
    struct late_elf elf; /* the segments and entry, once the headers pass */
};

static uint8_t first_page[BASTION_PAGE_SIZE]; /* the image's first bytes: the headers */
static uint8_t bounce[BASTION_PAGE_SIZE];     /* every later page of it */
static bool loaded[128];

static const char *name_of(uint32_t p)
{
    return spec_string(&the_spec, the_spec.pds[p].name);
}

/* The map of PD `parent` that holds [vaddr, vaddr + length), or NULL. */
static const struct bastion_spec_map *find_source(uint32_t parent, uint64_t vaddr, uint64_t length)
{
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_MAPS]; i++) {
        const struct bastion_spec_map *m = &the_spec.maps[i];
        uint64_t size = the_spec.regions[m->region].size;
        if (m->pd == parent && vaddr >= m->vaddr && length <= size &&
            vaddr - m->vaddr <= size - length)
            return m;
    }
    return NULL;
}

/* Copy n bytes at `offset` of the source region into buf, frame by frame. */
static void read_source(const struct late_load *l, uint64_t offset, uint8_t *buf, uint64_t n)
{
    const struct bastion_spec_region *r = &the_spec.regions[l->source->region];
    unsigned bits = (unsigned)__builtin_ctzll(r->page_size);
    while (n > 0) {
        uint64_t at = l->source_offset + offset;
        uint64_t in_page = at & (r->page_size - 1);
        uint64_t take = r->page_size - in_page < n ? r->page_size - in_page : n;
        const uint8_t *page = scratch_map(object_slot(r->frames, at / r->page_size), bits);
        memcpy(buf, page + in_page, take);
        scratch_unmap();
        buf += take;
        offset += take;
        n -= take;
    }
}

/* Write n bytes (NULL: zeros) at `vaddr` of the child's range, within one page. */
static void write_child(const struct late_load *l, uint64_t vaddr, const uint8_t *bytes, uint64_t n)
{
    uint64_t k = (vaddr - l->range->vaddr) / BASTION_PAGE_SIZE;
    uint8_t *page = scratch_map(object_slot(l->range->frames, k), 12);
    if (bytes)
        memcpy(page + (vaddr & (BASTION_PAGE_SIZE - 1)), bytes, n);
    else
        memset(page + (vaddr & (BASTION_PAGE_SIZE - 1)), 0, n);
    scratch_unmap();
}

/* The headers (from first_page): late_elf.h says what passes. */
static enum bst_late_verdict check_headers(struct late_load *l)
{
    uint64_t lo = l->range->vaddr, hi = l->range->vaddr + l->range->memsz;
    switch (late_elf_check(first_page, BASTION_PAGE_SIZE, l->length, lo, hi, &l->elf)) {
    case LATE_ELF_OK:
        return BST_LATE_LOADED;
    case LATE_ELF_OUTSIDE:
        return BST_LATE_OUTSIDE;
    default:
        return BST_LATE_NOT_ELF;
    }
}

/* Copy the segments' file bytes that lie in [offset, offset + n) of the image (buf). */
static void place_bytes(const struct late_load *l, uint64_t offset, const uint8_t *buf, uint64_t n)
{
    for (unsigned k = 0; k < l->elf.nloads; k++) {
        const struct elf64_phdr *ph = &l->elf.loads[k];
        uint64_t from = ph->offset > offset ? ph->offset : offset;
        uint64_t to = ph->offset + ph->filesz < offset + n ? ph->offset + ph->filesz : offset + n;
        while (from < to) { /* one child page at a time */
            uint64_t vaddr = ph->vaddr + (from - ph->offset);
            uint64_t room = BASTION_PAGE_SIZE - (vaddr & (BASTION_PAGE_SIZE - 1));
            uint64_t take = to - from < room ? to - from : room;
            write_child(l, vaddr, buf + (from - offset), take);
            from += take;
        }
    }
}

/* Read the whole image once: hash it, and copy the segments into the child's frames. */
static void copy_and_hash(const struct late_load *l, uint8_t digest[BST_SHA256_DIGEST_SIZE])
{
    struct bst_sha256 h;
    bst_sha256_init(&h);
    for (uint64_t off = 0; off < l->length; off += BASTION_PAGE_SIZE) {
        uint64_t n = l->length - off < BASTION_PAGE_SIZE ? l->length - off : BASTION_PAGE_SIZE;
        const uint8_t *buf = first_page;
        if (off > 0) {
            read_source(l, off, bounce, n);
            buf = bounce;
        }
        bst_sha256_update(&h, buf, n);
        place_bytes(l, off, buf, n);
    }
    bst_sha256_final(&h, digest);
}

static bool digest_listed(const struct late_load *l, const uint8_t digest[BST_SHA256_DIGEST_SIZE])
{
    const uint8_t *list = the_spec.data + l->range->data_offset;
    for (unsigned i = 0; i < l->range->digests; i++)
        if (memcmp(list + i * BST_SHA256_DIGEST_SIZE, digest, BST_SHA256_DIGEST_SIZE) == 0)
            return true;
    return false;
}

/* Zero every frame of the child's range: a refused image leaves nothing behind. */
static void clear_range(const struct late_load *l)
{
    for (uint64_t k = 0; k < l->range->memsz / BASTION_PAGE_SIZE; k++) {
        memset(scratch_map(object_slot(l->range->frames, k), 12), 0, BASTION_PAGE_SIZE);
        scratch_unmap();
    }
}

/* Map each segment's pages with its own permissions; the rest of the range stays unmapped. */
static bst_error_t map_segments(const struct late_load *l)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[l->child];
    for (unsigned k = 0; k < l->elf.nloads; k++) {
        const struct elf64_phdr *ph = &l->elf.loads[k];
        unsigned rights = BST_RIGHT_READ | (ph->flags & LATE_PF_W ? BST_RIGHT_WRITE : 0);
        unsigned attrs = ph->flags & LATE_PF_X ? BST_MAP_EXECUTABLE : 0;
        uint64_t first = ph->vaddr & ~(BASTION_PAGE_SIZE - 1);
        for (uint64_t v = first; v < ph->vaddr + ph->memsz; v += BASTION_PAGE_SIZE) {
            uint64_t frame =
                object_slot(l->range->frames, (v - l->range->vaddr) / BASTION_PAGE_SIZE);
            bst_error_t e = vs_map(object_slot(pd->vspace, 0), &pd_states[l->child].tables, frame,
                                   12, v, rights, attrs);
            if (e != BST_OK)
                return e;
        }
    }
    return BST_OK;
}

static enum bst_late_verdict refuse(const struct late_load *l, enum bst_late_verdict v)
{
    bst_printf("init: late image of %lu bytes for PD '%s' refused: %s; the PD stays empty\n",
               (unsigned long)l->length, name_of(l->child), bst_late_verdict_text(v));
    return v;
}

/* The checks and the load, in order: nothing touches the child before the headers pass,
 * and nothing is mapped before the digest does. */
static enum bst_late_verdict load(struct late_load *l, uint32_t parent, uint64_t vaddr)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[l->child];
    if (!(pd->flags & BASTION_PD_LATE) || pd->segment_count != 1 || loaded[l->child])
        return refuse(l, BST_LATE_NOT_EMPTY);
    l->range = &the_spec.segments[pd->first_segment];
    if ((uint64_t)l->range->data_offset + l->range->digests * BST_SHA256_DIGEST_SIZE >
        the_spec.data_size)
        return refuse(l, BST_LATE_NOT_EMPTY); /* a spec the tool did not write */
    if (l->length > l->range->memsz)
        return refuse(l, BST_LATE_TOO_BIG);
    l->source = find_source(parent, vaddr, l->length);
    if (!l->source || l->length == 0)
        return refuse(l, BST_LATE_NOT_MAPPED);
    l->source_offset = vaddr - l->source->vaddr;
    read_source(l, 0, first_page, l->length < BASTION_PAGE_SIZE ? l->length : BASTION_PAGE_SIZE);
    enum bst_late_verdict v = check_headers(l);
    if (v != BST_LATE_LOADED)
        return refuse(l, v);
    uint8_t digest[BST_SHA256_DIGEST_SIZE];
    copy_and_hash(l, digest);
    if (!digest_listed(l, digest)) {
        clear_range(l);
        return refuse(l, BST_LATE_DIGEST);
    }
    return BST_LATE_LOADED;
}

bst_error_t late_serve_load(uint32_t parent, const uint64_t mr[4], uint64_t *verdict)
{
    struct late_load l = {.length = mr[2]};
    l.child = BASTION_SPEC_NONE;
    for (uint32_t q = 0; q < the_spec.n[BASTION_TABLE_PDS] && q < 128; q++)
        if (the_spec.pds[q].parent == parent && the_spec.pds[q].child_id == mr[0])
            l.child = q;
    if (l.child == BASTION_SPEC_NONE) {
        *verdict = BST_LATE_NOT_EMPTY;
        return BST_INVALID_ARGUMENT;
    }
    enum bst_late_verdict v = load(&l, parent, mr[1]);
    *verdict = v;
    if (v != BST_LATE_LOADED)
        return BST_INVALID_ARGUMENT;
    bst_error_t e = map_segments(&l);
    if (e == BST_OK)
        e = pd_start_late(l.child, l.elf.entry);
    if (e != BST_OK) {
        bst_printf("init: PD '%s': cannot map or start its late image: %s\n", name_of(l.child),
                   bst_error_name(e));
        return e;
    }
    loaded[l.child] = true;
    bst_printf("init: PD '%s' loaded late: %lu bytes, %u segments, entry 0x%lx, SHA-256 "
               "listed\n",
               name_of(l.child), (unsigned long)l.length, l.elf.nloads, (unsigned long)l.elf.entry);
    return BST_OK;
}
