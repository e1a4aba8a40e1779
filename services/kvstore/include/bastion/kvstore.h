/*
 * The key-value store's client interface (docs/kvstore.md): what a client PD puts in its
 * shared region, which call it makes, what the reply says. Also the store's limits and
 * the status codes, which the store's core (services/kvstore/store.h) returns too, and
 * the serial lines of the power-cut self-test that tests/check_acks.py reads.
 *
 * Wiring (system.xml): client i (0 <= i < KV_MAX_CLIENTS) has
 *   - a channel to the store: pp="true" on the client's end, id KV_CH_CLIENT0 + i on the
 *     store's end (the store's priority must be above the client's);
 *   - a KV_SHARED_SIZE region mapped read-write in both: in the store with
 *     setvar_vaddr="kv_client<i>" (kv_client0 .. kv_client7).
 * The store reaches blk_virt on channel 0 (bastion/blk/client.h).
 *
 * A call: the client writes the key (and for a put the value) and their lengths into its
 * region, then bst_ppcall(ch, bst_msginfo_new(KV_PUT|KV_GET|KV_DELETE|KV_STATS, 0)). The
 * reply's label is an enum kv_status; its registers:
 *   KV_PUT, KV_DELETE  MR0 = the operation's sequence number (KV_OK only)
 *   KV_GET             MR0 = the value's length; the value is in the region's value area
 *   KV_STATS           MR0 = keys, MR1 = live bytes, MR2 = the log's capacity in bytes,
 *                      MR3 = the next sequence number
 * KV_OK for a put or a delete means durable: the record was written and a flush of the
 * disk returned before the reply was sent. A delete of an absent key is KV_NOT_FOUND and
 * writes nothing.
 *
 * The store treats the region as hostile: it reads each length once, bounds it, and
 * copies the key and value into its own memory before it looks at them. A client that
 * changes the region during its own call can only hurt itself.
 *
 * Freestanding C11: only compiler headers.
 */
#ifndef BASTION_KVSTORE_H
#define BASTION_KVSTORE_H

#include <stddef.h>
#include <stdint.h>

/* Limits (a request beyond them is KV_TOO_LARGE). */
#define KV_KEY_MAX   64u   /* bytes; keys are 1 to KV_KEY_MAX bytes, any values */
#define KV_VALUE_MAX 1024u /* bytes; values are 0 to KV_VALUE_MAX bytes */
#define KV_MAX_KEYS  1024u /* keys the store holds at most; beyond: KV_FULL */

/* Status: the reply's label, and what the store's core returns. One closed list. */
enum kv_status {
    KV_OK = 0,
    KV_NOT_FOUND = 1,   /* get or delete of a key the store does not hold */
    KV_TOO_LARGE = 2,   /* an empty key, or a key or value beyond the limits */
    KV_FULL = 3,        /* no room for the key (KV_MAX_KEYS) or the bytes: nothing written */
    KV_IO = 4,          /* the disk failed; the store refuses changes until restarted */
    KV_CORRUPT = 5,     /* a record failed its checksum when read back: nothing returned */
    KV_BAD_REQUEST = 6, /* an unknown label, or a channel with no region */
};

/* Call labels. */
enum kv_label {
    KV_PUT = 1,
    KV_GET = 2,
    KV_DELETE = 3,
    KV_STATS = 4,
};

/* The shared region: written by the client, read once by the store; a get's value is
 * written back into `value`. */
#define KV_SHARED_SIZE 0x1000u
struct kv_shared {
    uint32_t key_len;   /* 1 .. KV_KEY_MAX */
    uint32_t value_len; /* 0 .. KV_VALUE_MAX (put) */
    uint8_t reserved[8];
    uint8_t key[KV_KEY_MAX];
    uint8_t pad[48];
    uint8_t value[KV_VALUE_MAX];
};
_Static_assert(offsetof(struct kv_shared, key) == 16, "kv_shared is part of the client ABI");
_Static_assert(offsetof(struct kv_shared, value) == 128, "kv_shared is part of the client ABI");
_Static_assert(sizeof(struct kv_shared) <= KV_SHARED_SIZE, "kv_shared fits its region");

/* Channels in the store: blk_virt on 0 (BLK_CLIENT_CH_VIRT), client i on 1 + i. */
#define KV_CH_BLK      0u
#define KV_CH_CLIENT0  1u
#define KV_MAX_CLIENTS 8u

/*
 * The self-test (setvar kv_selftest = operations per boot, 0 = off: a normal store).
 * Each boot first prints what it recovered, then runs puts, overwrites and deletes of the
 * keys "k0" .. "k<KV_SELFTEST_KEYS - 1>" and the key "boot" (the boot counter, put first),
 * in batches of 1 to 4 committed with one flush, printing for each operation a `begin`
 * line before the batch is written and an `ack` line after it is durable. Every line
 * starts with "kvstore: "; lengths and sequence numbers are decimal, crc is the CRC32C of
 * the value in lowercase hex with 8 digits:
 *
 *   kvstore: recovered <records> records, <keys> keys, next seq <seq>, generation <gen>
 *   kvstore: key <key> len <len> crc 0x<crc>        (one per key held, any order)
 *   kvstore: dump end <keys> keys                   (the dump is complete)
 *   kvstore: begin put <key> len <len> crc 0x<crc>
 *   kvstore: begin del <key>
 *   kvstore: ack put <key> seq <seq> len <len> crc 0x<crc>
 *   kvstore: ack del <key> seq <seq>
 *   kvstore: corrupt <key> <what>                   (a value failed a check: never expected)
 *   kvstore: error <what>                           (mount or I/O failure)
 *   kvstore: selftest done <ops> ops
 *
 * After a cut, the next boot's dump must show, for each key, its last acked state or the
 * state of an operation begun after that ack (tests/check_acks.py).
 */
#define KV_SELFTEST_KEYS 200u

#endif /* BASTION_KVSTORE_H */
