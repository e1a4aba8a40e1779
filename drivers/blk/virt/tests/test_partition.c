/*
 * Host tests of the partition parser (drivers/blk/virt/partition.c), ASan + UBSan, suite
 * blk-partition-host. Tables are built here byte by byte: a good MBR and a good GPT must
 * read as built; every hostile table (overlapping, out of the disk, bad CRCs, huge counts,
 * wrong entry sizes, zero-size, misaligned, ...) must be refused with its own message;
 * then 40,000 randomly damaged tables (CRCs resealed half the time, so that damage
 * reaches the entry checks) must either be refused or satisfy every guarantee of
 * partition.h.
 */
#define HOST_CHECK_SUITE "blk-partition-host"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse_image.h"

#include "host_check.h"

#define DISK_BYTES (256u * 1024u) /* the part of the disk a test builds */
#define GOOD_DISK  2097152ull     /* 1 GiB in sectors */

static uint8_t disk[DISK_BYTES];
static uint64_t disk_sectors;
static struct partition_table table;
static char message[256];

/* The GPT being built. */
static uint64_t g_array_lba;
static uint32_t g_count, g_esize;

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void mbr_entry(unsigned slot, uint8_t boot, uint8_t type, uint32_t first, uint32_t sectors)
{
    uint8_t *e = disk + 446 + 16 * slot;
    memset(e, 0, 16);
    e[0] = boot;
    e[4] = type;
    put_le(e + 8, first, 4);
    put_le(e + 12, sectors, 4);
}

static void fresh_mbr(void)
{
    memset(disk, 0, sizeof disk);
    disk_sectors = GOOD_DISK;
    disk[510] = 0x55;
    disk[511] = 0xaa;
}

static uint8_t *gpt_hdr(void)
{
    return disk + 512;
}

static uint8_t *gpt_entry_at(unsigned i)
{
    return disk + g_array_lba * 512 + (size_t)i * g_esize;
}

static void gpt_entry(unsigned i, uint8_t type_tag, uint64_t first, uint64_t last, const char *name)
{
    uint8_t *e = gpt_entry_at(i);
    memset(e, 0, g_esize);
    for (unsigned k = 0; k < 16; k++)
        e[k] = (uint8_t)(type_tag + k);
    e[16] = (uint8_t)(i + 1); /* unique GUID: anything */
    put_le(e + 32, first, 8);
    put_le(e + 40, last, 8);
    for (unsigned k = 0; name[k] != '\0' && k < 36; k++)
        put_le(e + 56 + 2 * k, (uint8_t)name[k], 2);
}

/* A protective MBR and a GPT header: `count` entries of `esize` bytes at `array_lba`,
 * usable sectors from 40 (or the array's end) to disk - 34. Entries start unused; gpt_seal()
 * computes the CRCs. */
static void fresh_gpt(uint32_t count, uint32_t esize, uint64_t array_lba)
{
    fresh_mbr();
    mbr_entry(0, 0, 0xee, 1, 0xffffffffu);
    g_count = count;
    g_esize = esize;
    g_array_lba = array_lba;
    uint8_t *h = gpt_hdr();
    memcpy(h, "EFI PART", 8);
    put_le(h + 8, 0x00010000, 4);
    put_le(h + 12, 92, 4);
    put_le(h + 24, 1, 8);
    put_le(h + 32, disk_sectors - 1, 8);
    uint64_t array_end = array_lba + ((uint64_t)count * esize + 511) / 512;
    put_le(h + 40, array_end > 40 ? array_end : 40, 8);
    put_le(h + 48, disk_sectors - 34, 8);
    put_le(h + 72, array_lba, 8);
    put_le(h + 80, count, 4);
    put_le(h + 84, esize, 4);
}

static void gpt_seal_entries(void)
{
    uint64_t bytes = (uint64_t)g_count * g_esize;
    uint64_t avail = DISK_BYTES - g_array_lba * 512;
    put_le(gpt_hdr() + 88, partition_crc32(gpt_entry_at(0), bytes < avail ? bytes : avail), 4);
}

