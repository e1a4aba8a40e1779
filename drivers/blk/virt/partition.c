/*
 * The partition-table parser (partition.h has the contract). Layouts: the MBR's four
 * 16-byte entries at byte 446 and its signature 0x55 0xaa at 510; GPT as in the UEFI
 * specification (chapter 5): the header at sector 1, 128-byte-or-larger entries in an array
 * the header places. Every multi-byte field is little-endian and read byte by byte, so the
 * parser needs no alignment and no libc.
 */
#include "partition.h"

#include <stdbool.h>

/* MBR */
#define MBR_ENTRIES      4u
#define MBR_ENTRY_OFFSET 446u
#define MBR_ENTRY_SIZE   16u
#define MBR_SIG_OFFSET   510u
#define MBR_TYPE_GPT     0xeeu

/* GPT header fields (byte offsets in sector 1) */
#define GPT_SIGNATURE    0x5452415020494645ull /* "EFI PART" little-endian */
#define GPT_HDR_SIZE     12u
#define GPT_HDR_CRC      16u
#define GPT_MY_LBA       24u
#define GPT_FIRST_USABLE 40u
#define GPT_LAST_USABLE  48u
#define GPT_ARRAY_LBA    72u
#define GPT_ENTRY_COUNT  80u
#define GPT_ENTRY_SIZE   84u
#define GPT_ARRAY_CRC    88u
#define GPT_MIN_ENTRY    128u

/* GPT entry fields */
#define GPT_E_FIRST 32u
#define GPT_E_LAST  40u
#define GPT_E_NAME  56u

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- CRC-32 ------------------------------------------------------------------------------ */

/* Bitwise, one byte at a time: the tables are read once at start, so speed does not
 * matter, and no table means nothing to get wrong. `crc` is the running, un-inverted
 * value. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        crc ^= data[i];
        for (unsigned bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return crc;
}

uint32_t partition_crc32(const uint8_t *data, size_t length)
{
    return ~crc32_update(0xffffffffu, data, length);
}

/* ---- Results ---------------------------------------------------------------------------- */

static struct partition_result refuse(struct partition_table *out, enum partition_scheme s,
                                      enum partition_check check, uint32_t entry, uint64_t value,
                                      uint64_t limit)
{
    out->scheme = PARTITION_SCHEME_NONE;
    out->count = 0;
    return (struct partition_result){
        .step = PARTITION_REFUSED,
        .error = {.check = check, .scheme = s, .entry = entry, .value = value, .limit = limit},
    };
}

static struct partition_result done(void)
{
    return (struct partition_result){.step = PARTITION_DONE};
}

/* The checks every partition of either scheme passes: aligned, at least one block. */
static enum partition_check check_shape(uint64_t first, uint64_t sectors, uint64_t *value)
{
    if (first % PARTITION_SECTORS_PER_BLK != 0) {
        *value = first;
        return PARTITION_ERR_MISALIGNED;
    }
    if (sectors < PARTITION_SECTORS_PER_BLK) {
        *value = sectors;
        return PARTITION_ERR_TOO_SMALL;
    }
    return PARTITION_OK;
}

/* Add a checked partition; false when the table is full. */
static bool add(struct partition_table *out, uint32_t number, uint64_t first, uint64_t sectors)
{
    if (out->count == PARTITION_MAX)
        return false;
    struct partition *p = &out->parts[out->count++];
    *p = (struct partition){.number = number,
                            .first_lba = first,
                            .sectors = sectors,
                            .blocks = sectors / PARTITION_SECTORS_PER_BLK};
    return true;
}

/* The first pair of partitions whose sector ranges meet, or OK. Quadratic: at most
 * PARTITION_MAX^2 / 2 comparisons, once at start. */
static struct partition_result check_overlaps(struct partition_table *out)
{
    for (uint32_t j = 1; j < out->count; j++) {
        const struct partition *b = &out->parts[j];
        for (uint32_t i = 0; i < j; i++) {
            const struct partition *a = &out->parts[i];
            /* Both are non-empty and end inside the disk: no sums overflow. */
            if (a->first_lba < b->first_lba + b->sectors &&
                b->first_lba < a->first_lba + a->sectors) {
                enum partition_scheme s = out->scheme;
                struct partition_result r = refuse(out, s, PARTITION_ERR_OVERLAP, b->number, 0, 0);
                r.error.other = a->number;
                return r;
            }
        }
    }
    return done();
}

