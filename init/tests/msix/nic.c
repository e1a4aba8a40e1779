/*
 * nic: owns QEMU's virtio-net-pci at 00:10.0 with BAR 1 (its MSI-X table) mapped at
 * msix_bar and MSI-X entry 2 as <irq id="3">. It checks what init programmed: MSI-X
 * enabled and not masked as a whole, INTx disabled, entry 2 unmasked with a message to
 * the local APIC's address range, entries 0 and 1 still masked. Each check prints "ok" or
 * "FAIL"; the expect file wants every "ok" and no "FAIL".
 */
#include <stdint.h>

#include <bastion/spec.h>
#include <libbastion/pd.h>

uintptr_t msix_bar;

#define CAP_MSIX         0x11
#define COMMAND_INTX_OFF (1u << 10)
#define MSIX_ENABLE      (1u << 31) /* of the capability's first word */
#define MSIX_MASK_ALL    (1u << 30)
#define MSIX_SIZE(word)  ((((word) >> 16) & 0x7ffu) + 1)
#define ENTRY_MASKED     1u
#define MSI_ADDRESS_MASK 0xfff00000u
#define MSI_ADDRESS_APIC 0xfee00000u
#define THE_ENTRY        2

static void report(bool ok, const char *what)
{
    bst_printf("nic: %s: %s\n", ok ? "ok" : "FAIL", what);
}

static uint32_t config32(unsigned off)
{
    return *(volatile uint32_t *)(uintptr_t)(BASTION_PCI_CONFIG_VADDR + off);
}

static uint32_t entry32(unsigned entry, unsigned word)
{
    return *(volatile uint32_t *)(msix_bar + entry * 16 + word * 4);
}

static unsigned find_msix(void)
{
    unsigned cap = config32(0x34) & 0xfc;
    for (unsigned hops = 0; cap >= 0x40 && hops < 48; hops++) {
        if ((config32(cap) & 0xff) == CAP_MSIX)
            return cap;
        cap = (config32(cap) >> 8) & 0xfc;
    }
    return 0;
}

void init(void)
{
    report(config32(0) == 0x10001af4, "configuration space shows virtio-net (1af4:1000)");
    unsigned cap = find_msix();
    uint32_t word = cap ? config32(cap) : 0;
    bst_printf("nic: MSI-X capability at 0x%x: 0x%08x, table 0x%08x\n", cap, word,
               cap ? config32(cap + 4) : 0);
    report(cap != 0 && (word & MSIX_ENABLE) && !(word & MSIX_MASK_ALL),
           "MSI-X is enabled and the function is not masked");
    report(cap != 0 && MSIX_SIZE(word) == 3 && (config32(cap + 4) & 7) == 1,
           "its table of 3 entries is in BAR 1");
    report(config32(4) & COMMAND_INTX_OFF, "INTx is disabled");
    for (unsigned e = 0; e < 3; e++)
        bst_printf("nic: entry %u: address 0x%08x%08x data 0x%08x control 0x%x\n", e, entry32(e, 1),
                   entry32(e, 0), entry32(e, 2), entry32(e, 3));
    report(!(entry32(THE_ENTRY, 3) & ENTRY_MASKED) &&
               (entry32(THE_ENTRY, 0) & MSI_ADDRESS_MASK) == MSI_ADDRESS_APIC &&
               entry32(THE_ENTRY, 1) == 0 && entry32(THE_ENTRY, 2) != 0,
           "entry 2 holds the kernel's message and is unmasked");
    report((entry32(0, 3) & ENTRY_MASKED) && (entry32(1, 3) & ENTRY_MASKED),
           "entries 0 and 1 stay masked");
    bst_system_exit(0);
}

void notified(bst_channel_t ch)
{
    bst_printf("nic: FAIL: notified on channel %u\n", ch);
}
