/* x86 port I/O and model-specific registers. */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <ktypes.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define MSR_APIC_BASE         0x1b
#define MSR_EFER              0xc0000080
#define MSR_ARCH_CAPABILITIES 0x10a
#define ARCH_CAP_RDCL_NO      BIT(0)
#define MSR_STAR              0xc0000081
#define MSR_LSTAR             0xc0000082
#define MSR_FMASK             0xc0000084
#define MSR_FS_BASE           0xc0000100
#define MSR_GS_BASE           0xc0000101
#define MSR_KERNEL_GS_BASE    0xc0000102
#define MSR_TSC_DEADLINE      0x6e0

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_NXE BIT(11)

#endif