/* ---- MBR --------------------------------------------------------------------------------- */

static bool mbr_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0f || type == 0x85;
}

static struct partition_result parse_mbr(const uint8_t *mbr, uint64_t disk,
                                         struct partition_table *out)
{
    const enum partition_scheme s = PARTITION_SCHEME_MBR;
    out->scheme = s;
    for (uint32_t i = 0; i < MBR_ENTRIES; i++) {
        const uint8_t *e = mbr + MBR_ENTRY_OFFSET + i * MBR_ENTRY_SIZE;
        uint8_t type = e[4];
        uint64_t first = le32(e + 8), sectors = le32(e + 12);
        if (type == 0)
            continue;
        if (e[0] != 0 && e[0] != 0x80)
            return refuse(out, s, PARTITION_ERR_MBR_BOOT_FLAG, i + 1, e[0], 0);
        if (mbr_extended(type))
            continue; /* logical partitions are not read */
        if (sectors == 0)
            return refuse(out, s, PARTITION_ERR_TOO_SMALL, i + 1, 0, 0);
        if (first == 0)
            return refuse(out, s, PARTITION_ERR_MBR_AT_ZERO, i + 1, 0, 0);
        if (first + sectors > disk) /* both < 2^32: no overflow */
            return refuse(out, s, PARTITION_ERR_MBR_PAST_DISK, i + 1, first + sectors, disk);
        uint64_t value = 0;
        enum partition_check c = check_shape(first, sectors, &value);
        if (c != PARTITION_OK)
            return refuse(out, s, c, i + 1, value, 0);
        add(out, i + 1, first, sectors); /* at most 4: never full */
        out->parts[out->count - 1].mbr_type = type;
    }
    return check_overlaps(out);
}

/* ---- GPT header -------------------------------------------------------------------------- */

static struct partition_result parse_gpt_header(const uint8_t *h, uint64_t disk,
                                                struct partition_table *out,
                                                struct partition_gpt *gpt)
{
    const enum partition_scheme s = PARTITION_SCHEME_GPT;
    if (le64(h) != GPT_SIGNATURE)
        return refuse(out, s, PARTITION_ERR_GPT_SIGNATURE, 0, 0, 0);
    uint32_t size = le32(h + GPT_HDR_SIZE);
    if (size < PARTITION_GPT_MIN_HDR_SIZE || size > PARTITION_SECTOR_SIZE)
        return refuse(out, s, PARTITION_ERR_GPT_HEADER_SIZE, 0, size, 0);
    /* The CRC covers `size` bytes with its own field taken as zero. */
    static const uint8_t zero[4];
    uint32_t crc = crc32_update(0xffffffffu, h, GPT_HDR_CRC);
    crc = crc32_update(crc, zero, sizeof zero);
    crc = ~crc32_update(crc, h + GPT_HDR_CRC + 4, size - GPT_HDR_CRC - 4);
    uint32_t stored = le32(h + GPT_HDR_CRC);
    if (crc != stored)
        return refuse(out, s, PARTITION_ERR_GPT_HEADER_CRC, 0, stored, crc);
    uint64_t my_lba = le64(h + GPT_MY_LBA);
    if (my_lba != 1)
        return refuse(out, s, PARTITION_ERR_GPT_MY_LBA, 0, my_lba, 0);
    uint64_t first = le64(h + GPT_FIRST_USABLE), last = le64(h + GPT_LAST_USABLE);
    if (first < 2 || first > last || last >= disk)
        return refuse(out, s, PARTITION_ERR_GPT_USABLE, 0, first, last);
    uint32_t esize = le32(h + GPT_ENTRY_SIZE), count = le32(h + GPT_ENTRY_COUNT);
    if (esize < GPT_MIN_ENTRY || esize % 8 != 0)
        return refuse(out, s, PARTITION_ERR_GPT_ENTRY_SIZE, 0, esize, 0);
    if (count > PARTITION_GPT_MAX_ENTRIES)
        return refuse(out, s, PARTITION_ERR_GPT_ENTRY_COUNT, 0, count, PARTITION_GPT_MAX_ENTRIES);
    uint64_t bytes = (uint64_t)esize * count; /* < 2^42 */
    if (bytes > PARTITION_GPT_MAX_ARRAY)
        return refuse(out, s, PARTITION_ERR_GPT_ARRAY_SIZE, 0, bytes, PARTITION_GPT_MAX_ARRAY);
    /* The array lies after the header, inside the disk, outside the usable sectors. */
    uint64_t lba = le64(h + GPT_ARRAY_LBA);
    uint64_t sectors = (bytes + PARTITION_SECTOR_SIZE - 1) / PARTITION_SECTOR_SIZE;
    if (lba < 2 || lba > disk || sectors > disk - lba ||
        (sectors > 0 && lba <= last && first < lba + sectors))
        return refuse(out, s, PARTITION_ERR_GPT_ARRAY_PLACE, 0, lba,
                      sectors > 0 && lba <= disk ? lba + sectors - 1 : lba);
    *gpt = (struct partition_gpt){.first_usable = first,
                                  .last_usable = last,
                                  .array_lba = lba,
                                  .entry_count = count,
                                  .entry_size = esize,
                                  .array_crc = le32(h + GPT_ARRAY_CRC)};
    out->scheme = s;
    out->count = 0;
    return (struct partition_result){.step = PARTITION_NEED_ARRAY};
}

