/*
 * The index's hash table (index.h). Linear probing keeps lookups to a short scan of one
 * array; with at most half the slots full, a probe sequence stays short.
 */
#include "index.h"

#include "bytes.h"

#define SLOT_MASK (KV_INDEX_SLOTS - 1u)
_Static_assert((KV_INDEX_SLOTS & SLOT_MASK) == 0, "the slot count is a power of two");
_Static_assert(KV_MAX_KEYS < UINT16_MAX, "entry numbers fit a slot");

/* FNV-1a: the key's home slot. */
static uint32_t home_slot(const uint8_t *key, uint32_t key_len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < key_len; i++) {
        h = (h ^ key[i]) * 16777619u;
    }
    return h & SLOT_MASK;
}

static bool same_key(const struct kv_entry *e, const uint8_t *key, uint32_t key_len)
{
    return e->key_len == key_len && kv_memcmp(e->key, key, key_len) == 0;
}

void index_init(struct kv_index *index)
{
    kv_memset(index, 0, sizeof(*index));
    for (uint32_t i = 0; i < KV_MAX_KEYS; i++) {
        index->free_entries[i] = (uint16_t)(KV_MAX_KEYS - 1 - i);
    }
    index->free_count = KV_MAX_KEYS;
}

/* The slot that holds this key, or the empty slot where it would go. */
static uint32_t probe(const struct kv_index *index, const uint8_t *key, uint32_t key_len)
{
    uint32_t s = home_slot(key, key_len);
    while (index->slots[s] != 0 && !same_key(&index->entries[index->slots[s] - 1], key, key_len)) {
        s = (s + 1) & SLOT_MASK;
    }
    return s;
}

struct kv_entry *index_find(struct kv_index *index, const uint8_t *key, uint32_t key_len)
{
    uint32_t s = probe(index, key, key_len);
    return index->slots[s] == 0 ? NULL : &index->entries[index->slots[s] - 1];
}

struct kv_entry *index_insert(struct kv_index *index, const uint8_t *key, uint32_t key_len)
{
    if (index->free_count == 0 || key_len == 0 || key_len > KV_KEY_MAX) {
        return NULL;
    }
    uint32_t s = probe(index, key, key_len);
    uint16_t n = index->free_entries[--index->free_count];
    struct kv_entry *e = &index->entries[n];
    kv_memset(e, 0, sizeof(*e));
    e->key_len = (uint8_t)key_len;
    kv_memcpy(e->key, key, key_len);
    index->slots[s] = (uint16_t)(n + 1);
    index->count++;
    return e;
}

void index_remove(struct kv_index *index, struct kv_entry *entry)
{
    uint32_t i = probe(index, entry->key, entry->key_len);
    uint16_t n = (uint16_t)(entry - index->entries);
    /* Backward shift: move later members of the probe run into the hole when their home
     * slot does not lie (cyclically) between the hole and where they are. */
    for (uint32_t j = (i + 1) & SLOT_MASK; index->slots[j] != 0; j = (j + 1) & SLOT_MASK) {
        const struct kv_entry *m = &index->entries[index->slots[j] - 1];
        uint32_t k = home_slot(m->key, m->key_len);
        bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            index->slots[i] = index->slots[j];
            i = j;
        }
    }
    index->slots[i] = 0;
    kv_memset(entry, 0, sizeof(*entry));
    index->free_entries[index->free_count++] = n;
    index->count--;
}

bool index_check(const struct kv_index *index)
{
    uint32_t used = 0, filled = 0;
    for (uint32_t n = 0; n < KV_MAX_KEYS; n++) {
        const struct kv_entry *e = &index->entries[n];
        if (e->key_len == 0) {
            continue;
        }
        used++;
        if (e->key_len > KV_KEY_MAX) {
            return false;
        }
        /* Reachable: the run from its home slot reaches it before an empty slot. */
        uint32_t s = home_slot(e->key, e->key_len);
        while (index->slots[s] != n + 1) {
            if (index->slots[s] == 0) {
                return false;
            }
            s = (s + 1) & SLOT_MASK;
        }
    }
    for (uint32_t s = 0; s < KV_INDEX_SLOTS; s++) {
        if (index->slots[s] != 0) {
            filled++;
            if (index->slots[s] > KV_MAX_KEYS || index->entries[index->slots[s] - 1].key_len == 0) {
                return false;
            }
        }
    }
    return used == index->count && filled == used && index->free_count + used == KV_MAX_KEYS;
}