static void gpt_seal_header(void)
{
    uint8_t *h = gpt_hdr();
    uint32_t size = (uint32_t)h[12] | (uint32_t)h[13] << 8;
    put_le(h + 16, 0, 4);
    put_le(h + 16, partition_crc32(h, size <= 512 ? size : 512), 4);
}

static void gpt_seal(void)
{
    gpt_seal_entries();
    gpt_seal_header();
}

/* The standard good GPT: 128 entries of 128 bytes at sector 2; entry 2 unused. */
static void good_gpt(void)
{
    fresh_gpt(128, 128, 2);
    gpt_entry(0, 0x10, 2048, 2048 + 8192 - 1, "boot");
    gpt_entry(2, 0x20, 10240, 10240 + 20480 + 3 - 1, "data");
    gpt_entry(3, 0x30, 40960, GOOD_DISK - 34 - 7, "rest \xc3 x");
    gpt_seal();
}

/* The standard good MBR: slots 1, 2 and 4 used (slot 3 empty), slot 4 extended. */
static void good_mbr(void)
{
    fresh_mbr();
    mbr_entry(0, 0x80, 0x83, 2048, 8192);
    mbr_entry(1, 0, 0x07, 10240, 20483);
    mbr_entry(3, 0, 0x05, 40960, 4096);
}

static struct partition_result parse(void)
{
    return parse_image(disk, sizeof disk, disk_sectors, &table);
}

/* Whether the parse refused with a message starting with `want` (in `message` either
 * way). */
static bool refused_with(const char *want)
{
    struct partition_result r = parse();
    partition_describe(&r.error, message, sizeof message);
    return r.step == PARTITION_REFUSED && table.count == 0 &&
           strncmp(message, want, strlen(want)) == 0;
}

/* ---- Good tables ------------------------------------------------------------------------- */

static void test_crc32_vectors(void)
{
    CHECK(partition_crc32((const uint8_t *)"123456789", 9) == 0xcbf43926u, "check value");
    CHECK(partition_crc32((const uint8_t *)"", 0) == 0, "empty input");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    CHECK(partition_crc32((const uint8_t *)fox, strlen(fox)) == 0x414fa339u, "fox");
    uint8_t zeros[32] = {0};
    CHECK(partition_crc32(zeros, 32) == 0x190a55adu, "32 zero bytes");
    printf("PASS: blk-partition-host/crc32_vectors\n");
}

static void test_good_mbr(void)
{
    good_mbr();
    struct partition_result r = parse();
    CHECK(r.step == PARTITION_DONE, "refused: %s", partition_describe(&r.error, message, 256));
    CHECK(table.scheme == PARTITION_SCHEME_MBR && table.count == 2, "%u partitions", table.count);
    const struct partition *p1 = partition_find(&table, 1), *p2 = partition_find(&table, 2);
    CHECK(p1 && p1->first_lba == 2048 && p1->sectors == 8192 && p1->blocks == 1024 &&
              p1->mbr_type == 0x83,
          "partition 1 wrong");
    CHECK(p2 && p2->first_lba == 10240 && p2->sectors == 20483 && p2->blocks == 2560 &&
              p2->mbr_type == 0x07,
          "partition 2 wrong (size rounded down to 2560 blocks)");
    CHECK(!partition_find(&table, 3) && !partition_find(&table, 4) && !partition_find(&table, 0),
          "an empty slot or the extended partition was reported");
    printf("PASS: blk-partition-host/good_mbr\n");
}

static void test_empty_mbr(void)
{
    fresh_mbr();
    struct partition_result r = parse();
    CHECK(r.step == PARTITION_DONE && table.count == 0, "an empty MBR is a table of nothing");
    printf("PASS: blk-partition-host/empty_mbr\n");
}

