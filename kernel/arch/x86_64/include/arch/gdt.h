/*
 * Per-CPU segment state: the GDT (kernel and user segments, in the order SYSCALL/SYSRET
 * require) and the TSS, which holds the kernel stack used on entry from user mode
 * (rsp0) and the separate stacks for double fault, NMI and machine check (IST).
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <ktypes.h>

struct PACKED tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss) == 104, "TSS layout is fixed by the CPU");
_Static_assert(offsetof(struct tss, ist) == 36, "IST1 is at offset 0x24");

/* IST slots (1-based as the IDT names them). */
enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };

/* Load this CPU's GDT and TSS; rsp0 is the kernel stack top for entries from user. */
void gdt_init(uint64_t rsp0);
void tss_set_kernel_stack(uint64_t rsp0);

#endif
