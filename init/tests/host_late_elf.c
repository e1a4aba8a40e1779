/*
 * Host tests of the late image's ELF check (init/late_elf.h): a well-formed image, each
 * header field that must refuse it, segments at and past the child's range (sums that
 * would wrap), shared pages, the entry's segment, the segment count's limit, and 200,000
 * random corruptions of a good image, each accepted one checked against the rules again
 * here, independently. Built with ASan and UBSan: a read past the header page or an
 * overflowing sum fails the run. Prints PASS/FAIL lines (suite host-init-late-elf).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../late_elf.h"

static int failures;
static const char *current;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL: %s: line %d: %s\n", current, __LINE__, #cond);                           \
            failures++;                                                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define LO     0x400000u
#define HI     0x420000u /* the child's range: 128 KiB */
#define LENGTH 0x6000u   /* the image's length */

/* The page of headers: ELF header, then the program headers at 64. */
static uint8_t page[LATE_PAGE_SIZE];

static void put(uint64_t at, uint64_t v, unsigned bytes)
{
    for (unsigned b = 0; b < bytes; b++)
        page[at + b] = (uint8_t)(v >> (8 * b));
}

#define E_TYPE      16
#define E_MACHINE   18
#define E_ENTRY     24
#define E_PHOFF     32
#define E_PHENTSIZE 54
#define E_PHNUM     56
#define PH(i)       (64 + 56 * (uint64_t)(i))
#define P_TYPE      0
#define P_FLAGS     4
#define P_OFFSET    8
#define P_VADDR     16
#define P_FILESZ    32
#define P_MEMSZ     40

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz)
{
    put(PH(i) + P_TYPE, type, 4);
    put(PH(i) + P_FLAGS, flags, 4);
    put(PH(i) + P_OFFSET, offset, 8);
    put(PH(i) + P_VADDR, vaddr, 8);
    put(PH(i) + P_FILESZ, filesz, 8);
    put(PH(i) + P_MEMSZ, memsz, 8);
}

/* A good image: text (R+X) at LO from offset 0x1000, data (R+W, with bss) two pages on,
 * a note that is not loaded, entry in the text. */
static void good(void)
{
    memset(page, 0, sizeof(page));
    memcpy(page,
           "\x7f"
           "ELF",
           4);
    page[4] = 2; /* 64-bit */
    page[5] = 1; /* little-endian */
    page[6] = 1;
    put(E_TYPE, 2, 2);
    put(E_MACHINE, 62, 2);
    put(20, 1, 4);
    put(E_ENTRY, LO + 0x10, 8);
    put(E_PHOFF, 64, 8);
    put(52, 64, 2);
    put(E_PHENTSIZE, 56, 2);
    put(E_PHNUM, 3, 2);
    set_phdr(0, 1, LATE_PF_R | LATE_PF_X, 0x1000, LO, 0x1800, 0x1800);
    set_phdr(1, 1, LATE_PF_R | LATE_PF_W, 0x3000, LO + 0x2000, 0x1000, 0x5000);
    set_phdr(2, 4, LATE_PF_R, 0x200, 0, 0x20, 0x20); /* PT_NOTE: not loaded */
}

static enum late_elf_verdict check(struct late_elf *out)
{
    return late_elf_check(page, sizeof(page), LENGTH, LO, HI, out);
}

static void test_good(void)
{
    current = "good";
    struct late_elf out;
    good();
    CHECK(check(&out) == LATE_ELF_OK);
    CHECK(out.nloads == 2 && out.entry == LO + 0x10);
    CHECK(out.loads[1].vaddr == LO + 0x2000 && out.loads[1].memsz == 0x5000);
    printf("PASS: late-elf/good\n");
}

/* Each change alone must turn the good image into `want`. */
static void test_field(const char *name, void (*change)(void), enum late_elf_verdict want)
{
    current = name;
    struct late_elf out;
    good();
    change();
    CHECK(check(&out) == want);
    printf("PASS: late-elf/%s\n", name);
}