static void test_good_gpt(void)
{
    good_gpt();
    struct partition_result r = parse();
    CHECK(r.step == PARTITION_DONE, "refused: %s", partition_describe(&r.error, message, 256));
    CHECK(table.scheme == PARTITION_SCHEME_GPT && table.count == 3, "%u partitions", table.count);
    const struct partition *p1 = partition_find(&table, 1), *p3 = partition_find(&table, 3),
                           *p4 = partition_find(&table, 4);
    CHECK(p1 && p1->first_lba == 2048 && p1->blocks == 1024 && strcmp(p1->name, "boot") == 0 &&
              p1->type_guid[0] == 0x10 && p1->type_guid[15] == 0x1f,
          "partition 1 wrong");
    CHECK(p3 && p3->first_lba == 10240 && p3->sectors == 20483 && p3->blocks == 2560 &&
              strcmp(p3->name, "data") == 0,
          "partition 3 wrong");
    CHECK(p4 && p4->first_lba == 40960 && strcmp(p4->name, "rest ? x") == 0 &&
              p4->blocks == (GOOD_DISK - 34 - 7 - 40960 + 1) / 8,
          "partition 4 wrong (name '%s')", p4 ? p4->name : "");
    CHECK(!partition_find(&table, 2), "the unused entry 2 was reported");
    printf("PASS: blk-partition-host/good_gpt\n");
}

static void test_gpt_span(void)
{
    struct partition_gpt g = {.array_lba = 2, .entry_count = 128, .entry_size = 128};
    struct partition_span s = partition_gpt_span(&g);
    CHECK(s.first == 0 && s.offset == 1024 && s.bytes == 16384 && s.count == 5,
          "sector 2, 16 KiB: blocks 0..4 (got %llu+%u, offset %u)", (unsigned long long)s.first,
          s.count, s.offset);
    g = (struct partition_gpt){.array_lba = 15, .entry_count = 256, .entry_size = 128};
    s = partition_gpt_span(&g);
    CHECK(s.first == 1 && s.offset == 3584 && s.count == 9 &&
              s.count <= PARTITION_GPT_MAX_SPAN_BLOCKS,
          "the largest array, badly placed: 9 blocks (got %u)", s.count);
    g.entry_count = 0;
    CHECK(partition_gpt_span(&g).count == 0, "no entries: nothing to read");
    /* An array placed elsewhere, and larger entries. */
    fresh_gpt(16, 256, 64);
    gpt_entry(5, 0x40, 4096, 8191, "six");
    gpt_seal();
    struct partition_result r = parse();
    CHECK(r.step == PARTITION_DONE && table.count == 1 && table.parts[0].number == 6,
          "entries of 256 bytes at sector 64: %s", partition_describe(&r.error, message, 256));
    printf("PASS: blk-partition-host/gpt_span\n");
}

static void test_gpt_zero_entries(void)
{
    fresh_gpt(0, 128, 2);
    gpt_seal();
    struct partition_result r = parse();
    CHECK(r.step == PARTITION_DONE && table.count == 0, "a GPT of no entries is empty: %s",
          partition_describe(&r.error, message, 256));
    printf("PASS: blk-partition-host/gpt_zero_entries\n");
}

/* ---- Hostile tables ---------------------------------------------------------------------- */

struct hostile {
    const char *name;
    void (*build)(void);
    const char *message; /* the refusal must start so */
};