struct partition_result partition_parse_head(const uint8_t *head, uint64_t disk_sectors,
                                             struct partition_table *out, struct partition_gpt *gpt)
{
    out->scheme = PARTITION_SCHEME_NONE;
    out->count = 0;
    if (disk_sectors < PARTITION_SECTORS_PER_BLK)
        return refuse(out, PARTITION_SCHEME_NONE, PARTITION_ERR_DISK_SIZE, 0, disk_sectors, 0);
    if (head[MBR_SIG_OFFSET] != 0x55 || head[MBR_SIG_OFFSET + 1] != 0xaa)
        return refuse(out, PARTITION_SCHEME_NONE, PARTITION_ERR_MBR_SIGNATURE, 0,
                      (uint64_t)head[MBR_SIG_OFFSET] << 8 | head[MBR_SIG_OFFSET + 1], 0);
    for (uint32_t i = 0; i < MBR_ENTRIES; i++) {
        const uint8_t *e = head + MBR_ENTRY_OFFSET + i * MBR_ENTRY_SIZE;
        if (e[4] != MBR_TYPE_GPT)
            continue;
        if (le32(e + 8) != 1)
            return refuse(out, PARTITION_SCHEME_MBR, PARTITION_ERR_PMBR_START, i + 1, le32(e + 8),
                          0);
        return parse_gpt_header(head + PARTITION_SECTOR_SIZE, disk_sectors, out, gpt);
    }
    return parse_mbr(head, disk_sectors, out);
}

struct partition_span partition_gpt_span(const struct partition_gpt *gpt)
{
    uint32_t bytes = gpt->entry_count * gpt->entry_size; /* checked: <= 32 KiB */
    uint32_t offset =
        (uint32_t)(gpt->array_lba % PARTITION_SECTORS_PER_BLK) * PARTITION_SECTOR_SIZE;
    uint32_t count = bytes == 0 ? 0 : (offset + bytes + 4095u) / 4096u;
    return (struct partition_span){.first = gpt->array_lba / PARTITION_SECTORS_PER_BLK,
                                   .count = count,
                                   .offset = offset,
                                   .bytes = bytes};
}

/* ---- GPT entries ------------------------------------------------------------------------- */

static bool guid_zero(const uint8_t *g)
{
    for (unsigned i = 0; i < 16; i++)
        if (g[i] != 0)
            return false;
    return true;
}

