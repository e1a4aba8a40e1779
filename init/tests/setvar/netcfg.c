/*
 * netcfg: prints the constants the tool patched in (<setvar>) and checks them against
 * what init/tests/setvar/system.xml gives this PD. One program serves two PDs, so each
 * must see its own values. net_mac starts in .data (its initialiser must be overwritten),
 * the others in .bss.
 */
#include <libbastion/pd.h>
#include <libbastion/string.h>

uint64_t net_mac = 0xdeadbeef;
uint64_t net_ip;
uint64_t net_netmask;
uint64_t net_gateway;
uint64_t client_count;
uint64_t flags;

struct netcfg {
    const char *pd;
    uint64_t mac, ip, netmask, gateway, clients, flags;
};

/* What system.xml says, written out by hand. */
static const struct netcfg expected[] = {
    {"alpha", 0x525400123456, 0x0a00020f, 0xffffff00, 0x0a000202, 3, 0xffffffffffffffff},
    {"beta", 0x02abcdef00ff, 0xc0a864c8, 0xffff0000, 0, 0, 0xfffffffffffffffe},
};

static void print_ipv4(const char *what, uint64_t ip)
{
    bst_printf("%s %u.%u.%u.%u", what, (unsigned)(ip >> 24) & 0xff, (unsigned)(ip >> 16) & 0xff,
               (unsigned)(ip >> 8) & 0xff, (unsigned)ip & 0xff);
}

void init(void)
{
    const char *me = bst_pd_name();
    bst_printf("%s: mac %02x:%02x:%02x:%02x:%02x:%02x, ", me, (unsigned)(net_mac >> 40) & 0xff,
               (unsigned)(net_mac >> 32) & 0xff, (unsigned)(net_mac >> 24) & 0xff,
               (unsigned)(net_mac >> 16) & 0xff, (unsigned)(net_mac >> 8) & 0xff,
               (unsigned)net_mac & 0xff);
    print_ipv4("ipv4", net_ip);
    print_ipv4(" netmask", net_netmask);
    print_ipv4(" gateway", net_gateway);
    bst_printf(", clients %lu, flags 0x%lx\n", (unsigned long)client_count, (unsigned long)flags);

    const struct netcfg *want = NULL;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (bst_strcmp(expected[i].pd, me) == 0)
            want = &expected[i];
    bool ok = want && net_mac == want->mac && net_ip == want->ip && net_netmask == want->netmask &&
              net_gateway == want->gateway && client_count == want->clients && flags == want->flags;
    if (ok)
        bst_printf("%s: ok: the values of its <setvar>s arrived\n", me);
    else
        bst_printf("%s: FAIL: the values differ from system.xml's\n", me);
    if (!ok || bst_strcmp(me, "beta") == 0)
        bst_system_exit(ok ? 0 : 1);
}
