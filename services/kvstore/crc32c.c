/*
 * CRC32C, a byte at a time through a 256-entry table computed on first use (1 KiB; the
 * store is single-threaded). Checked against the RFC 3720 vectors by the host tests.
 */
#include "crc32c.h"

#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli */

static uint32_t table[256];
static int table_ready;

static void make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; bit++) {
            c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        }
        table[i] = c;
    }
    table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t length)
{
    const uint8_t *p = data;
    if (!table_ready) {
        make_table();
    }
    crc = ~crc;
    for (size_t i = 0; i < length; i++) {
        crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    }
    return ~crc;
}
