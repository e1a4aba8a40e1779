/*
 * Per-CPU segment state: the GDT (kernel and user segments, in the order SYSCALL/SYSRET
 * require) and the TSS, which holds the kernel stack used on entry from user mode
 * (rsp0) and the separate stacks for double fault, NMI and machine check (IST).
 *
 * The TSS is followed by an I/O permission bitmap for all 65536 ports and one more
 * byte, 0xff, which the CPU may read with the last byte (a 16- or 32-bit access near
 * port 0xffff reads two bytes of the map). A set bit forbids the port. The map is only
 * consulted while iomap_base points at it; otherwise (TSS_IOMAP_OFF, beyond the
 * segment limit) every user IN/OUT faults. IOPL is always 0, so user port access is
 * decided by the map alone. iomap.c decides what the map holds.
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
_Static_assert(offsetof(struct tss, iomap_base) == 102, "the I/O map base is at offset 0x66");

#define TSS_IOMAP_BYTES 8192 /* one bit per port */

/* The TSS and its I/O permission bitmap, as one segment. */
struct PACKED tss_with_iomap {
    struct tss tss;
    uint8_t iomap[TSS_IOMAP_BYTES];
    uint8_t iomap_end; /* always 0xff */
};
_Static_assert(sizeof(struct tss_with_iomap) == 104 + 8192 + 1, "TSS + map + end byte");

#define TSS_IOMAP_ON  ((uint16_t)offsetof(struct tss_with_iomap, iomap))
#define TSS_IOMAP_OFF ((uint16_t)sizeof(struct tss_with_iomap)) /* past the limit */

/* This CPU's TSS with its map (iomap.c edits the map and switches iomap_base). */
extern struct tss_with_iomap arch_tss;

/* IST slots (1-based as the IDT names them). */
enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };

/* Load this CPU's GDT and TSS; rsp0 is the kernel stack top for entries from user. */
void gdt_init(uint64_t rsp0);
/* The same for application processor `cpu` (1 .. ARCH_MAX_CPUS - 1, arch/percpu.h): its
 * own GDT, TSS (every port forbidden) and IST stacks. */
void gdt_init_ap(unsigned cpu, uint64_t rsp0);
void tss_set_kernel_stack(uint64_t rsp0);
/* The same for application processor `cpu` (1 .. ARCH_MAX_CPUS - 1). */
void tss_set_kernel_stack_ap(unsigned cpu, uint64_t rsp0);

#endif