static void bad_magic(void)
{
    page[1] = 'e';
}
static void class32(void)
{
    page[4] = 1;
}
static void big_endian(void)
{
    page[5] = 2;
}
static void dynamic_type(void)
{
    put(E_TYPE, 3, 2);
}
static void other_machine(void)
{
    put(E_MACHINE, 3, 2);
}
static void phentsize_short(void)
{
    put(E_PHENTSIZE, 32, 2);
}
static void phoff_past_page(void)
{
    put(E_PHOFF, LATE_PAGE_SIZE + 8, 8);
}
static void phoff_huge(void)
{
    put(E_PHOFF, UINT64_MAX - 8, 8);
}
static void phnum_past_page(void)
{
    put(E_PHNUM, (LATE_PAGE_SIZE - 64) / 56 + 1, 2);
}
static void interp(void)
{
    set_phdr(2, 3, LATE_PF_R, 0x200, 0, 0x20, 0x20);
}
static void dynamic_seg(void)
{
    set_phdr(2, 2, LATE_PF_R, 0x200, 0, 0x20, 0x20);
}
static void filesz_over_memsz(void)
{
    put(PH(0) + P_FILESZ, 0x1801, 8);
}
static void offset_past_image(void)
{
    put(PH(0) + P_OFFSET, LENGTH + 1, 8);
}
static void bytes_past_image(void)
{
    put(PH(1) + P_FILESZ, LENGTH - 0x3000 + 1, 8);
}
static void offset_wraps(void)
{
    put(PH(0) + P_OFFSET, UINT64_MAX - 0x100, 8);
}
static void unreadable(void)
{
    put(PH(1) + P_FLAGS, LATE_PF_W, 4);
}
static void below_range(void)
{
    put(PH(1) + P_VADDR, LO - 0x1000, 8);
}
static void at_range_end(void)
{
    put(PH(1) + P_VADDR, HI, 8);
}
static void past_range_end(void)
{
    put(PH(1) + P_MEMSZ, HI - (LO + 0x2000) + 1, 8);
}
static void memsz_wraps(void)
{
    put(PH(1) + P_MEMSZ, UINT64_MAX - 0x1000, 8);
}
static void vaddr_wraps(void)
{
    put(PH(1) + P_VADDR, UINT64_MAX - 0xfff, 8);
}
static void shared_page(void)
{
    put(PH(1) + P_VADDR, LO + 0x1800, 8);
} /* text's 2nd page */
static void entry_in_data(void)
{
    put(E_ENTRY, LO + 0x2000, 8);
}
static void entry_past_text(void)
{
    put(E_ENTRY, LO + 0x1800, 8);
}
static void text_not_exec(void)
{
    put(PH(0) + P_FLAGS, LATE_PF_R, 4);
}
static void no_loads(void)
{
    put(E_PHNUM, 0, 2);
}
static void only_empty_loads(void)
{
    put(PH(0) + P_MEMSZ, 0, 8);
    put(PH(0) + P_FILESZ, 0, 8);
    put(PH(1) + P_MEMSZ, 0, 8);
    put(PH(1) + P_FILESZ, 0, 8);
}
static void fits_exactly(void)
{
    put(PH(1) + P_MEMSZ, HI - (LO + 0x2000), 8);
}
static void bytes_to_image_end(void)
{
    put(PH(1) + P_FILESZ, LENGTH - 0x3000, 8);
}

/* LATE_MAX_LOADS segments of one page each pass; one more is refused. */
static void test_load_count(void)
{
    current = "load-count";
    struct late_elf out;
    for (unsigned n = LATE_MAX_LOADS; n <= LATE_MAX_LOADS + 1; n++) {
        good();
        put(E_PHNUM, n, 2);
        for (unsigned i = 0; i < n; i++)
            set_phdr(i, 1, LATE_PF_R | (i == 0 ? LATE_PF_X : 0), 0x1000, LO + i * 0x1000, 0x100,
                     0x1000);
        enum late_elf_verdict v = check(&out);
        if (n == LATE_MAX_LOADS) {
            CHECK(v == LATE_ELF_OK && out.nloads == LATE_MAX_LOADS);
        } else {
            CHECK(v == LATE_ELF_NOT_ELF);
        }
    }
    printf("PASS: late-elf/load-count\n");
}

/* Headers cut short: the image (or the part read) is shorter than they are. */
static void test_short(void)
{
    current = "short";
    struct late_elf out;
    good();
    CHECK(late_elf_check(page, 63, LENGTH, LO, HI, &out) == LATE_ELF_NOT_ELF);
    CHECK(late_elf_check(page, sizeof(page), 63, LO, HI, &out) == LATE_ELF_NOT_ELF);
    /* the program headers end at 64 + 3 * 56 = 232 */
    CHECK(late_elf_check(page, 231, LENGTH, LO, HI, &out) == LATE_ELF_NOT_ELF);
    printf("PASS: late-elf/short\n");
}

/* The rules again, written independently: what an accepted image must satisfy. */
static int accepted_ok(const struct late_elf *out, uint64_t length)
{
    int entry_ok = 0;
    if (out->nloads == 0 || out->nloads > LATE_MAX_LOADS)
        return 0;
    for (unsigned i = 0; i < out->nloads; i++) {
        const struct elf64_phdr *p = &out->loads[i];
        __uint128_t end = (__uint128_t)p->vaddr + p->memsz;
        __uint128_t fend = (__uint128_t)p->offset + p->filesz;
        if (p->type != 1 || p->memsz == 0 || p->vaddr < LO || end > HI || fend > length ||
            p->filesz > p->memsz || !(p->flags & LATE_PF_R))
            return 0;
        for (unsigned j = 0; j < i; j++) {
            const struct elf64_phdr *q = &out->loads[j];
            uint64_t p0 = p->vaddr / LATE_PAGE_SIZE,
                     p1 = (p->vaddr + p->memsz - 1) / LATE_PAGE_SIZE;
            uint64_t q0 = q->vaddr / LATE_PAGE_SIZE,
                     q1 = (q->vaddr + q->memsz - 1) / LATE_PAGE_SIZE;
            if (p0 <= q1 && q0 <= p1)
                return 0;
        }
        if ((p->flags & LATE_PF_X) && out->entry >= p->vaddr && out->entry < end)
            entry_ok = 1;
    }
    return entry_ok;
}