static void gpt_name(char *name, const uint8_t *utf16)
{
    unsigned i = 0;
    for (; i < PARTITION_NAME_MAX; i++) {
        uint32_t c = le16(utf16 + 2 * i);
        if (c == 0)
            break;
        name[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    name[i] = '\0';
}

struct partition_result partition_parse_gpt_entries(const struct partition_gpt *gpt,
                                                    const uint8_t *array, size_t bytes,
                                                    uint64_t disk_sectors,
                                                    struct partition_table *out)
{
    const enum partition_scheme s = PARTITION_SCHEME_GPT;
    out->scheme = s;
    out->count = 0;
    if (gpt->entry_count > PARTITION_GPT_MAX_ENTRIES || gpt->entry_size < GPT_MIN_ENTRY ||
        (uint64_t)gpt->entry_count * gpt->entry_size > PARTITION_GPT_MAX_ARRAY ||
        gpt->last_usable >= disk_sectors)
        return refuse(out, s, PARTITION_ERR_STATE, 0, 0, 0);
    uint32_t need = gpt->entry_count * gpt->entry_size;
    if (bytes < need)
        return refuse(out, s, PARTITION_ERR_GPT_ARRAY_LENGTH, 0, bytes, need);
    uint32_t crc = partition_crc32(array, need);
    if (crc != gpt->array_crc)
        return refuse(out, s, PARTITION_ERR_GPT_ENTRIES_CRC, 0, crc, gpt->array_crc);
    for (uint32_t i = 0; i < gpt->entry_count; i++) {
        const uint8_t *e = array + (size_t)i * gpt->entry_size;
        if (guid_zero(e))
            continue; /* unused */
        uint64_t first = le64(e + GPT_E_FIRST), last = le64(e + GPT_E_LAST);
        if (last < first)
            return refuse(out, s, PARTITION_ERR_REVERSED, i + 1, first, last);
        if (first < gpt->first_usable || last > gpt->last_usable)
            return refuse(out, s, PARTITION_ERR_OUTSIDE, i + 1, first, last);
        uint64_t value = 0;
        enum partition_check c = check_shape(first, last - first + 1, &value);
        if (c != PARTITION_OK)
            return refuse(out, s, c, i + 1, value, 0);
        if (!add(out, i + 1, first, last - first + 1))
            return refuse(out, s, PARTITION_ERR_TOO_MANY, i + 1, PARTITION_MAX, 0);
        struct partition *p = &out->parts[out->count - 1];
        for (unsigned k = 0; k < 16; k++)
            p->type_guid[k] = e[k];
        gpt_name(p->name, e + GPT_E_NAME);
    }
    return check_overlaps(out);
}

const struct partition *partition_find(const struct partition_table *t, uint32_t number)
{
    for (uint32_t i = 0; i < t->count && i < PARTITION_MAX; i++)
        if (t->parts[i].number == number)
            return &t->parts[i];
    return NULL;
}

/* ---- Messages ---------------------------------------------------------------------------- */

struct text {
    char *buf;
    size_t size, len;
};

static void put(struct text *t, const char *s)
{
    for (; *s != '\0'; s++) {
        if (t->len + 1 < t->size)
            t->buf[t->len] = *s;
        t->len++;
    }
    if (t->size > 0)
        t->buf[t->len < t->size ? t->len : t->size - 1] = '\0';
}

static void put_number(struct text *t, uint64_t v, unsigned base)
{
    char digits[24];
    unsigned n = sizeof digits - 1;
    digits[n] = '\0';
    do {
        digits[--n] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (base == 16)
        put(t, "0x");
    put(t, digits + n);
}

static void put_u(struct text *t, uint64_t v)
{
    put_number(t, v, 10);
}

static void put_x(struct text *t, uint64_t v)
{
    put_number(t, v, 16);
}

/* "MBR entry 3" / "GPT entry 3" */
static void put_entry(struct text *t, const struct partition_error *e)
{
    put(t, e->scheme == PARTITION_SCHEME_GPT ? "GPT entry " : "MBR entry ");
    put_u(t, e->entry);
}

char *partition_describe(const struct partition_error *e, char *buf, size_t size)
{
    struct text t = {.buf = buf, .size = size};
    put(&t, "");
    switch (e->check) {
    case PARTITION_OK:
        put(&t, "no error");
        break;
    case PARTITION_ERR_DISK_SIZE:
        put(&t, "the disk has ");
        put_u(&t, e->value);
        put(&t, " sectors, less than one 4 KiB block");
        break;
    case PARTITION_ERR_MBR_SIGNATURE:
        put(&t, "no partition table: sector 0 lacks the MBR signature 0x55aa (it has ");
        put_x(&t, e->value);
        put(&t, ")");
        break;
    case PARTITION_ERR_MBR_BOOT_FLAG:
        put_entry(&t, e);
        put(&t, ": boot flag ");
        put_x(&t, e->value);
        put(&t, " is neither 0x0 nor 0x80");
        break;
    case PARTITION_ERR_MBR_AT_ZERO:
        put_entry(&t, e);
        put(&t, " starts at sector 0, over the MBR itself");
        break;
    case PARTITION_ERR_MBR_PAST_DISK:
        put_entry(&t, e);
        put(&t, " ends past the disk (at sector ");
        put_u(&t, e->value);
        put(&t, "; the disk has ");
        put_u(&t, e->limit);
        put(&t, " sectors)");
        break;
    case PARTITION_ERR_PMBR_START:
        put(&t, "protective MBR entry ");
        put_u(&t, e->entry);
        put(&t, " starts at sector ");
        put_u(&t, e->value);
        put(&t, ", not 1");
        break;
    case PARTITION_ERR_GPT_SIGNATURE:
        put(&t, "GPT header (sector 1) lacks the signature \"EFI PART\"");
        break;
    case PARTITION_ERR_GPT_HEADER_SIZE:
        put(&t, "GPT header size ");
        put_u(&t, e->value);
        put(&t, " is outside 92..512");
        break;
    case PARTITION_ERR_GPT_HEADER_CRC:
        put(&t, "GPT header CRC32 mismatch: stored ");
        put_x(&t, e->value);
        put(&t, ", computed ");
        put_x(&t, e->limit);
        put(&t, " (the backup header is not used)");
        break;
    case PARTITION_ERR_GPT_MY_LBA:
        put(&t, "GPT header says it lies at sector ");
        put_u(&t, e->value);
        put(&t, ", not 1");
        break;
    case PARTITION_ERR_GPT_USABLE:
        put(&t, "GPT usable sectors ");
        put_u(&t, e->value);
        put(&t, "..");
        put_u(&t, e->limit);
        put(&t, " are empty, start before sector 2 or end past the disk");
        break;
    case PARTITION_ERR_GPT_ENTRY_SIZE:
        put(&t, "GPT entry size ");
        put_u(&t, e->value);
        put(&t, " is not a multiple of 8 of at least 128");
        break;
    case PARTITION_ERR_GPT_ENTRY_COUNT:
        put(&t, "GPT header declares ");
        put_u(&t, e->value);
        put(&t, " entries, more than ");
        put_u(&t, e->limit);
        break;
    case PARTITION_ERR_GPT_ARRAY_SIZE:
        put(&t, "GPT entry array of ");
        put_u(&t, e->value);
        put(&t, " bytes is larger than ");
        put_u(&t, e->limit);
        break;
    case PARTITION_ERR_GPT_ARRAY_PLACE:
        put(&t, "GPT entry array at sectors ");
        put_u(&t, e->value);
        put(&t, "..");
        put_u(&t, e->limit);
        put(&t, " overlaps the header or the usable sectors, or ends past the disk");
        break;
    case PARTITION_ERR_GPT_ARRAY_LENGTH:
        put(&t, "GPT entry array: ");
        put_u(&t, e->value);
        put(&t, " bytes read, ");
        put_u(&t, e->limit);
        put(&t, " needed");
        break;
    case PARTITION_ERR_GPT_ENTRIES_CRC:
        put(&t, "GPT entry array CRC32 mismatch: computed ");
        put_x(&t, e->value);
        put(&t, ", the header says ");
        put_x(&t, e->limit);
        break;
    case PARTITION_ERR_REVERSED:
        put_entry(&t, e);
        put(&t, " ends (sector ");
        put_u(&t, e->limit);
        put(&t, ") before it starts (sector ");
        put_u(&t, e->value);
        put(&t, ")");
        break;
    case PARTITION_ERR_OUTSIDE:
        put_entry(&t, e);
        put(&t, " (sectors ");
        put_u(&t, e->value);
        put(&t, "..");
        put_u(&t, e->limit);
        put(&t, ") is outside the header's usable sectors");
        break;
    case PARTITION_ERR_MISALIGNED:
        put_entry(&t, e);
        put(&t, " starts at sector ");
        put_u(&t, e->value);
        put(&t, ", not on a 4 KiB boundary (a multiple of 8 sectors)");
        break;
    case PARTITION_ERR_TOO_SMALL:
        put_entry(&t, e);
        put(&t, " has ");
        put_u(&t, e->value);
        put(&t, " sectors, less than one 4 KiB block");
        break;
    case PARTITION_ERR_OVERLAP:
        put_entry(&t, e);
        put(&t, " overlaps entry ");
        put_u(&t, e->other);
        break;
    case PARTITION_ERR_TOO_MANY:
        put(&t, "GPT has more than ");
        put_u(&t, e->value);
        put(&t, " partitions in use (at entry ");
        put_u(&t, e->entry);
        put(&t, ")");
        break;
    case PARTITION_ERR_STATE:
        put(&t, "the GPT entries were parsed without a header accepted first");
        break;
    }
    return buf;
}
