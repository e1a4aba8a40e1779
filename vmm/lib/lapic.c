/* The emulated x2APIC and its timer (lapic.h). */
#include <vmm/lapic.h>

#define LVT_TIMER       0
#define LVT_LINT0       3
#define LVT_COUNT       6
#define LVT_MASKED      0x10000u
#define LVT_TIMER_MODE  0x60000u
#define TIMER_ONESHOT   0x00000u
#define TIMER_PERIODIC  0x20000u
#define TIMER_DEADLINE  0x40000u
#define LVT_DELIVERY    0x700u
#define DELIVERY_EXTINT 0x700u
#define SVR_ENABLED     0x100u
#define APIC_VERSION    0x00050014u /* version 0x14, six LVTs (max index 5) */

/* x2APIC register numbers (MSR - 0x800). */
enum {
    R_ID = 0x02,
    R_VERSION = 0x03,
    R_TPR = 0x08,
    R_PPR = 0x0a,
    R_EOI = 0x0b,
    R_LDR = 0x0d,
    R_SVR = 0x0f,
    R_ISR = 0x10,
    R_TMR = 0x18,
    R_IRR = 0x20,
    R_ESR = 0x28,
    R_ICR = 0x30,
    R_LVT_TIMER = 0x32,
    R_LVT_ERROR = 0x37,
    R_INITIAL = 0x38,
    R_CURRENT = 0x39,
    R_DIVIDE = 0x3e,
    R_SELF_IPI = 0x3f,
};

void vmm_lapic_reset(struct vmm_lapic *l)
{
    *l = (struct vmm_lapic){.svr = 0xff};
    for (unsigned i = 0; i < LVT_COUNT; i++)
        l->lvt[i] = LVT_MASKED;
}

static bool test_bit(const uint64_t *set, unsigned v)
{
    return (set[v / 64] >> (v % 64)) & 1;
}

static void put_bit(uint64_t *set, unsigned v, bool on)
{
    if (on)
        set[v / 64] |= 1ull << (v % 64);
    else
        set[v / 64] &= ~(1ull << (v % 64));
}

/* Highest set vector, or -1. (On every exit, several times: one instruction a word.) */
static int highest(const uint64_t *set)
{
    for (int w = 3; w >= 0; w--)
        if (set[w])
            return w * 64 + 63 - __builtin_clzll(set[w]);
    return -1;
}