/* Random corruptions of the good image: bytes of the headers set at random, or fields set
 * to values near the boundaries. Nothing may crash (ASan, UBSan); every accepted one
 * must pass accepted_ok(). */
static void test_random(void)
{
    current = "random";
    static const uint64_t edges[] = {0,         1,          0xfff,      0x1000,
                                     LO,        LO + 0xfff, HI - 1,     HI,
                                     LENGTH,    LENGTH + 1, UINT64_MAX, UINT64_MAX - 0xfff,
                                     1ull << 63};
    unsigned accepted = 0, runs = 200000;
    srand(7);
    for (unsigned r = 0; r < runs; r++) {
        good();
        unsigned changes = 1 + (unsigned)rand() % 4;
        for (unsigned c = 0; c < changes; c++) {
            if (rand() % 2) {
                page[(unsigned)rand() % (PH(4))] = (uint8_t)rand();
            } else {
                static const unsigned fields[] = {P_OFFSET, P_VADDR, P_FILESZ, P_MEMSZ};
                unsigned at = (unsigned)PH(rand() % 3) + fields[rand() % 4];
                put(at, edges[(unsigned)rand() % (sizeof(edges) / sizeof(edges[0]))], 8);
            }
        }
        struct late_elf out;
        uint64_t length = rand() % 8 ? LENGTH : (uint64_t)rand() % (2 * LENGTH);
        if (late_elf_check(page, sizeof(page), length, LO, HI, &out) == LATE_ELF_OK) {
            accepted++;
            CHECK(accepted_ok(&out, length));
        }
    }
    CHECK(accepted > 0); /* the corruptions leave some images loadable */
    printf("PASS: late-elf/random (%u corruptions, %u accepted and checked)\n", runs, accepted);
}

int main(void)
{
    test_good();
    test_field("bad-magic", bad_magic, LATE_ELF_NOT_ELF);
    test_field("class-32", class32, LATE_ELF_NOT_ELF);
    test_field("big-endian", big_endian, LATE_ELF_NOT_ELF);
    test_field("type-dyn", dynamic_type, LATE_ELF_NOT_ELF);
    test_field("machine", other_machine, LATE_ELF_NOT_ELF);
    test_field("phentsize", phentsize_short, LATE_ELF_NOT_ELF);
    test_field("phoff-past-page", phoff_past_page, LATE_ELF_NOT_ELF);
    test_field("phoff-huge", phoff_huge, LATE_ELF_NOT_ELF);
    test_field("phnum-past-page", phnum_past_page, LATE_ELF_NOT_ELF);
    test_field("pt-interp", interp, LATE_ELF_NOT_ELF);
    test_field("pt-dynamic", dynamic_seg, LATE_ELF_NOT_ELF);
    test_field("filesz-over-memsz", filesz_over_memsz, LATE_ELF_NOT_ELF);
    test_field("offset-past-image", offset_past_image, LATE_ELF_NOT_ELF);
    test_field("bytes-past-image", bytes_past_image, LATE_ELF_NOT_ELF);
    test_field("offset-wraps", offset_wraps, LATE_ELF_NOT_ELF);
    test_field("unreadable", unreadable, LATE_ELF_NOT_ELF);
    test_field("below-range", below_range, LATE_ELF_OUTSIDE);
    test_field("at-range-end", at_range_end, LATE_ELF_OUTSIDE);
    test_field("past-range-end", past_range_end, LATE_ELF_OUTSIDE);
    test_field("memsz-wraps", memsz_wraps, LATE_ELF_OUTSIDE);
    test_field("vaddr-wraps", vaddr_wraps, LATE_ELF_OUTSIDE);
    test_field("shared-page", shared_page, LATE_ELF_OUTSIDE);
    test_field("entry-in-data", entry_in_data, LATE_ELF_NOT_ELF);
    test_field("entry-past-text", entry_past_text, LATE_ELF_NOT_ELF);
    test_field("text-not-exec", text_not_exec, LATE_ELF_NOT_ELF);
    test_field("no-loads", no_loads, LATE_ELF_NOT_ELF);
    test_field("only-empty-loads", only_empty_loads, LATE_ELF_NOT_ELF);
    test_field("fits-exactly", fits_exactly, LATE_ELF_OK);
    test_field("bytes-to-image-end", bytes_to_image_end, LATE_ELF_OK);
    test_load_count();
    test_short();
    test_random();
    return failures ? 1 : 0;
}
