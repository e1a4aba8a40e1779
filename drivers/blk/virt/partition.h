/*
 * The partition-table parser of blk_virt (docs/drivers.md, "blk_virt: partitions"): MBR
 * (four primary entries) and GPT (the primary header at sector 1 and its entry array, both
 * CRC32-checked). Pure: no system calls, no allocation, no libc; it reads only the buffers
 * it is given and writes only *out. blk_virt and the host tests both link it.
 *
 * Everything on the disk is an allegation. The parser accepts a table only if every check
 * below passes, and otherwise names the one check that failed and the entry it failed on
 * (partition_describe). What it guarantees about an accepted table:
 *   - every partition starts on a 4 KiB boundary (a multiple of 8 sectors) and holds at
 *     least one 4 KiB block; its size, in blocks, is rounded down to whole blocks;
 *   - every partition lies inside the disk (and, for GPT, inside the header's usable
 *     sectors), and no two partitions overlap (compared as the table gives them, before
 *     rounding), and none covers sector 0 (nor, for GPT, the header or the entry array);
 *   - numbers are Linux's: MBR slot i (0..3) is partition i + 1; GPT entry i is i + 1.
 *
 * Decisions (docs/drivers.md has the why):
 *   - only the primary GPT header is read; a bad one refuses the table (the backup header
 *     is not a fallback: a disk whose primary is damaged wants repair, not a guess);
 *   - MBR extended partitions (types 0x05, 0x0f, 0x85) are skipped, and logical
 *     partitions are not read (so no chain, and no loop, is ever followed);
 *   - an MBR entry of type 0xee (protective) means the disk is GPT; the entry must start
 *     at sector 1.
 *
 * Reading is in two steps, because blk_virt reads the disk through the driver, one
 * request at a time: partition_parse_head() takes the first 4 KiB of the disk (sectors 0 to
 * 7: the MBR, the GPT header) and either finishes (MBR) or says which blocks hold the GPT
 * entry array (partition_gpt_span); partition_parse_gpt_entries() then takes that array.
 */
#ifndef BLK_VIRT_PARTITION_H
#define BLK_VIRT_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#define PARTITION_SECTOR_SIZE      512u
#define PARTITION_SECTORS_PER_BLK  8u      /* a 4 KiB block */
#define PARTITION_HEAD_BYTES       4096u   /* what partition_parse_head() reads: sectors 0..7 */
#define PARTITION_MAX              128u    /* partitions in use that a table may have */
#define PARTITION_GPT_MAX_ENTRIES  1024u   /* entries a GPT header may declare */
#define PARTITION_GPT_MAX_ARRAY    0x8000u /* bytes of GPT entry array at most (32 KiB) */
#define PARTITION_GPT_MIN_HDR_SIZE 92u
#define PARTITION_NAME_MAX         36u /* a GPT name's UTF-16 code units */

/* The 4 KiB blocks (at most) that a GPT entry array of PARTITION_GPT_MAX_ARRAY bytes
 * starting anywhere in a block can span. */
#define PARTITION_GPT_MAX_SPAN_BLOCKS (PARTITION_GPT_MAX_ARRAY / 4096u + 1u)

enum partition_scheme {
    PARTITION_SCHEME_NONE = 0,
    PARTITION_SCHEME_MBR = 1,
    PARTITION_SCHEME_GPT = 2,
};

struct partition {
    uint32_t number;                   /* Linux's: 1-based slot */
    uint64_t first_lba;                /* in 512-byte sectors, a multiple of 8 */
    uint64_t sectors;                  /* as the table says (not rounded) */
    uint64_t blocks;                   /* whole 4 KiB blocks: sectors / 8, at least 1 */
    uint8_t mbr_type;                  /* MBR: the type byte; GPT: 0 */
    uint8_t type_guid[16];             /* GPT: the type GUID as on disk; MBR: zero */
    char name[PARTITION_NAME_MAX + 1]; /* GPT: the name, non-ASCII as '?'; MBR: "" */
};

struct partition_table {
    enum partition_scheme scheme;
    uint32_t count; /* partitions in use, in parts[] in slot order */
    struct partition parts[PARTITION_MAX];
};

