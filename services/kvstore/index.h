/*
 * The in-memory index: for each key the store holds, where its latest record lies in the
 * live segment. A hash table of at most KV_MAX_KEYS entries (open addressing, linear
 * probing, twice as many slots as entries, deletion by backward shift), all in the
 * struct: no allocation, bounded memory (about 90 KiB). Keys are kept whole, so a lookup
 * needs no disk read; values stay on disk.
 */
#ifndef KVSTORE_INDEX_H
#define KVSTORE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/kvstore.h>

#define KV_INDEX_SLOTS (2u * KV_MAX_KEYS) /* a power of two */

struct kv_entry {
    uint64_t loc;     /* byte offset of the key's latest record in the live segment */
    uint64_t seq;     /* that record's sequence number */
    uint64_t new_loc; /* compaction's scratch: the offset in the segment being written */
    uint16_t value_len;
    uint8_t key_len; /* 0: the entry is free */
    uint8_t key[KV_KEY_MAX];
};

struct kv_index {
    uint16_t slots[KV_INDEX_SLOTS]; /* 0: empty; else 1 + the entry's number */
    struct kv_entry entries[KV_MAX_KEYS];
    uint16_t free_entries[KV_MAX_KEYS]; /* a stack of free entry numbers */
    uint32_t free_count;
    uint32_t count; /* entries in use */
};

void index_init(struct kv_index *index);

/* The entry of this key, or NULL. */
struct kv_entry *index_find(struct kv_index *index, const uint8_t *key, uint32_t key_len);

/* A new entry for a key that index_find() did not find (its key set, the rest zero), or
 * NULL when KV_MAX_KEYS are held. */
struct kv_entry *index_insert(struct kv_index *index, const uint8_t *key, uint32_t key_len);

/* Forget an entry that index_find() or index_insert() returned. */
void index_remove(struct kv_index *index, struct kv_entry *entry);

/* The invariants: every used entry is reachable from its home slot without crossing an
 * empty slot, every non-empty slot names a used entry exactly once, counts agree. */
bool index_check(const struct kv_index *index);

#endif /* KVSTORE_INDEX_H */
