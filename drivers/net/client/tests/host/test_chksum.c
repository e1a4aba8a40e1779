/*
 * Host test of the lwIP port's Internet checksum (drivers/net/lwip/port/chksum.c) against
 * the definition: the one's complement sum of the buffer's big-endian 16-bit words (a
 * last odd byte padded with zero), byte-swapped into memory order as lwIP keeps it. Every
 * length from 0 to 1600 at each of 8 alignments, random and all-0xff contents (the
 * carries), and known sums (suite net-client-host, ASan + UBSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/bastion_port.h"

#define HOST_CHECK_SUITE "net-client-host"
#include "host_check.h"

/* The sum as lwIP returns it, from the definition. */
static uint16_t reference(const uint8_t *p, int len)
{
    uint32_t sum = 0;
    for (int i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint8_t bytes[2] = {(uint8_t)(sum >> 8), (uint8_t)sum}; /* network order in memory */
    uint16_t r;
    memcpy(&r, bytes, sizeof r);
    return r;
}

static uint64_t rng = 88172645463325252ull;
static uint8_t next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)rng;
}

static void every_length_and_alignment(void)
{
    static uint8_t buf[1700];
    for (int fill = 0; fill < 2; fill++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = fill ? 0xff : next_byte();
        for (int align = 0; align < 8; align++) {
            for (int len = 0; len <= 1600; len++) {
                uint16_t got = lwip_port_chksum(buf + align, len);
                uint16_t want = reference(buf + align, len);
                CHECK(got == want, "%s, length %d at offset %d: 0x%04x, want 0x%04x",
                      fill ? "all 0xff" : "random", len, align, got, want);
            }
        }
    }
    printf("PASS: net-client-host/chksum_every_length_and_alignment\n");
}

/* An IPv4 header whose checksum field holds its checksum sums to 0xffff. */
static void known_header(void)
{
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    CHECK(lwip_port_chksum(h, 20) == 0xffff, "a valid IPv4 header sums to 0x%04x",
          lwip_port_chksum(h, 20));
    h[10] = h[11] = 0;
    uint16_t sum = (uint16_t)~lwip_port_chksum(h, 20);
    CHECK(h[10] == 0 && sum == 0x61b8, "the header's checksum computes as 0x%04x (memory order)",
          sum);
    printf("PASS: net-client-host/chksum_known_header\n");
}

int main(void)
{
    every_length_and_alignment();
    known_header();
    return host_check_failures ? 1 : 0;
}