static uint32_t ppr(const struct vmm_lapic *l)
{
    int in_service = highest(l->isr);
    uint32_t isr_class = in_service < 0 ? 0 : (uint32_t)in_service & 0xf0;
    return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

static unsigned divide_shift(uint32_t conf)
{
    unsigned code = (conf & 3) | ((conf >> 1) & 4); /* bits 0, 1, 3 */
    return code == 7 ? 0 : code + 1;                /* 0b111 divides by 1 */
}

static uint32_t timer_mode(const struct vmm_lapic *l)
{
    return l->lvt[LVT_TIMER] & LVT_TIMER_MODE;
}

/* Ticks of the count since it was loaded. */
static uint64_t elapsed_ticks(const struct vmm_lapic *l, uint64_t now)
{
    return now > l->timer_start ? (now - l->timer_start) >> divide_shift(l->divide_conf) : 0;
}

static uint32_t current_count(const struct vmm_lapic *l, uint64_t now)
{
    if (!l->initial_count || timer_mode(l) == TIMER_DEADLINE)
        return 0;
    uint64_t ticks = elapsed_ticks(l, now);
    if (timer_mode(l) == TIMER_PERIODIC)
        return l->initial_count - (uint32_t)(ticks % l->initial_count);
    return ticks >= l->initial_count ? 0 : l->initial_count - (uint32_t)ticks;
}

uint64_t vmm_lapic_next_event(const struct vmm_lapic *l)
{
    if (timer_mode(l) == TIMER_DEADLINE)
        return l->deadline ? l->deadline : UINT64_MAX;
    if (!l->initial_count)
        return UINT64_MAX;
    uint64_t period = (uint64_t)l->initial_count << divide_shift(l->divide_conf);
    return l->timer_start + period;
}

static void fire(struct vmm_lapic *l)
{
    l->timer_fired++;
    if (!(l->lvt[LVT_TIMER] & LVT_MASKED) && (l->svr & SVR_ENABLED))
        vmm_lapic_raise(l, l->lvt[LVT_TIMER] & 0xff);
}

void vmm_lapic_update(struct vmm_lapic *l, uint64_t now)
{
    uint64_t due = vmm_lapic_next_event(l);
    if (due == UINT64_MAX || now < due)
        return;
    fire(l);
    if (timer_mode(l) == TIMER_DEADLINE) {
        l->deadline = 0;
    } else if (timer_mode(l) == TIMER_PERIODIC) {
        uint64_t period = (uint64_t)l->initial_count << divide_shift(l->divide_conf);
        l->timer_start += ((now - l->timer_start) / period) * period; /* missed ticks merge */
    } else {
        l->initial_count = 0;
    }
}

void vmm_lapic_raise(struct vmm_lapic *l, unsigned vector)
{
    if (vector >= 16 && vector <= 255)
        put_bit(l->irr, vector, true);
    else
        l->esr |= 0x40; /* received illegal vector */
}

int vmm_lapic_pending(const struct vmm_lapic *l)
{
    int v = highest(l->irr);
    if (v < 0 || !(l->svr & SVR_ENABLED))
        return -1;
    return ((uint32_t)v & 0xf0) > (ppr(l) & 0xf0) ? v : -1;
}

void vmm_lapic_accept(struct vmm_lapic *l, unsigned vector)
{
    if (vector > 255 || !test_bit(l->irr, vector))
        return;
    put_bit(l->irr, vector, false);
    put_bit(l->isr, vector, true);
}

bool vmm_lapic_extint_open(const struct vmm_lapic *l)
{
    if (!(l->svr & SVR_ENABLED))
        return true;
    uint32_t lint0 = l->lvt[LVT_LINT0];
    return !(lint0 & LVT_MASKED) && (lint0 & LVT_DELIVERY) == DELIVERY_EXTINT;
}

static enum vmm_msr_status read_reg(struct vmm_lapic *l, unsigned reg, uint64_t now,
                                    uint64_t *value)
{
    if (reg >= R_ISR && reg < R_ISR + 8)
        *value = (l->isr[(reg - R_ISR) / 2] >> ((reg - R_ISR) % 2 * 32)) & 0xffffffff;
    else if (reg >= R_TMR && reg < R_TMR + 8)
        *value = (l->tmr[(reg - R_TMR) / 2] >> ((reg - R_TMR) % 2 * 32)) & 0xffffffff;
    else if (reg >= R_IRR && reg < R_IRR + 8)
        *value = (l->irr[(reg - R_IRR) / 2] >> ((reg - R_IRR) % 2 * 32)) & 0xffffffff;
    else if (reg >= R_LVT_TIMER && reg <= R_LVT_ERROR)
        *value = l->lvt[reg - R_LVT_TIMER];
    else {
        switch (reg) {
        case R_ID:
            *value = 0;
            break;
        case R_VERSION:
            *value = APIC_VERSION;
            break;
        case R_TPR:
            *value = l->tpr;
            break;
        case R_PPR:
            *value = ppr(l);
            break;
        case R_LDR:
            *value = 1;
            break; /* cluster 0, bit 0: APIC ID 0 */
        case R_SVR:
            *value = l->svr;
            break;
        case R_ESR:
            *value = l->esr;
            break;
        case R_ICR:
            *value = 0;
            break;
        case R_INITIAL:
            *value = l->initial_count;
            break;
        case R_CURRENT:
            *value = current_count(l, now);
            break;
        case R_DIVIDE:
            *value = l->divide_conf;
            break;
        default:
            return VMM_MSR_GP; /* reserved, or write-only (EOI, SELF_IPI) */
        }
    }
    return VMM_MSR_OK;
}

static void eoi(struct vmm_lapic *l)
{
    int v = highest(l->isr);
    if (v >= 0)
        put_bit(l->isr, (unsigned)v, false);
}

/* ICR: only a fixed self-IPI (destination shorthand "self", or our own ID 0) is
 * meaningful with one vCPU; INIT/SIPI and others to nobody are dropped. */
static void icr_write(struct vmm_lapic *l, uint64_t value)
{
    unsigned vector = value & 0xff;
    unsigned delivery = (value >> 8) & 7;
    unsigned shorthand = (value >> 18) & 3;
    uint32_t dest = (uint32_t)(value >> 32);
    bool to_self = shorthand == 1 || shorthand == 2 || (shorthand == 0 && dest == 0);
    if (delivery == 0 && to_self)
        vmm_lapic_raise(l, vector);
}

static enum vmm_msr_status write_lvt(struct vmm_lapic *l, unsigned index, uint64_t value,
                                     uint64_t now)
{
    if (value >> 32)
        return VMM_MSR_GP;
    uint32_t old_mode = timer_mode(l);
    l->lvt[index] = (uint32_t)value & (index == LVT_TIMER ? 0x700ffu : 0x1a7ffu);
    if (!(l->svr & SVR_ENABLED))
        l->lvt[index] |= LVT_MASKED;
    if (index == LVT_TIMER && timer_mode(l) != old_mode) {
        l->deadline = 0; /* a mode change disarms the timer */
        l->initial_count = 0;
        l->timer_start = now;
    }
    return VMM_MSR_OK;
}

static enum vmm_msr_status write_reg(struct vmm_lapic *l, unsigned reg, uint64_t value,
                                     uint64_t now)
{
    if (reg == R_ICR) {
        icr_write(l, value);
        return VMM_MSR_OK;
    }
    if (value >> 32)
        return VMM_MSR_GP;
    if (reg >= R_LVT_TIMER && reg <= R_LVT_ERROR)
        return write_lvt(l, reg - R_LVT_TIMER, value, now);
    switch (reg) {
    case R_TPR:
        l->tpr = (uint32_t)value & 0xff;
        return VMM_MSR_OK;
    case R_EOI:
        if (value)
            return VMM_MSR_GP; /* x2APIC: a non-zero EOI write faults */
        eoi(l);
        return VMM_MSR_OK;
    case R_SVR:
        l->svr = (uint32_t)value & 0x11ff;
        if (!(l->svr & SVR_ENABLED))
            for (unsigned i = 0; i < LVT_COUNT; i++)
                l->lvt[i] |= LVT_MASKED;
        return VMM_MSR_OK;
    case R_ESR:
        l->esr = 0;
        return VMM_MSR_OK; /* a write clears it */
    case R_INITIAL:
        if (timer_mode(l) == TIMER_DEADLINE)
            return VMM_MSR_OK; /* ignored in deadline mode */
        l->initial_count = (uint32_t)value;
        l->timer_start = now;
        return VMM_MSR_OK;
    case R_DIVIDE:
        l->divide_conf = (uint32_t)value & 0xb;
        return VMM_MSR_OK;
    case R_SELF_IPI:
        vmm_lapic_raise(l, (unsigned)value & 0xff);
        return VMM_MSR_OK;
    default:
        return VMM_MSR_GP; /* reserved or read-only */
    }
}

enum vmm_msr_status vmm_lapic_rdmsr(struct vmm_lapic *l, uint32_t msr, uint64_t now,
                                    uint64_t *value)
{
    if (msr == VMM_MSR_TSC_DEADLINE) {
        *value = timer_mode(l) == TIMER_DEADLINE ? l->deadline : 0;
        return VMM_MSR_OK;
    }
    if (msr < VMM_MSR_X2APIC_FIRST || msr > VMM_MSR_X2APIC_LAST)
        return VMM_MSR_NOT_MINE;
    return read_reg(l, msr - VMM_MSR_X2APIC_FIRST, now, value);
}

enum vmm_msr_status vmm_lapic_wrmsr(struct vmm_lapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
    if (msr == VMM_MSR_TSC_DEADLINE) {
        if (timer_mode(l) == TIMER_DEADLINE)
            l->deadline = value; /* 0 disarms */
        return VMM_MSR_OK;
    }
    if (msr < VMM_MSR_X2APIC_FIRST || msr > VMM_MSR_X2APIC_LAST)
        return VMM_MSR_NOT_MINE;
    return write_reg(l, msr - VMM_MSR_X2APIC_FIRST, value, now);
}