static void disk_too_small(void)
{
    good_mbr();
    disk_sectors = 4;
}
static void mbr_no_signature(void)
{
    good_mbr();
    disk[511] = 0;
}
static void mbr_boot_flag(void)
{
    good_mbr();
    disk[446 + 16] = 0x81;
}
static void mbr_past_disk(void)
{
    good_mbr();
    disk_sectors = 20000; /* slot 2 ends at 30723 */
}
static void mbr_wraps(void)
{
    fresh_mbr();
    mbr_entry(0, 0, 0x83, 0xfffffff8u, 0xffffffffu); /* 32-bit sum would wrap */
}
static void mbr_at_zero(void)
{
    fresh_mbr();
    mbr_entry(1, 0, 0x83, 0, 2048);
}
static void mbr_zero_size(void)
{
    good_mbr();
    mbr_entry(2, 0, 0x83, 80000, 0);
}
static void mbr_misaligned(void)
{
    good_mbr();
    mbr_entry(0, 0x80, 0x83, 63, 8192);
}
static void mbr_too_small(void)
{
    good_mbr();
    mbr_entry(2, 0, 0x83, 80000, 7);
}
static void mbr_overlap(void)
{
    good_mbr();
    mbr_entry(2, 0, 0x83, 8192, 4096); /* inside slot 1 (2048..10239) */
}
static void mbr_same_range(void)
{
    good_mbr();
    mbr_entry(3, 0, 0x83, 10240, 20483);
}
static void pmbr_start(void)
{
    good_gpt();
    mbr_entry(0, 0, 0xee, 2, 100);
}
static void gpt_signature(void)
{
    good_gpt();
    gpt_hdr()[0] = 'X';
    gpt_seal_header();
}
static void gpt_hdr_small(void)
{
    good_gpt();
    put_le(gpt_hdr() + 12, 91, 4);
    gpt_seal_header();
}
static void gpt_hdr_large(void)
{
    good_gpt();
    put_le(gpt_hdr() + 12, 513, 4);
    gpt_seal_header();
}
static void gpt_hdr_crc(void)
{
    good_gpt();
    gpt_hdr()[40] ^= 8; /* first usable, after sealing */
}
static void gpt_my_lba(void)
{
    good_gpt();
    put_le(gpt_hdr() + 24, 2, 8);
    gpt_seal_header();
}
static void gpt_usable_past_disk(void)
{
    good_gpt();
    put_le(gpt_hdr() + 48, GOOD_DISK, 8);
    gpt_seal_header();
}
static void gpt_usable_reversed(void)
{
    good_gpt();
    put_le(gpt_hdr() + 40, 5000, 8);
    put_le(gpt_hdr() + 48, 4000, 8);
    gpt_seal_header();
}
static void gpt_usable_over_header(void)
{
    good_gpt();
    put_le(gpt_hdr() + 40, 1, 8);
    gpt_seal_header();
}
static void gpt_esize_small(void)
{
    good_gpt();
    put_le(gpt_hdr() + 84, 120, 4);
    gpt_seal_header();
}
static void gpt_esize_odd(void)
{
    good_gpt();
    put_le(gpt_hdr() + 84, 132, 4);
    gpt_seal_header();
}
static void gpt_count_huge(void)
{
    good_gpt();
    put_le(gpt_hdr() + 80, 0xffffffffu, 4);
    gpt_seal_header();
}
static void gpt_count_1025(void)
{
    good_gpt();
    put_le(gpt_hdr() + 80, 1025, 4);
    gpt_seal_header();
}
static void gpt_array_big(void)
{
    good_gpt();
    put_le(gpt_hdr() + 80, 1024, 4); /* 128 KiB of entries */
    gpt_seal_header();
}
static void gpt_esize_huge(void)
{
    good_gpt();
    put_le(gpt_hdr() + 80, 1, 4);
    put_le(gpt_hdr() + 84, 0x80000000u, 4);
    gpt_seal_header();
}
static void gpt_array_on_header(void)
{
    good_gpt();
    put_le(gpt_hdr() + 72, 1, 8);
    gpt_seal_header();
}
static void gpt_array_in_usable(void)
{
    good_gpt();
    put_le(gpt_hdr() + 72, 36, 8); /* 36..67 meets the usable 40.. */
    gpt_seal_header();
}
static void gpt_array_past_disk(void)
{
    good_gpt();
    put_le(gpt_hdr() + 72, GOOD_DISK - 8, 8);
    gpt_seal_header();
}
static void gpt_array_far(void)
{
    good_gpt();
    put_le(gpt_hdr() + 72, ~0ull - 3, 8);
    gpt_seal_header();
}
static void gpt_entries_crc(void)
{
    good_gpt();
    gpt_entry_at(2)[40] ^= 1;
}
static void gpt_reversed(void)
{
    good_gpt();
    gpt_entry(2, 0x20, 20480, 10240, "back");
    gpt_seal();
}
static void gpt_outside(void)
{
    good_gpt();
    gpt_entry(3, 0x30, 40960, GOOD_DISK - 1, "tail");
    gpt_seal();
}
static void gpt_before_usable(void)
{
    good_gpt();
    gpt_entry(5, 0x30, 8, 39, "head");
    gpt_seal();
}
static void gpt_huge_lbas(void)
{
    good_gpt();
    gpt_entry(1, 0x30, ~0ull - 7, ~0ull, "huge");
    gpt_seal();
}
static void gpt_misaligned(void)
{
    good_gpt();
    gpt_entry(0, 0x10, 2049, 2048 + 8192 - 1, "boot");
    gpt_seal();
}
static void gpt_one_sector(void)
{
    good_gpt();
    gpt_entry(6, 0x10, 100000, 100000, "one");
    gpt_seal();
}
static void gpt_overlap(void)
{
    good_gpt();
    gpt_entry(2, 0x20, 4096, 20479, "over");
    gpt_seal();
}
static void gpt_overlap_later(void)
{
    good_gpt();
    gpt_entry(9, 0x20, 2048, 2055, "dup");
    gpt_seal();
}
static void gpt_overlap_edge(void)
{
    good_gpt(); /* entry 3 is 10240..30722: a start at 30720 shares its last sectors */
    gpt_entry(4, 0x20, 30720, 40959, "edge");
    gpt_seal();
}
static void gpt_too_many(void)
{
    fresh_gpt(256, 128, 2);
    for (unsigned i = 0; i < 129; i++)
        gpt_entry(i, 0x10, 2048 + 8ull * i, 2048 + 8ull * i + 7, "p");
    gpt_seal();
}

