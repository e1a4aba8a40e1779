/*
 * The partition parser driven as blk_virt drives it, over a disk image in memory: the first
 * 4 KiB block, then (GPT) the blocks partition_gpt_span() names. Bytes past `available`
 * read as zeros (a disk image the test built only the start of). Shared by the parser's
 * unit tests and partdump (the sfdisk comparison).
 */
#ifndef BLK_VIRT_TEST_PARSE_IMAGE_H
#define BLK_VIRT_TEST_PARSE_IMAGE_H

#include <stdint.h>
#include <string.h>

#include "../partition.h"

static void image_read(const uint8_t *disk, size_t available, uint64_t block, uint32_t count,
                       uint8_t *to)
{
    memset(to, 0, (size_t)count * 4096u);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = (block + i) * 4096u;
        if (at < available) {
            size_t n = available - at < 4096u ? (size_t)(available - at) : 4096u;
            memcpy(to + (size_t)i * 4096u, disk + at, n);
        }
    }
}

static struct partition_result parse_image(const uint8_t *disk, size_t available,
                                           uint64_t disk_sectors, struct partition_table *out)
{
    static uint8_t head[PARTITION_HEAD_BYTES];
    static uint8_t array[PARTITION_GPT_MAX_SPAN_BLOCKS * 4096u];
    struct partition_gpt gpt;
    image_read(disk, available, 0, 1, head);
    struct partition_result r = partition_parse_head(head, disk_sectors, out, &gpt);
    if (r.step != PARTITION_NEED_ARRAY)
        return r;
    struct partition_span span = partition_gpt_span(&gpt);
    if (span.count > PARTITION_GPT_MAX_SPAN_BLOCKS) {
        r.step = PARTITION_REFUSED;
        r.error.check = PARTITION_ERR_STATE;
        return r;
    }
    image_read(disk, available, span.first, span.count, array);
    return partition_parse_gpt_entries(&gpt, array + span.offset, span.bytes, disk_sectors, out);
}

#endif
