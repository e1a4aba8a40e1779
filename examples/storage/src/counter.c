/*
 * counter: the storage example's client of the key-value store (examples/storage). Each
 * boot it reads the key "boots", adds one and stores it back, then appends a record
 * "boot/N" with what it saw, and prints both: on a disk that survives, the count goes on
 * from where the last run left it. Every put is durable when the store answers
 * (bastion/kvstore.h).
 */
#include <bastion/kvstore.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define KV_CH 0

uintptr_t kv_shared; /* setvar_vaddr: the region shared with the store */

static volatile struct kv_shared *shared(void)
{
    return (volatile struct kv_shared *)kv_shared;
}

static void set_key(const char *key)
{
    size_t n = bst_strlen(key);
    for (size_t i = 0; i < n; i++)
        shared()->key[i] = (uint8_t)key[i];
    shared()->key_len = (uint32_t)n;
}

static void set_value(const char *value, size_t n)
{
    for (size_t i = 0; i < n; i++)
        shared()->value[i] = (uint8_t)value[i];
    shared()->value_len = (uint32_t)n;
}

/* The decimal number stored under `key`, or 0 when there is none. */
static uint64_t get_number(const char *key)
{
    set_key(key);
    bst_msginfo_t reply = bst_ppcall(KV_CH, bst_msginfo_new(KV_GET, 0));
    if (bst_msginfo_label(reply) != KV_OK)
        return 0;
    uint64_t len = bst_mr_get(0), value = 0;
    for (uint64_t i = 0; i < len && i < 20; i++) {
        uint8_t c = shared()->value[i];
        if (c < '0' || c > '9')
            return 0;
        value = value * 10 + (uint64_t)(c - '0');
    }
    return value;
}

static uint64_t put(const char *key, const char *value)
{
    set_key(key);
    set_value(value, bst_strlen(value));
    bst_msginfo_t reply = bst_ppcall(KV_CH, bst_msginfo_new(KV_PUT, 0));
    if (bst_msginfo_label(reply) != KV_OK) {
        bst_printf("counter: put %s failed: status %lu\n", key,
                   (unsigned long)bst_msginfo_label(reply));
        return 0;
    }
    return bst_mr_get(0);
}

void init(void)
{
    if (kv_shared == 0) {
        bst_printf("counter: no kv_shared region\n");
        return;
    }
    uint64_t boots = get_number("boots") + 1;
    char number[24], key[32], record[96];
    bst_snprintf(number, sizeof number, "%lu", (unsigned long)boots);
    uint64_t seq = put("boots", number);
    bst_snprintf(key, sizeof key, "boot/%lu", (unsigned long)boots);
    bst_snprintf(record, sizeof record, "boot %lu, counter stored with sequence number %lu",
                 (unsigned long)boots, (unsigned long)seq);
    put(key, record);
    bst_printf("counter: boot %lu of this disk (stored durably, seq %lu)\n", (unsigned long)boots,
               (unsigned long)seq);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