static const struct hostile hostiles[] = {
    {"disk_too_small", disk_too_small, "the disk has 4 sectors, less than one 4 KiB block"},
    {"mbr_no_signature", mbr_no_signature,
     "no partition table: sector 0 lacks the MBR signature 0x55aa (it has 0x5500)"},
    {"mbr_boot_flag", mbr_boot_flag, "MBR entry 2: boot flag 0x81 is neither 0x0 nor 0x80"},
    {"mbr_past_disk", mbr_past_disk,
     "MBR entry 2 ends past the disk (at sector 30723; the disk has 20000 sectors)"},
    {"mbr_wraps", mbr_wraps, "MBR entry 1 ends past the disk (at sector 8589934583;"},
    {"mbr_at_zero", mbr_at_zero, "MBR entry 2 starts at sector 0, over the MBR itself"},
    {"mbr_zero_size", mbr_zero_size, "MBR entry 3 has 0 sectors, less than one 4 KiB block"},
    {"mbr_misaligned", mbr_misaligned,
     "MBR entry 1 starts at sector 63, not on a 4 KiB boundary (a multiple of 8 sectors)"},
    {"mbr_too_small", mbr_too_small, "MBR entry 3 has 7 sectors, less than one 4 KiB block"},
    {"mbr_overlap", mbr_overlap, "MBR entry 3 overlaps entry 1"},
    {"mbr_same_range", mbr_same_range, "MBR entry 4 overlaps entry 2"},
    {"pmbr_start", pmbr_start, "protective MBR entry 1 starts at sector 2, not 1"},
    {"gpt_signature", gpt_signature, "GPT header (sector 1) lacks the signature \"EFI PART\""},
    {"gpt_header_small", gpt_hdr_small, "GPT header size 91 is outside 92..512"},
    {"gpt_header_large", gpt_hdr_large, "GPT header size 513 is outside 92..512"},
    {"gpt_header_crc", gpt_hdr_crc, "GPT header CRC32 mismatch: stored 0x"},
    {"gpt_my_lba", gpt_my_lba, "GPT header says it lies at sector 2, not 1"},
    {"gpt_usable_past_disk", gpt_usable_past_disk,
     "GPT usable sectors 40..2097152 are empty, start before sector 2 or end past the disk"},
    {"gpt_usable_reversed", gpt_usable_reversed, "GPT usable sectors 5000..4000 are empty"},
    {"gpt_usable_over_header", gpt_usable_over_header, "GPT usable sectors 1..2097118"},
    {"gpt_entry_size_small", gpt_esize_small,
     "GPT entry size 120 is not a multiple of 8 of at least 128"},
    {"gpt_entry_size_odd", gpt_esize_odd, "GPT entry size 132 is not a multiple of 8"},
    {"gpt_count_huge", gpt_count_huge, "GPT header declares 4294967295 entries, more than 1024"},
    {"gpt_count_1025", gpt_count_1025, "GPT header declares 1025 entries, more than 1024"},
    {"gpt_array_big", gpt_array_big, "GPT entry array of 131072 bytes is larger than 32768"},
    {"gpt_entry_size_huge", gpt_esize_huge,
     "GPT entry array of 2147483648 bytes is larger than 32768"},
    {"gpt_array_on_header", gpt_array_on_header,
     "GPT entry array at sectors 1..32 overlaps the header or the usable sectors"},
    {"gpt_array_in_usable", gpt_array_in_usable, "GPT entry array at sectors 36..67 overlaps"},
    {"gpt_array_past_disk", gpt_array_past_disk,
     "GPT entry array at sectors 2097144..2097175 overlaps"},
    {"gpt_array_far", gpt_array_far, "GPT entry array at sectors 18446744073709551612..1844"},
    {"gpt_entries_crc", gpt_entries_crc, "GPT entry array CRC32 mismatch: computed 0x"},
    {"gpt_reversed", gpt_reversed,
     "GPT entry 3 ends (sector 10240) before it starts (sector 20480)"},
    {"gpt_outside", gpt_outside,
     "GPT entry 4 (sectors 40960..2097151) is outside the header's usable sectors"},
    {"gpt_before_usable", gpt_before_usable, "GPT entry 6 (sectors 8..39) is outside"},
    {"gpt_huge_lbas", gpt_huge_lbas, "GPT entry 2 (sectors 18446744073709551608..1844"},
    {"gpt_misaligned", gpt_misaligned,
     "GPT entry 1 starts at sector 2049, not on a 4 KiB boundary (a multiple of 8 sectors)"},
    {"gpt_one_sector", gpt_one_sector, "GPT entry 7 has 1 sectors, less than one 4 KiB block"},
    {"gpt_overlap", gpt_overlap, "GPT entry 3 overlaps entry 1"},
    {"gpt_overlap_later", gpt_overlap_later, "GPT entry 10 overlaps entry 1"},
    {"gpt_overlap_edge", gpt_overlap_edge, "GPT entry 5 overlaps entry 3"},
    {"gpt_too_many", gpt_too_many, "GPT has more than 128 partitions in use (at entry 129)"},
};

