/*
 * CPU feature discovery and the protections the kernel turns on.
 *
 * Everything optional is read from CPUID and used only when present: QEMU's TCG, for
 * one, lacks PCID, INVPCID, TSC-deadline and often x2APIC and 1 GiB pages.
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/io.h>
#include <arch/kpti.h>
#include <kprintf.h>
#include <kstring.h>
#include <machine.h>
#include <vm/vcpu.h>

struct cpu_features cpu_features;

static void read_brand(void)
{
    uint32_t *out = (uint32_t *)cpu_features.brand;
    if (cpu_features.max_ext_leaf < 0x80000004) {
        memcpy(cpu_features.brand, "(no brand string)", 18);
        return;
    }
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        cpuid(0x80000002 + leaf, 0, &out[leaf * 4], &out[leaf * 4 + 1], &out[leaf * 4 + 2],
              &out[leaf * 4 + 3]);
    }
    cpu_features.brand[48] = '\0';
}

/* Leaf 0x15 gives the TSC/crystal ratio; 0x16 the base frequency in MHz. */
static uint32_t tsc_khz_from_cpuid(void)
{
    uint32_t a, b, c, d;
    if (cpu_features.max_leaf >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a != 0 && b != 0 && c != 0) {
            return (uint32_t)((uint64_t)c * b / a / 1000);
        }
    }
    if (cpu_features.max_leaf >= 0x16) {
        cpuid(0x16, 0, &a, &b, &c, &d);
        if ((a & 0xffff) != 0) {
            return (a & 0xffff) * 1000;
        }
    }
    return 0;
}

void cpu_detect_features(void)
{
    struct cpu_features *f = &cpu_features;
    uint32_t a, b, c, d;

    cpuid(0, 0, &a, &b, &c, &d);
    f->max_leaf = a;
    memcpy(&f->vendor[0], &b, 4);
    memcpy(&f->vendor[4], &d, 4);
    memcpy(&f->vendor[8], &c, 4);
    f->vendor[12] = '\0';

    cpuid(1, 0, &a, &b, &c, &d);
    f->stepping = a & 0xf;
    f->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
    f->family = ((a >> 8) & 0xf) + ((a >> 20) & 0xff);
    f->pcid = c & BIT(17);
    f->x2apic = c & BIT(21);
    f->tsc_deadline = c & BIT(24);
    f->xsave = c & BIT(26);
    f->avx = c & BIT(28);
    f->apic = d & BIT(9);
    f->pge = d & BIT(13);
    f->pat = d & BIT(16);

    if (f->max_leaf >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        f->fsgsbase = b & BIT(0);
        f->smep = b & BIT(7);
        f->invpcid = b & BIT(10);
        f->smap = b & BIT(20);
        f->umip = c & BIT(2);
        if (d & BIT(29)) { /* IA32_ARCH_CAPABILITIES */
            f->arch_capabilities = rdmsr(MSR_ARCH_CAPABILITIES);
        }
    }
    /* Meltdown (rogue data cache load) affects Intel CPUs that do not say RDCL_NO; other
     * vendors' are not affected. Counting every such Intel CPU errs on the safe side. */
    f->meltdown =
        memcmp(f->vendor, "GenuineIntel", 12) == 0 && !(f->arch_capabilities & ARCH_CAP_RDCL_NO);

    cpuid(0x80000000, 0, &a, &b, &c, &d);
    f->max_ext_leaf = a;
    if (f->max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        f->syscall = d & BIT(11);
        f->nx = d & BIT(20);
        f->page1g = d & BIT(26);
    }
    if (f->max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, 0, &a, &b, &c, &d);
        f->invariant_tsc = d & BIT(8);
    }
    f->phys_addr_bits = 36;
    f->virt_addr_bits = 48;
    if (f->max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &c, &d);
        f->phys_addr_bits = a & 0xff;
        f->virt_addr_bits = (a >> 8) & 0xff;
    }
    read_brand();
    f->tsc_khz_cpuid = tsc_khz_from_cpuid();
}

static void print_flag(const char *name, bool present)
{
    kprintf(" %s%s", present ? "+" : "-", name);
}

void cpu_print_features(void)
{
    const struct cpu_features *f = &cpu_features;
    kprintf("cpu: %s, family %u model %u stepping %u, \"%s\"\n", f->vendor, f->family, f->model,
            f->stepping, f->brand);
    kprintf("cpu: %u physical / %u virtual address bits; features:", f->phys_addr_bits,
            f->virt_addr_bits);
    print_flag("nx", f->nx);
    print_flag("pge", f->pge);
    print_flag("pat", f->pat);
    print_flag("pcid", f->pcid);
    print_flag("invpcid", f->invpcid);
    print_flag("page1g", f->page1g);
    print_flag("smep", f->smep);
    print_flag("smap", f->smap);
    print_flag("umip", f->umip);
    print_flag("x2apic", f->x2apic);
    print_flag("tsc-deadline", f->tsc_deadline);
    print_flag("invariant-tsc", f->invariant_tsc);
    print_flag("xsave", f->xsave);
    print_flag("avx", f->avx);
    print_flag("fsgsbase", f->fsgsbase);
    kprintf("\n");
    kprintf("cpu: meltdown (rogue data cache load): %s; page-table isolation %s\n",
            f->meltdown ? "AFFECTED" : "not affected", kpti_state());
    if (f->meltdown && !arch_kpti) {
        kprintf("cpu: WARNING: isolation turned off on an affected CPU: user code may read "
                "kernel memory speculatively\n");
    }
    kprintf("cpu: protections on: wp %s, nx %s, smep %s, smap %s, umip %s; pcid %s\n",
            (read_cr0() & CR0_WP) ? "on" : "off", (rdmsr(MSR_EFER) & EFER_NXE) ? "on" : "off",
            (read_cr4() & CR4_SMEP) ? "on" : "off", (read_cr4() & CR4_SMAP) ? "on" : "off",
            (read_cr4() & CR4_UMIP) ? "on" : "off", (read_cr4() & CR4_PCIDE) ? "on" : "off");
}

void arch_print_cpu_features(void)
{
    cpu_print_features();
    fpu_init();
    arch_virt_report();
}

/*
 * Write-protect (the kernel cannot write through read-only mappings), NX (already on
 * from boot.S when present), global pages, and SMEP/SMAP/UMIP where the CPU has them, so
 * the kernel can never execute or silently touch user memory. Under page-table
 * isolation (arch/kpti.h) neither global pages nor PCIDs: a kernel translation must not
 * outlive the switch to the user view.
 */
void cpu_enable_protections(void)
{
    const struct cpu_features *f = &cpu_features;
    write_cr0(read_cr0() | CR0_WP);
    uint64_t cr4 = read_cr4();
    cr4 &= ~(uint64_t)(CR4_PGE | CR4_PCIDE);
    cr4 |= f->pge && !arch_kpti ? CR4_PGE : 0;
    cr4 |= f->smep ? CR4_SMEP : 0;
    cr4 |= f->smap ? CR4_SMAP : 0;
    cr4 |= f->umip ? CR4_UMIP : 0;
    cr4 |= f->pcid && !arch_kpti ? CR4_PCIDE : 0; /* CR3 holds PCID 0 now, as required */
    write_cr4(cr4);
}
