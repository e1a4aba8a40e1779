/*
 * x86_64 CPU: feature discovery (all from CPUID, nothing assumed beyond long mode),
 * control registers and the protections the kernel turns on.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <ktypes.h>

/* Optional CPU features the kernel looks for. Each one is used only if present. */
struct cpu_features {
    char vendor[13];
    char brand[49];
    uint32_t family, model, stepping;
    bool nx, pge, pat, pcid, invpcid, x2apic, tsc_deadline, invariant_tsc, page1g;
    bool smep, smap, umip, fsgsbase, xsave, avx, syscall, apic;
    uint32_t max_leaf, max_ext_leaf;
    uint32_t tsc_khz_cpuid; /* from leaf 0x15/0x16 when the CPU reports it, else 0 */
    uint8_t phys_addr_bits, virt_addr_bits;
    uint64_t arch_capabilities; /* IA32_ARCH_CAPABILITIES when the CPU has it, else 0 */
    bool meltdown;              /* rogue data cache load: an Intel CPU without RDCL_NO */
};

extern struct cpu_features cpu_features;

void cpu_detect_features(void);
void cpu_print_features(void);
void cpu_enable_protections(void);

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                         uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define CR0_WP       BIT(16)
#define CR4_PGE      BIT(7)
#define CR4_UMIP     BIT(11)
#define CR4_FSGSBASE BIT(16)
#define CR4_PCIDE    BIT(17)
#define CR4_SMEP     BIT(20)
#define CR4_SMAP     BIT(21)

#define DEFINE_CR_ACCESSORS(n)                                                                     \
    static inline uint64_t read_cr##n(void)                                                        \
    {                                                                                              \
        uint64_t v;                                                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                          \
        return v;                                                                                  \
    }                                                                                              \
    static inline void write_cr##n(uint64_t v)                                                     \
    {                                                                                              \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                                 \
    }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline void cpu_relax(void)
{
    __asm__ volatile("pause");
}

static inline void irq_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

/* Enable interrupts and halt until one arrives, with no window in between. */
static inline void cpu_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

#endif
