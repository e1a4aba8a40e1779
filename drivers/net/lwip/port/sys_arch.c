/*
 * The Bastion port of lwIP (NO_SYS): lwIP's clock, random numbers, TCP initial sequence
 * numbers and assertion failures. Everything here runs on the PD's one thread.
 *
 * The clock is the cycle counter (rdtsc is allowed in user mode) at the rate the kernel
 * measured at boot (bst_counter_khz()): reading it costs no system call, which matters
 * because lwIP reads it on every timer check.
 */
#include <stdbool.h>
#include <stdint.h>

#include <arch/bastion_hooks.h>
#include <arch/bastion_port.h>
#include <libbastion/pd.h>
#include <lwip/sys.h>

static uint64_t read_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ms on the cycle counter's scale; wraps after 2^32 ms (lwIP compares with wrapping). */
u32_t sys_now(void)
{
    uint64_t khz = bst_counter_khz();
    if (khz == 0)
        lwip_port_assert_failed("the cycle counter's rate is unknown (bst_counter_khz)", __FILE__,
                                __LINE__);
    return (u32_t)(read_counter() / khz);
}

/* splitmix64's finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

uint32_t lwip_port_rand(void)
{
    static uint64_t calls;
    calls += 0x9e3779b97f4a7c15ull; /* splitmix64's increment */
    return (uint32_t)(mix64(read_counter() ^ calls) >> 32);
}

uint32_t lwip_port_tcp_isn(const ip_addr_t *local_ip, uint16_t local_port,
                           const ip_addr_t *remote_ip, uint16_t remote_port)
{
    static uint64_t key;
    static bool keyed;
    if (!keyed) {
        key = mix64(read_counter() ^ 0x6a09e667f3bcc908ull);
        keyed = true;
    }
    uint64_t tuple = ((uint64_t)ip4_addr_get_u32(ip_2_ip4(local_ip)) << 32) |
                     ip4_addr_get_u32(ip_2_ip4(remote_ip));
    uint64_t ports = ((uint64_t)local_port << 16) | remote_port;
    uint64_t hash = mix64(mix64(key ^ tuple) ^ ports ^ (key << 1));
    /* RFC 6528: the hash plus a timer that ticks every 4 us. */
    uint64_t khz = bst_counter_khz();
    uint64_t ticks = khz ? read_counter() / (khz / 250 ? khz / 250 : 1) : 0;
    return (uint32_t)(hash + ticks);
}

_Noreturn void lwip_port_assert_failed(const char *message, const char *file, int line)
{
    bst_printf("lwip: PD '%s': assertion \"%s\" failed at %s:%d\n", bst_pd_name(), message, file,
               line);
    __builtin_trap();
}
