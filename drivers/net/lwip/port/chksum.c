/*
 * The Internet checksum for lwIP (LWIP_CHKSUM, lwipopts.h): the 16-bit one's complement
 * sum of a buffer, computed 8 bytes at a time. lwIP's own loop adds one 16-bit word per
 * turn; every frame's IP, UDP and TCP checksums pass here, so this is most of a client's
 * per-byte work after the copies.
 *
 * The sum of 16-bit words in one's complement is independent of how the words are grouped:
 * adding 64-bit words with the carry out of each addition added back in (end-around
 * carry), then folding the 64-bit sum to 16 bits, gives the same 16 bits. Like lwIP's, the result
 * is the sum of the bytes as they lie in memory (so already in network order), with a buffer that
 * starts at an odd address summed from the next byte and swapped at the end.
 */
#include <stdint.h>

#include "arch/bastion_port.h"

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    __builtin_memcpy(&w, p, sizeof w);
    return w;
}

/* sum + w in one's complement: the carry out of bit 63 comes back in at bit 0 (compilers
 * make this an add and an add-with-carry). */
static inline uint64_t add_word(uint64_t sum, uint64_t w)
{
    uint64_t s = sum + w;
    return s + (s < w);
}

/* The one's complement sum of `blocks` 32-byte blocks at p, added to `sum`: one chain of
 * add-with-carry (8 instructions a block; the port is x86_64's, as its clock is). */
static uint64_t sum_blocks(const uint8_t *p, uint64_t blocks, uint64_t sum)
{
    __asm__("1:\n\t"
            "addq (%[p]), %[sum]\n\t"
            "adcq 8(%[p]), %[sum]\n\t"
            "adcq 16(%[p]), %[sum]\n\t"
            "adcq 24(%[p]), %[sum]\n\t"
            "adcq $0, %[sum]\n\t"
            "addq $32, %[p]\n\t"
            "decq %[n]\n\t"
            "jnz 1b"
            : [sum] "+r"(sum), [p] "+r"(p), [n] "+r"(blocks)
            :
            : "cc", "memory");
    return sum;
}

static uint16_t fold(uint64_t sum)
{
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t lwip_port_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    uint64_t sum = 0;
    uint8_t odd_start[2] = {0, 0}, tail[2] = {0, 0};
    int odd = (int)((uintptr_t)p & 1) && len > 0;
    if (odd) { /* the first byte is the high half of a word that starts before it */
        odd_start[1] = *p++;
        len--;
        uint16_t w;
        __builtin_memcpy(&w, odd_start, sizeof w);
        sum = w;
    }
    if (len >= 32) {
        sum = sum_blocks(p, (uint64_t)len / 32, sum);
        p += len & ~31;
        len &= 31;
    }
    for (; len >= 8; len -= 8, p += 8)
        sum = add_word(sum, load64(p));
    for (; len >= 2; len -= 2, p += 2) {
        uint16_t w;
        __builtin_memcpy(&w, p, sizeof w);
        sum = add_word(sum, w);
    }
    if (len > 0) { /* a last byte is the low-address half of a word */
        tail[0] = *p;
        uint16_t w;
        __builtin_memcpy(&w, tail, sizeof w);
        sum = add_word(sum, w);
    }
    uint16_t result = fold(sum);
    if (odd)
        result = (uint16_t)(result << 8 | result >> 8);
    return result;
}
