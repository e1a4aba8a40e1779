/*
 * Local APIC access and set-up. See arch/lapic.h.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/trap.h>
#include <kprintf.h>

#define APIC_BASE_ENABLE    BIT(11)
#define APIC_BASE_X2APIC    BIT(10)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define X2APIC_MSR_BASE     0x800
#define SVR_ENABLE          BIT(8)

static bool x2apic_mode;
static volatile uint32_t *xapic_regs;

bool lapic_is_x2apic(void)
{
    return x2apic_mode;
}

uint32_t lapic_read(uint32_t reg)
{
    if (x2apic_mode) {
        return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
    }
    return xapic_regs[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t value)
{
    if (x2apic_mode) {
        wrmsr(X2APIC_MSR_BASE + reg / 16, value);
    } else {
        xapic_regs[reg / 4] = value;
    }
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    return x2apic_mode ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

#define ICR_PENDING BIT(12) /* xAPIC: the IPI is not sent yet */

void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
    if (x2apic_mode) { /* one 64-bit write, the destination in the high half */
        wrmsr(X2APIC_MSR_BASE + LAPIC_ICR_LOW / 16, (uint64_t)apic_id << 32 | icr_low);
        return;
    }
    xapic_regs[LAPIC_ICR_HIGH / 4] = apic_id << 24;
    xapic_regs[LAPIC_ICR_LOW / 4] = icr_low;
    while (xapic_regs[LAPIC_ICR_LOW / 4] & ICR_PENDING) {
        cpu_relax();
    }
}

void lapic_init_ap(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
    wrmsr(MSR_APIC_BASE, x2apic_mode ? base | APIC_BASE_X2APIC : base);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

/* Move the 8259s' vectors out of the exception range, then mask every line. */
static void legacy_pic_disable(void)
{
    static const uint8_t init[2][4] = {{0x11, 0x20, 0x04, 0x01}, {0x11, 0x28, 0x02, 0x01}};
    for (int i = 0; i < 4; i++) {
        outb(i == 0 ? 0x20 : 0x21, init[0][i]);
        outb(i == 0 ? 0xa0 : 0xa1, init[1][i]);
    }
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void lapic_init(void)
{
    legacy_pic_disable();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    x2apic_mode = cpu_features.x2apic;
    base |= APIC_BASE_ENABLE;
    if (x2apic_mode) {
        base |= APIC_BASE_X2APIC;
    } else {
        xapic_regs = paging_map_device(base & APIC_BASE_ADDR_MASK, 4096);
    }
    wrmsr(MSR_APIC_BASE, base);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    kprintf("lapic: %s mode, id %u, version %#x\n", x2apic_mode ? "x2APIC" : "xAPIC",
            x2apic_mode ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24,
            lapic_read(LAPIC_VERSION) & 0xff);
}