/* The one check that refused a table. */
enum partition_check {
    PARTITION_OK = 0,
    PARTITION_ERR_DISK_SIZE,        /* value: the disk's sectors */
    PARTITION_ERR_MBR_SIGNATURE,    /* value: the two bytes found */
    PARTITION_ERR_MBR_BOOT_FLAG,    /* entry; value: the flag */
    PARTITION_ERR_MBR_AT_ZERO,      /* entry */
    PARTITION_ERR_MBR_PAST_DISK,    /* entry; value: its last sector + 1; limit: disk */
    PARTITION_ERR_PMBR_START,       /* entry; value: its first sector */
    PARTITION_ERR_GPT_SIGNATURE,    /* - */
    PARTITION_ERR_GPT_HEADER_SIZE,  /* value: the size */
    PARTITION_ERR_GPT_HEADER_CRC,   /* value: stored; limit: computed */
    PARTITION_ERR_GPT_MY_LBA,       /* value: my_lba */
    PARTITION_ERR_GPT_USABLE,       /* value: first usable; limit: last usable */
    PARTITION_ERR_GPT_ENTRY_SIZE,   /* value: the size */
    PARTITION_ERR_GPT_ENTRY_COUNT,  /* value: the count */
    PARTITION_ERR_GPT_ARRAY_SIZE,   /* value: bytes */
    PARTITION_ERR_GPT_ARRAY_PLACE,  /* value: first sector; limit: last sector */
    PARTITION_ERR_GPT_ARRAY_LENGTH, /* value: bytes given; limit: bytes needed */
    PARTITION_ERR_GPT_ENTRIES_CRC,  /* value: computed; limit: the header's */
    PARTITION_ERR_REVERSED,         /* entry; value: first; limit: last */
    PARTITION_ERR_OUTSIDE,          /* entry; value: first; limit: last (GPT: usable) */
    PARTITION_ERR_MISALIGNED,       /* entry; value: first sector */
    PARTITION_ERR_TOO_SMALL,        /* entry; value: sectors */
    PARTITION_ERR_OVERLAP,          /* entry overlaps other */
    PARTITION_ERR_TOO_MANY,         /* value: PARTITION_MAX */
    PARTITION_ERR_STATE,            /* a step called out of order (caller's bug) */
};

struct partition_error {
    enum partition_check check;
    enum partition_scheme scheme; /* which table the entry numbers refer to */
    uint32_t entry;               /* 1-based, 0 when the check is not about one entry */
    uint32_t other;               /* the second entry of an overlap */
    uint64_t value, limit;        /* what was found, and what it was checked against */
};

/* What a step did. */
enum partition_step {
    PARTITION_DONE,       /* *out holds the table */
    PARTITION_NEED_ARRAY, /* GPT: read the entry array (partition_gpt_span), then step 2 */
    PARTITION_REFUSED,    /* the error says why; *out is empty */
};

struct partition_result {
    enum partition_step step;
    struct partition_error error; /* check == PARTITION_OK unless REFUSED */
};

/* What step 1 keeps of a valid GPT header for step 2. */
struct partition_gpt {
    uint64_t first_usable, last_usable;
    uint64_t array_lba;   /* the entry array's first sector */
    uint32_t entry_count; /* <= PARTITION_GPT_MAX_ENTRIES */
    uint32_t entry_size;  /* >= 128, a multiple of 8 */
    uint32_t array_crc;
};

/* The 4 KiB blocks to read for a GPT entry array: `count` blocks from `first`; the array
 * starts `offset` bytes into the first and is `bytes` long. count <=
 * PARTITION_GPT_MAX_SPAN_BLOCKS for any header step 1 accepted. */
struct partition_span {
    uint64_t first;
    uint32_t count;
    uint32_t offset;
    uint32_t bytes;
};

/* CRC-32 as GPT uses it (IEEE 802.3: reflected, polynomial 0xedb88320, initial value and
 * final xor 0xffffffff): partition_crc32("123456789", 9) == 0xcbf43926. */
uint32_t partition_crc32(const uint8_t *data, size_t length);

/* Step 1: `head` is the disk's first PARTITION_HEAD_BYTES bytes; the disk has
 * `disk_sectors` sectors. DONE: an MBR table (possibly empty) in *out. NEED_ARRAY: a valid
 * GPT header, kept in *gpt; read its array and call step 2. REFUSED: the error says why. */
struct partition_result partition_parse_head(const uint8_t *head, uint64_t disk_sectors,
                                             struct partition_table *out,
                                             struct partition_gpt *gpt);

/* Which blocks hold the GPT entry array of a header step 1 accepted. */
struct partition_span partition_gpt_span(const struct partition_gpt *gpt);

/* Step 2: `array` holds the entry array (`bytes` long, at least span.bytes). DONE or
 * REFUSED. */
struct partition_result partition_parse_gpt_entries(const struct partition_gpt *gpt,
                                                    const uint8_t *array, size_t bytes,
                                                    uint64_t disk_sectors,
                                                    struct partition_table *out);

/* The partition numbered `number`, or NULL. */
const struct partition *partition_find(const struct partition_table *t, uint32_t number);

/* A one-line English description of the error (no trailing newline) into buf (always
 * NUL-terminated when size > 0), e.g. "GPT entry 3 overlaps entry 1". Returns buf. */
char *partition_describe(const struct partition_error *e, char *buf, size_t size);

#endif /* BLK_VIRT_PARTITION_H */
