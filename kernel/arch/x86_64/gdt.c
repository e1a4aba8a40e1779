/*
 * GDT and TSS, one each per CPU. Long mode ignores most of a descriptor; what matters is
 * the L bit and DPL of code segments and the 16-byte TSS descriptor.
 */
#include <arch/gdt.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/percpu.h>

#define GDT_ENTRIES 8 /* null, kcode, kdata, ucode32, udata, ucode64, tss (2 slots) */

/* The CPU reads these while user code runs: they stay in the user view (arch/kpti.h). */
static uint64_t gdts[ARCH_MAX_CPUS][GDT_ENTRIES] KPTI_SHARED __attribute__((aligned(16)));
struct tss_with_iomap arch_tss KPTI_SHARED __attribute__((aligned(16)));
static struct tss_with_iomap ap_tss[ARCH_MAX_CPUS - 1] KPTI_SHARED __attribute__((aligned(16)));
static uint8_t ist_stacks[ARCH_MAX_CPUS][3][IST_STACK_SIZE] KPTI_SHARED
    __attribute__((aligned(16)));

struct PACKED descriptor_ptr {
    uint16_t limit;
    uint64_t base;
};

static void tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
    slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
              ((uint64_t)((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    slot[1] = base >> 32;
}

/* Build CPU `cpu`'s GDT around `tss` and load both. */
static void load_cpu(unsigned cpu, struct tss_with_iomap *t, uint64_t rsp0)
{
    uint64_t *gdt = gdts[cpu];
    gdt[0] = 0;
    gdt[SEL_KERNEL_CODE >> 3] = 0x00af9a000000ffff; /* DPL0 64-bit code */
    gdt[SEL_KERNEL_DATA >> 3] = 0x00cf92000000ffff; /* DPL0 data */
    gdt[SEL_USER_CODE32 >> 3] = 0x00cffa000000ffff; /* DPL3 32-bit code (never used) */
    gdt[SEL_USER_DATA >> 3] = 0x00cff2000000ffff;   /* DPL3 data */
    gdt[SEL_USER_CODE64 >> 3] = 0x00affa000000ffff; /* DPL3 64-bit code */
    tss_descriptor(&gdt[SEL_TSS >> 3], (uint64_t)t, sizeof(*t) - 1);

    t->tss.rsp[0] = rsp0;
    for (int i = 0; i < 3; i++) {
        t->tss.ist[i] = (uint64_t)&ist_stacks[cpu][i][IST_STACK_SIZE];
    }
    for (unsigned i = 0; i < TSS_IOMAP_BYTES; i++) {
        t->iomap[i] = 0xff; /* every port forbidden */
    }
    t->iomap_end = 0xff;
    t->tss.iomap_base = TSS_IOMAP_OFF; /* no address space holds ports yet */

    struct descriptor_ptr p = {sizeof(gdts[cpu]) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1:\n"
                     "movw %w2, %%ds\n"
                     "movw %w2, %%es\n"
                     "movw %w2, %%ss\n"
                     :
                     : "m"(p), "i"(SEL_KERNEL_CODE), "r"(SEL_KERNEL_DATA)
                     : "rax", "memory");
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

void gdt_init(uint64_t rsp0)
{
    load_cpu(0, &arch_tss, rsp0);
}

void gdt_init_ap(unsigned cpu, uint64_t rsp0)
{
    load_cpu(cpu, &ap_tss[cpu - 1], rsp0);
}

void tss_set_kernel_stack_ap(unsigned cpu, uint64_t rsp0)
{
    ap_tss[cpu - 1].tss.rsp[0] = rsp0;
}

void tss_set_kernel_stack(uint64_t rsp0)
{
    arch_tss.tss.rsp[0] = rsp0;
}
