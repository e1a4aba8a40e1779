/*
 * Time protection on x86_64 (timeprot.h): the flushes a protected domain switch asks for,
 * each used only where CPUID says the CPU has it, and the exact wait that ends a pad.
 *
 *   L1D     IA32_FLUSH_CMD (MSR 0x10b) bit 0: CPUID.(7,0):EDX[28]
 *   IBPB    IA32_PRED_CMD (MSR 0x49) bit 0: CPUID.(7,0):EDX[26] (Intel) or
 *           CPUID.80000008h:EBX[12] (AMD)
 *   TLB     every entry, global ones and all PCIDs: INVPCID type 2 where present, else
 *           toggling CR4.PGE (which the SDM defines to flush all of it); always available
 *   WBINVD  always available (privileged); slow, so only where a slot's policy asks
 *
 * QEMU's TCG offers neither L1D flush nor IBPB to the `max` CPU and models no caches, so
 * there only the TLB flush and WBINVD run, and WBINVD is free; the boot report says so.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <bastion/domain.h>
#include <kprintf.h>
#include <timeprot.h>

#define MSR_IA32_PRED_CMD      0x49
#define MSR_IA32_FLUSH_CMD     0x10b
#define CPUID7_EDX_IBRS_IBPB   BIT(26)
#define CPUID7_EDX_L1D_FLUSH   BIT(28)
#define CPUID80000008_EBX_IBPB BIT(12)

/* The exact wait's last step: a run of one-byte NOPs entered SLED_LENGTH - n bytes in. */
#define SLED_LENGTH 128
#define SLED_START  64 /* the coarse loop stops this many ticks before the deadline */
_Static_assert(SLED_LENGTH == 128, "the sled's .rept count");

static unsigned available;

void arch_timeprot_init(void)
{
    uint32_t a, b, c, d;
    available = BST_DOMAIN_FLUSH_TLB | BST_DOMAIN_FLUSH_WBINVD;
    if (cpu_features.max_leaf >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        available |= (d & CPUID7_EDX_L1D_FLUSH) ? BST_DOMAIN_FLUSH_L1D : 0;
        available |= (d & CPUID7_EDX_IBRS_IBPB) ? BST_DOMAIN_FLUSH_IBPB : 0;
    }
    if (cpu_features.max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &c, &d);
        available |= (b & CPUID80000008_EBX_IBPB) ? BST_DOMAIN_FLUSH_IBPB : 0;
    }
    kprintf("timeprot: domain-switch flushes: l1d %s, ibpb %s, tlb by %s, wbinvd on request\n",
            (available & BST_DOMAIN_FLUSH_L1D) ? "IA32_FLUSH_CMD" : "absent (skipped)",
            (available & BST_DOMAIN_FLUSH_IBPB) ? "IA32_PRED_CMD" : "absent (skipped)",
            cpu_features.invpcid ? "invpcid (all contexts)" : "cr4.pge toggle");
}

unsigned arch_timeprot_available(void)
{
    return available;
}

static void flush_tlb_all(void)
{
    if (cpu_features.invpcid) {
        struct {
            uint64_t pcid, addr;
        } desc = {0, 0};
        __asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(2ull) : "memory");
    } else {
        uint64_t cr4 = read_cr4();
        write_cr4(cr4 ^ CR4_PGE);
        write_cr4(cr4);
    }
}

void arch_timeprot_flush(unsigned flags)
{
    flags &= available;
    if (flags & BST_DOMAIN_FLUSH_WBINVD) {
        __asm__ volatile("wbinvd" : : : "memory");
    }
    if (flags & BST_DOMAIN_FLUSH_TLB) {
        flush_tlb_all();
    }
    if (flags & BST_DOMAIN_FLUSH_IBPB) {
        wrmsr(MSR_IA32_PRED_CMD, 1);
    }
    if (flags & BST_DOMAIN_FLUSH_L1D) {
        wrmsr(MSR_IA32_FLUSH_CMD, 1);
    }
}

/* STI holds interrupts off for one more instruction: the NOP is that one, and every
 * pending interrupt is taken (in turn, by priority) before the CLI. */
void arch_timeprot_take_pending(void)
{
    __asm__ volatile("sti\n\tnop\n\tcli" : : : "memory");
}

/* Jump `n` NOPs before the end of the sled (0 <= n <= SLED_LENGTH): every way through
 * runs the same instructions but for n NOPs. */
static void sled(uint64_t n)
{
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "sub %0, %%rax\n\t"
                     "jmp *%%rax\n\t"
                     ".rept 128\n\t"
                     "nop\n\t"
                     ".endr\n"
                     "1:"
                     :
                     : "r"(n)
                     : "rax", "memory");
}

void arch_timeprot_wait_until(uint64_t deadline)
{
    while ((int64_t)(deadline - rdtsc()) > SLED_START) {
    }
    int64_t left = (int64_t)(deadline - rdtsc());
    sled(left < 0 ? 0 : left > SLED_LENGTH ? SLED_LENGTH : (uint64_t)left);
}