static void test_hostile(const struct hostile *h)
{
    h->build();
    CHECK(refused_with(h->message), "%s: got \"%s\", want \"%s...\"", h->name, message, h->message);
    printf("PASS: blk-partition-host/hostile_%s\n", h->name);
}

static void test_out_of_order(void)
{
    struct partition_gpt g = {.entry_count = 5000, .entry_size = 128, .last_usable = 10};
    uint8_t array[128] = {0};
    struct partition_result r = partition_parse_gpt_entries(&g, array, sizeof array, 100, &table);
    CHECK(r.step == PARTITION_REFUSED && r.error.check == PARTITION_ERR_STATE,
          "an unchecked header was taken");
    good_gpt();
    struct partition_gpt gpt;
    r = partition_parse_head(disk, disk_sectors, &table, &gpt);
    CHECK(r.step == PARTITION_NEED_ARRAY, "good header");
    r = partition_parse_gpt_entries(&gpt, disk + 1024, 100, disk_sectors, &table);
    partition_describe(&r.error, message, sizeof message);
    CHECK(r.step == PARTITION_REFUSED && strcmp(message, "GPT entry array: 100 bytes read, "
                                                         "16384 needed") == 0,
          "a short array: %s", message);
    char tiny[8];
    partition_describe(&r.error, tiny, sizeof tiny);
    CHECK(strcmp(tiny, "GPT ent") == 0, "a small buffer is cut and terminated: '%s'", tiny);
    printf("PASS: blk-partition-host/out_of_order\n");
}

/* ---- Random damage ----------------------------------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Every guarantee of partition.h holds for an accepted table. */
static bool table_sane(uint64_t first_usable, uint64_t last_usable, char *why, size_t n)
{
    for (uint32_t i = 0; i < table.count; i++) {
        const struct partition *p = &table.parts[i];
        if (p->first_lba % 8 != 0 || p->blocks == 0 || p->blocks != p->sectors / 8 ||
            p->first_lba == 0 || p->first_lba > disk_sectors ||
            p->sectors > disk_sectors - p->first_lba) {
            snprintf(why, n, "partition %u: %llu+%llu", p->number, (unsigned long long)p->first_lba,
                     (unsigned long long)p->sectors);
            return false;
        }
        if (table.scheme == PARTITION_SCHEME_GPT &&
            (p->first_lba < first_usable || p->first_lba + p->sectors - 1 > last_usable)) {
            snprintf(why, n, "partition %u outside usable", p->number);
            return false;
        }
        for (uint32_t j = 0; j < i; j++) {
            const struct partition *q = &table.parts[j];
            if (p->first_lba < q->first_lba + q->sectors &&
                q->first_lba < p->first_lba + p->sectors) {
                snprintf(why, n, "partitions %u and %u overlap", p->number, q->number);
                return false;
            }
        }
    }
    return true;
}

static void damage(uint8_t *base, size_t span)
{
    unsigned hits = 1 + (unsigned)(rnd() % 6);
    for (unsigned k = 0; k < hits; k++) {
        size_t at = (size_t)(rnd() % span);
        switch (rnd() % 3) {
        case 0:
            base[at] ^= (uint8_t)(1u << (rnd() % 8));
            break;
        case 1:
            base[at] = (uint8_t)rnd();
            break;
        default: /* a field-sized value */
            put_le(base + (at & ~(size_t)7), rnd() % 2 ? rnd() : rnd() % 4096, 8);
            break;
        }
    }
}

static void test_random_damage(void)
{
    char why[128];
    unsigned accepted = 0, refused = 0;
    for (unsigned iter = 0; iter < 40000; iter++) {
        bool gpt = rnd() % 4 != 0;
        if (gpt) {
            fresh_gpt(32, 128, 2);
            for (unsigned i = 0; i < 6; i++)
                gpt_entry((unsigned)(rnd() % 32), (uint8_t)rnd(), 2048 + 4096ull * i,
                          2048 + 4096ull * i + 4095, "r");
            gpt_seal();
            damage(disk, 512 + 512 + 32 * 128); /* the MBR, the header, the entries */
            if (rnd() % 2)
                gpt_seal();
            disk_sectors = rnd() % 8 == 0 ? rnd() % (GOOD_DISK * 2) : GOOD_DISK;
        } else {
            good_mbr();
            damage(disk + 446, 66);
            disk_sectors = rnd() % 4 == 0 ? rnd() % 100000 : GOOD_DISK;
        }
        struct partition_result r = parse();
        if (r.step == PARTITION_REFUSED) {
            refused++;
            CHECK(table.count == 0, "iteration %u: refused but %u partitions left", iter,
                  table.count);
            partition_describe(&r.error, message, sizeof message);
            CHECK(message[0] != '\0', "iteration %u: an empty message", iter);
            continue;
        }
        CHECK(r.step == PARTITION_DONE, "iteration %u: step %d", iter, (int)r.step);
        accepted++;
        uint64_t fu = 0, lu = 0;
        for (unsigned k = 0; k < 8; k++) {
            fu |= (uint64_t)disk[512 + 40 + k] << (8 * k);
            lu |= (uint64_t)disk[512 + 48 + k] << (8 * k);
        }
        CHECK(table_sane(fu, lu, why, sizeof why), "iteration %u: accepted a bad table: %s", iter,
              why);
    }
    CHECK(accepted > 1000 && refused > 1000, "the damage was too mild or too strong: %u/%u",
          accepted, refused);
    printf("PASS: blk-partition-host/random_damage (%u accepted, %u refused)\n", accepted, refused);
}

int main(void)
{
    test_crc32_vectors();
    test_good_mbr();
    test_empty_mbr();
    test_good_gpt();
    test_gpt_span();
    test_gpt_zero_entries();
    for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++)
        test_hostile(&hostiles[i]);
    test_out_of_order();
    test_random_damage();
    return host_check_failures == 0 ? 0 : 1;
}
