/*
 * AMD SVM: the hardware half of a VCPU (vm/vcpu.h, docs/virtualisation.md).
 *
 * What this file guarantees: every entry into a guest runs with the kernel's
 * intercepts (every I/O port and MSR, CPUID, HLT, the virtualisation instructions,
 * shutdown, nested faults, physical interrupts, NMI, SMI, INIT, #DB and #AC), whatever
 * the VMCB held before; the host state the guest could change is saved before and
 * restored after (svm_entry.S, and the FPU state here); a VMRUN that the hardware
 * refuses is an INVALID_STATE exit, never a kernel fault. SVM is switched on per CPU on
 * that CPU's first entry.
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/io.h>
#include <arch/layout.h>
#include <arch/percpu.h>
#include <arch/physmap.h>
#include <kprintf.h>
#include <kstring.h>
#include <thread/tcb.h>
#include <vm/gspace.h>
#include <vm/vcpu.h>

/* CPUID */
#define CPUID_SVM_ECX       BIT(2) /* 0x80000001 */
#define CPUID_SVM_NP        BIT(0) /* 0x8000000A EDX: nested paging */
#define CPUID_SVM_NRIPS     BIT(3) /* next-RIP saved on exits */
#define CPUID_SVM_FLUSHASID BIT(6)

/* MSRs */
#define MSR_VM_CR    0xc0010114
#define MSR_VM_HSAVE 0xc0010117
#define VM_CR_SVMDIS BIT(4)
#define EFER_SVME    BIT(12)
#define EFER_SCE     BIT(0)
#define EFER_LME     BIT(8)
#define EFER_LMA     BIT(10)

/* VMCB control area */
struct vmcb_control {
    uint32_t intercept_cr;         /* 0x000 */
    uint32_t intercept_dr;         /* 0x004 */
    uint32_t intercept_exceptions; /* 0x008 */
    uint32_t intercept_misc1;      /* 0x00c */
    uint32_t intercept_misc2;      /* 0x010 */
    uint32_t intercept_misc3;      /* 0x014 */
    uint8_t reserved1[0x3c - 0x18];
    uint16_t pause_threshold; /* 0x03c */
    uint16_t pause_count;     /* 0x03e */
    uint64_t iopm_base;       /* 0x040 */
    uint64_t msrpm_base;      /* 0x048 */
    uint64_t tsc_offset;      /* 0x050 */
    uint32_t asid;            /* 0x058 */
    uint8_t tlb_control;      /* 0x05c */
    uint8_t reserved2[3];
    uint64_t vintr;            /* 0x060 */
    uint64_t interrupt_shadow; /* 0x068 */
    uint64_t exit_code;        /* 0x070 */
    uint64_t exit_info1;       /* 0x078 */
    uint64_t exit_info2;       /* 0x080 */
    uint64_t exit_int_info;    /* 0x088 */
    uint64_t np_enable;        /* 0x090 */
    uint64_t avic_apic_bar;    /* 0x098 */
    uint64_t ghcb;             /* 0x0a0 */
    uint64_t event_inject;     /* 0x0a8 */
    uint64_t n_cr3;            /* 0x0b0 */
    uint64_t lbr_virt;         /* 0x0b8 */
    uint32_t clean;            /* 0x0c0 */
    uint32_t reserved3;
    uint64_t next_rip; /* 0x0c8 */
    uint8_t insn_len;  /* 0x0d0 */
    uint8_t insn_bytes[15];
    uint8_t reserved4[0x400 - 0xe0];
};

struct vmcb_seg {
    uint16_t sel;
    uint16_t attr; /* descriptor bits 40-47 in 0-7, 52-55 in 8-11 */
    uint32_t limit;
    uint64_t base;
};

struct vmcb_save {
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x000 */
    uint8_t reserved1[0xcb - 0xa0];
    uint8_t cpl; /* 0x0cb */
    uint32_t reserved2;
    uint64_t efer; /* 0x0d0 */
    uint8_t reserved3[0x148 - 0xd8];
    uint64_t cr4;    /* 0x148 */
    uint64_t cr3;    /* 0x150 */
    uint64_t cr0;    /* 0x158 */
    uint64_t dr7;    /* 0x160 */
    uint64_t dr6;    /* 0x168 */
    uint64_t rflags; /* 0x170 */
    uint64_t rip;    /* 0x178 */
    uint8_t reserved4[0x1d8 - 0x180];
    uint64_t rsp; /* 0x1d8 */
    uint8_t reserved5[0x1f8 - 0x1e0];
    uint64_t rax;            /* 0x1f8 */
    uint64_t star;           /* 0x200 */
    uint64_t lstar;          /* 0x208 */
    uint64_t cstar;          /* 0x210 */
    uint64_t sfmask;         /* 0x218 */
    uint64_t kernel_gs_base; /* 0x220 */
    uint64_t sysenter_cs;    /* 0x228 */
    uint64_t sysenter_esp;   /* 0x230 */
    uint64_t sysenter_eip;   /* 0x238 */
    uint64_t cr2;            /* 0x240 */
    uint8_t reserved6[0x268 - 0x248];
    uint64_t g_pat; /* 0x268 */
};

struct vmcb {
    struct vmcb_control control;
    struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb_control, iopm_base) == 0x40, "VMCB layout");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x58, "VMCB layout");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x70, "VMCB layout");
_Static_assert(offsetof(struct vmcb_control, event_inject) == 0xa8, "VMCB layout");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0xb0, "VMCB layout");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0xc8, "VMCB layout");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0xcb, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, efer) == 0xd0, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "VMCB layout");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB layout");
_Static_assert(sizeof(struct vmcb) <= 4096, "a VMCB is a page");

/* Intercept bits. */
#define INTERCEPT_EXC_DB BIT(1)
#define INTERCEPT_EXC_AC BIT(17)
#define M1_INTR          BIT(0)
#define M1_NMI           BIT(1)
#define M1_SMI           BIT(2)
#define M1_INIT          BIT(3)
#define M1_VINTR         BIT(4)
#define M1_RDPMC         BIT(15)
#define M1_CPUID         BIT(18)
#define M1_INVD          BIT(22)
#define M1_HLT           BIT(24)
#define M1_INVLPGA       BIT(26)
#define M1_IOIO          BIT(27)
#define M1_MSR           BIT(28)
#define M1_TASK_SWITCH   BIT(29)
#define M1_FERR_FREEZE   BIT(30)
#define M1_SHUTDOWN      BIT(31)
#define M2_VMRUN         BIT(0)
#define M2_VMMCALL       BIT(1)
#define M2_VMLOAD        BIT(2)
#define M2_VMSAVE        BIT(3)
#define M2_STGI          BIT(4)
#define M2_CLGI          BIT(5)
#define M2_SKINIT        BIT(6)
#define M2_MONITOR       BIT(10)
#define M2_MWAIT         BIT(11)
#define M2_MWAIT_COND    BIT(12)
#define M2_XSETBV        BIT(13)

/* What every entry intercepts (docs/virtualisation.md); M1_VINTR only on request. */
#define REQUIRED_EXCEPTIONS (INTERCEPT_EXC_DB | INTERCEPT_EXC_AC)
#define REQUIRED_MISC1                                                                             \
    (M1_INTR | M1_NMI | M1_SMI | M1_INIT | M1_RDPMC | M1_CPUID | M1_INVD | M1_HLT | M1_INVLPGA |   \
     M1_IOIO | M1_MSR | M1_TASK_SWITCH | M1_FERR_FREEZE | M1_SHUTDOWN)
#define REQUIRED_MISC2                                                                             \
    (M2_VMRUN | M2_VMMCALL | M2_VMLOAD | M2_VMSAVE | M2_STGI | M2_CLGI | M2_SKINIT | M2_MONITOR |  \
     M2_MWAIT | M2_MWAIT_COND | M2_XSETBV)

/* V_INTR fields (control 0x60). */
#define VINTR_V_IRQ    BIT(8)
#define VINTR_PRIO_MAX (0xfull << 16)
#define VINTR_IGN_TPR  BIT(20)
#define VINTR_MASKING  BIT(24)
#define TLB_FLUSH_ALL  1
#define TLB_FLUSH_ASID 3
#define EVENT_VALID    BIT(31)

/* Exit codes. */
#define EXIT_EXCP_BASE  0x40
#define EXIT_INTR       0x60
#define EXIT_NMI        0x61
#define EXIT_SMI        0x62
#define EXIT_INIT       0x63
#define EXIT_VINTR      0x64
#define EXIT_CPUID      0x72
#define EXIT_HLT        0x78
#define EXIT_INVLPGA    0x7a
#define EXIT_IOIO       0x7b
#define EXIT_MSR        0x7c
#define EXIT_SHUTDOWN   0x7f
#define EXIT_VMRUN      0x80
#define EXIT_VMMCALL    0x81
#define EXIT_VMLOAD     0x82
#define EXIT_VMSAVE     0x83
#define EXIT_STGI       0x84
#define EXIT_CLGI       0x85
#define EXIT_SKINIT     0x86
#define EXIT_XSETBV     0x8d
#define EXIT_NPF        0x400
#define EXIT_INVALID    UINT64_MAX
#define EXIT_INVALID_32 0xffffffffull /* -1 as some implementations (QEMU) store it */

#define IOIO_IN     BIT(0)
#define IOIO_STR    BIT(2)
#define IOIO_REP    BIT(3)
#define NPF_P       BIT(0)
#define NPF_W       BIT(1)
#define NPF_FETCH   BIT(4)
#define DEFAULT_PAT 0x0007040600070406ull
#define RFLAGS_IF   BIT(9)

/* The permission maps: every bit set, so every port and MSR access exits. Physically
 * contiguous (the kernel image is) and page aligned. */
static uint8_t iopm[3 * 4096] __attribute__((aligned(4096)));
static uint8_t msrpm[2 * 4096] __attribute__((aligned(4096)));
/* Per CPU: the VM_HSAVE_PA page and the VMSAVE area for the host's state. */
static uint8_t hsave[ARCH_MAX_CPUS][4096] __attribute__((aligned(4096)));
static uint8_t host_area[ARCH_MAX_CPUS][4096] __attribute__((aligned(4096)));
static bool cpu_enabled[ARCH_MAX_CPUS];
/* Per CPU: ASIDs are handed out in order; when they run out, every guest translation on
 * the CPU is flushed and a new generation starts (a VCPU with an older one gets a new
 * ASID). ASID 0 is the host's. */
static struct {
    uint64_t generation;
    uint32_t next;
} asid_state[ARCH_MAX_CPUS];

static struct {
    bool svm, np, nrips, flush_by_asid, usable;
    uint32_t asids;
} svm;

static paddr_t kernel_pa(const void *p)
{
    return (paddr_t)((uintptr_t)p - KERNEL_VMA);
}

static void detect(void)
{
    uint32_t a, b, c, d;
    if (cpu_features.max_ext_leaf < 0x80000001) {
        return;
    }
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    svm.svm = (c & CPUID_SVM_ECX) != 0;
    if (!svm.svm || cpu_features.max_ext_leaf < 0x8000000a) {
        return;
    }
    cpuid(0x8000000a, 0, &a, &b, &c, &d);
    svm.asids = b;
    svm.np = (d & CPUID_SVM_NP) != 0;
    svm.nrips = (d & CPUID_SVM_NRIPS) != 0;
    svm.flush_by_asid = (d & CPUID_SVM_FLUSHASID) != 0;
    bool disabled = (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) != 0;
    svm.usable = svm.np && !disabled && svm.asids >= 2;
}

void arch_virt_report(void)
{
    detect();
    if (svm.usable) {
        memset(iopm, 0xff, sizeof(iopm));
        memset(msrpm, 0xff, sizeof(msrpm));
    }
    kprintf("virt: AMD SVM %s, nested paging %s, next-RIP %s, %u ASIDs: guests %s\n",
            svm.svm ? "yes" : "no", svm.np ? "yes" : "no", svm.nrips ? "yes" : "no",
            (unsigned)svm.asids, svm.usable ? "can run" : "cannot run (VCPU invocations refused)");
}

bool arch_virt_available(void)
{
    return svm.usable;
}

/* SVM on for this CPU (EFER.SVME, VM_HSAVE_PA), once. */
static unsigned cpu_prepare(void)
{
    unsigned cpu = this_cpu()->id;
    if (!cpu_enabled[cpu]) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
        wrmsr(MSR_VM_HSAVE, kernel_pa(hsave[cpu]));
        cpu_enabled[cpu] = true;
    }
    return cpu;
}

static struct vmcb *vmcb_of(const struct vcpu *v)
{
    return (struct vmcb *)arch_physmap_ptr(v->obj);
}

static struct fpu_area *fpu_of(const struct vcpu *v)
{
    return (struct fpu_area *)arch_physmap_ptr(v->obj + VCPU_FPU_OFFSET);
}

static void seg_set(struct vmcb_seg *s, uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
    *s = (struct vmcb_seg){.sel = sel, .attr = attr, .limit = limit, .base = base};
}

void arch_vcpu_reset(struct vcpu *v)
{
    struct vmcb *m = vmcb_of(v);
    memset(m, 0, sizeof(*m));
    v->arch = (struct arch_vcpu){0};
    struct vmcb_save *s = &m->save;
    /* Real mode, every segment at 0 with a 64 KiB limit, at 0:0. */
    seg_set(&s->cs, 0, 0, 0xffff, 0x9b);
    seg_set(&s->ds, 0, 0, 0xffff, 0x93);
    seg_set(&s->es, 0, 0, 0xffff, 0x93);
    seg_set(&s->ss, 0, 0, 0xffff, 0x93);
    seg_set(&s->fs, 0, 0, 0xffff, 0x93);
    seg_set(&s->gs, 0, 0, 0xffff, 0x93);
    seg_set(&s->gdtr, 0, 0, 0xffff, 0);
    seg_set(&s->idtr, 0, 0, 0xffff, 0);
    seg_set(&s->ldtr, 0, 0, 0xffff, 0x82);
    seg_set(&s->tr, 0, 0, 0xffff, 0x8b);
    s->cr0 = BIT(4); /* ET */
    s->efer = EFER_SVME;
    s->rflags = 2;
    s->dr6 = 0xffff0ff0;
    s->dr7 = 0x400;
    s->g_pat = DEFAULT_PAT;
    v->arch.xcr0 = 1; /* x87 only, as at reset */
    fpu_area_init(fpu_of(v));
}

/* ---- Registers ------------------------------------------------------------------- */

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* CR4 bits a guest may set: not VMXE, SMXE, LA57, PKE, CET (nor reserved ones). */
#define CR4_GUEST                                                                                  \
    (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(9) |     \
     BIT(10) | BIT(11) | BIT(16) | BIT(17) | BIT(18) | BIT(20) | BIT(21))
#define EFER_GUEST (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

static bool is_seg_base(unsigned reg)
{
    return reg >= BST_VCPU_REG_es_sel && reg <= BST_VCPU_REG_tr_attr && (reg - 25) % 4 == 1;
}

static bool is_seg_attr(unsigned reg)
{
    return reg >= BST_VCPU_REG_es_sel && reg <= BST_VCPU_REG_tr_attr && (reg - 25) % 4 == 3;
}

bool arch_vcpu_reg_valid(unsigned reg, uint64_t v)
{
    if (is_seg_base(reg)) {
        return canonical(v);
    }
    if (is_seg_attr(reg)) {
        return (v & ~0xf0ffull) == 0;
    }
    if (reg >= BST_VCPU_REG_es_sel && reg <= BST_VCPU_REG_tr_attr) {
        return (reg - 25) % 4 == 0 ? v <= 0xffff : v <= 0xffffffffull; /* selector, limit */
    }
    switch (reg) {
    case BST_VCPU_REG_cr0:
        return (v >> 32) == 0 && !((v & BIT(29)) && !(v & BIT(30))); /* NW needs CD */
    case BST_VCPU_REG_cr3:
        return (v >> cpu_features.phys_addr_bits) == 0;
    case BST_VCPU_REG_cr4:
        return (v & ~(uint64_t)CR4_GUEST) == 0;
    case BST_VCPU_REG_efer:
        return (v & ~(uint64_t)EFER_GUEST) == 0;
    case BST_VCPU_REG_dr6:
    case BST_VCPU_REG_dr7:
        return (v >> 32) == 0;
    case BST_VCPU_REG_gdtr_base:
    case BST_VCPU_REG_idtr_base:
    case BST_VCPU_REG_lstar:
    case BST_VCPU_REG_cstar:
    case BST_VCPU_REG_kernel_gs_base:
    case BST_VCPU_REG_sysenter_esp:
    case BST_VCPU_REG_sysenter_eip:
        return canonical(v);
    case BST_VCPU_REG_gdtr_limit:
    case BST_VCPU_REG_idtr_limit:
        return v <= 0xffff;
    case BST_VCPU_REG_rip:
    case BST_VCPU_REG_rsp:
        return canonical(v);
    case BST_VCPU_REG_rflags:
        return (v >> 22) == 0; /* bit 1 is forced on */
    case BST_VCPU_REG_interrupt_shadow:
        return v <= 1;
    case BST_VCPU_REG_sysenter_cs:
        return v <= 0xffff;
    case BST_VCPU_REG_xcr0: /* x87 always; AVX needs SSE; only what the host saves */
        return (v & 1) && !((v & 4) && !(v & 2)) && fpu_config.xsave && (v & ~fpu_config.xcr0) == 0;
    default:
        return true;
    }
}

static struct vmcb_seg *seg_of(struct vmcb *m, unsigned reg)
{
    struct vmcb_seg *segs[8] = {&m->save.es, &m->save.cs, &m->save.ss,   &m->save.ds,
                                &m->save.fs, &m->save.gs, &m->save.ldtr, &m->save.tr};
    return segs[(reg - BST_VCPU_REG_es_sel) / 4];
}

/* The other registers by number: where each lives. */
static uint64_t *reg_slot(struct vcpu *v, unsigned reg)
{
    struct vmcb *m = vmcb_of(v);
    struct arch_vcpu *g = &v->arch;
    uint64_t *gprs[16] = {&m->save.rax, &g->rbx,      &g->rcx, &g->rdx, &g->rsi, &g->rdi,
                          &g->rbp,      &m->save.rsp, &g->r8,  &g->r9,  &g->r10, &g->r11,
                          &g->r12,      &g->r13,      &g->r14, &g->r15};
    if (reg < 16) {
        return gprs[reg];
    }
    switch (reg) {
    case BST_VCPU_REG_rip:
        return &m->save.rip;
    case BST_VCPU_REG_rflags:
        return &m->save.rflags;
    case BST_VCPU_REG_cr0:
        return &m->save.cr0;
    case BST_VCPU_REG_cr2:
        return &m->save.cr2;
    case BST_VCPU_REG_cr3:
        return &m->save.cr3;
    case BST_VCPU_REG_cr4:
        return &m->save.cr4;
    case BST_VCPU_REG_efer:
        return &m->save.efer;
    case BST_VCPU_REG_dr6:
        return &m->save.dr6;
    case BST_VCPU_REG_dr7:
        return &m->save.dr7;
    case BST_VCPU_REG_gdtr_base:
        return &m->save.gdtr.base;
    case BST_VCPU_REG_idtr_base:
        return &m->save.idtr.base;
    case BST_VCPU_REG_pat:
        return &m->save.g_pat;
    case BST_VCPU_REG_star:
        return &m->save.star;
    case BST_VCPU_REG_lstar:
        return &m->save.lstar;
    case BST_VCPU_REG_cstar:
        return &m->save.cstar;
    case BST_VCPU_REG_sfmask:
        return &m->save.sfmask;
    case BST_VCPU_REG_kernel_gs_base:
        return &m->save.kernel_gs_base;
    case BST_VCPU_REG_sysenter_cs:
        return &m->save.sysenter_cs;
    case BST_VCPU_REG_sysenter_esp:
        return &m->save.sysenter_esp;
    case BST_VCPU_REG_sysenter_eip:
        return &m->save.sysenter_eip;
    case BST_VCPU_REG_interrupt_shadow:
        return &m->control.interrupt_shadow;
    case BST_VCPU_REG_tsc_offset:
        return &m->control.tsc_offset;
    case BST_VCPU_REG_xcr0:
        return &v->arch.xcr0;
    default:
        return NULL; /* segments and table limits: below */
    }
}

uint64_t arch_vcpu_get_reg(struct vcpu *v, unsigned reg)
{
    struct vmcb *m = vmcb_of(v);
    if (reg >= BST_VCPU_REG_es_sel && reg <= BST_VCPU_REG_tr_attr) {
        const struct vmcb_seg *s = seg_of(m, reg);
        switch ((reg - BST_VCPU_REG_es_sel) % 4) {
        case 0:
            return s->sel;
        case 1:
            return s->base;
        case 2:
            return s->limit;
        default:
            return (uint64_t)(s->attr & 0xff) | ((uint64_t)(s->attr & 0xf00) << 4);
        }
    }
    if (reg == BST_VCPU_REG_gdtr_limit) {
        return m->save.gdtr.limit;
    }
    if (reg == BST_VCPU_REG_idtr_limit) {
        return m->save.idtr.limit;
    }
    uint64_t value = *reg_slot(v, reg);
    if (reg == BST_VCPU_REG_efer) {
        value &= ~(uint64_t)EFER_SVME; /* the kernel's, never the guest's */
    } else if (reg == BST_VCPU_REG_interrupt_shadow) {
        value &= 1;
    }
    return value;
}

void arch_vcpu_set_reg(struct vcpu *v, unsigned reg, uint64_t value)
{
    struct vmcb *m = vmcb_of(v);
    if (reg >= BST_VCPU_REG_es_sel && reg <= BST_VCPU_REG_tr_attr) {
        struct vmcb_seg *s = seg_of(m, reg);
        switch ((reg - BST_VCPU_REG_es_sel) % 4) {
        case 0:
            s->sel = (uint16_t)value;
            break;
        case 1:
            s->base = value;
            break;
        case 2:
            s->limit = (uint32_t)value;
            break;
        default:
            s->attr = (uint16_t)((value & 0xff) | ((value >> 4) & 0xf00));
            break;
        }
        if (reg == BST_VCPU_REG_ss_attr) {
            m->save.cpl = (uint8_t)((value >> 5) & 3); /* the CPL is SS.DPL */
        }
        return;
    }
    if (reg == BST_VCPU_REG_gdtr_limit) {
        m->save.gdtr.limit = (uint32_t)value;
    } else if (reg == BST_VCPU_REG_idtr_limit) {
        m->save.idtr.limit = (uint32_t)value;
    } else if (reg == BST_VCPU_REG_efer) {
        m->save.efer = value | EFER_SVME;
    } else if (reg == BST_VCPU_REG_rflags) {
        m->save.rflags = value | 2;
    } else {
        *reg_slot(v, reg) = value;
    }
}

void arch_vcpu_advance(struct vcpu *v, uint64_t bytes)
{
    struct vmcb *m = vmcb_of(v);
    m->save.rip += bytes;
    m->control.interrupt_shadow = 0;
}

void arch_vcpu_set_gprs(struct vcpu *v, uint64_t rax, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
    vmcb_of(v)->save.rax = rax;
    v->arch.rbx = rbx;
    v->arch.rcx = rcx;
    v->arch.rdx = rdx;
}

/* ---- Running --------------------------------------------------------------------- */

/* Set the controls this kernel requires, whatever the VMCB held. */
static void controls_set(struct vmcb *m, const struct vcpu_entry *e)
{
    struct vmcb_control *c = &m->control;
    c->intercept_cr = 0;
    c->intercept_dr = 0;
    c->intercept_exceptions = REQUIRED_EXCEPTIONS;
    c->intercept_misc1 = REQUIRED_MISC1 | (e->window ? M1_VINTR : 0);
    c->intercept_misc2 = REQUIRED_MISC2;
    c->intercept_misc3 = 0;
    c->iopm_base = kernel_pa(iopm);
    c->msrpm_base = kernel_pa(msrpm);
    c->tlb_control = !e->flush ? 0 : svm.flush_by_asid ? TLB_FLUSH_ASID : TLB_FLUSH_ALL;
    c->vintr = VINTR_MASKING | (e->window ? VINTR_V_IRQ | VINTR_IGN_TPR | VINTR_PRIO_MAX : 0);
    c->np_enable = 1;
    c->n_cr3 = e->root;
    c->clean = 0; /* reload everything: the kernel does not track what changed */
    c->lbr_virt = 0;
    c->avic_apic_bar = 0;
    m->save.efer |= EFER_SVME;
}

/* The length of the instruction of exit `code` where the hardware did not say. */
static uint64_t fixed_length(uint64_t code)
{
    switch (code) {
    case EXIT_CPUID:
    case EXIT_MSR:
        return 2;
    case EXIT_HLT:
        return 1;
    case EXIT_VMRUN:
    case EXIT_VMMCALL:
    case EXIT_VMLOAD:
    case EXIT_VMSAVE:
    case EXIT_STGI:
    case EXIT_CLGI:
    case EXIT_SKINIT:
    case EXIT_INVLPGA:
    case EXIT_XSETBV:
        return 3;
    default:
        return 0;
    }
}

static uint64_t reason_of(uint64_t code)
{
    switch (code) {
    case EXIT_IOIO:
        return BST_VM_EXIT_IO;
    case EXIT_CPUID:
        return BST_VM_EXIT_CPUID;
    case EXIT_HLT:
        return BST_VM_EXIT_HLT;
    case EXIT_VMMCALL:
        return BST_VM_EXIT_HYPERCALL;
    case EXIT_NPF:
        return BST_VM_EXIT_NESTED_FAULT;
    case EXIT_SHUTDOWN:
        return BST_VM_EXIT_SHUTDOWN;
    case EXIT_VMRUN:
    case EXIT_VMLOAD:
    case EXIT_VMSAVE:
    case EXIT_STGI:
    case EXIT_CLGI:
    case EXIT_SKINIT:
    case EXIT_INVLPGA:
        return BST_VM_EXIT_VIRT_INSTRUCTION;
    case EXIT_VINTR:
        return BST_VM_EXIT_INTERRUPT_WINDOW;
    case EXIT_INVALID:
    case EXIT_INVALID_32:
        return BST_VM_EXIT_INVALID_STATE;
    case EXIT_XSETBV:
        return BST_VM_EXIT_XSETBV;
    default:
        return code >= EXIT_EXCP_BASE && code < EXIT_EXCP_BASE + 32 ? BST_VM_EXIT_EXCEPTION
                                                                    : BST_VM_EXIT_OTHER;
    }
}

/* The exit message of the exit the VMCB holds. */
static void decode_exit(struct vcpu *v, struct bst_vm_exit_msg *msg)
{
    struct vmcb *m = vmcb_of(v);
    const struct vmcb_control *c = &m->control;
    uint64_t code = c->exit_code, q1 = c->exit_info1, q2 = c->exit_info2;
    uint64_t rip = m->save.rip, len = 0;
    *msg = (struct bst_vm_exit_msg){
        .reason = reason_of(code),
        .rip = rip,
        .arch_code = code,
        .arch_qual1 = q1,
        .arch_qual2 = q2,
        .rax = m->save.rax,
        .rbx = v->arch.rbx,
        .rcx = v->arch.rcx,
        .rdx = v->arch.rdx,
    };
    if (code == EXIT_IOIO) {
        len = q2 - rip; /* EXITINFO2 is the next RIP */
        unsigned size = (q1 & BIT(4)) ? 1 : (q1 & BIT(5)) ? 2 : 4;
        msg->info0 = (q1 >> 16) | ((uint64_t)size << 16) | ((q1 & IOIO_IN) ? BST_VM_IO_IN : 0) |
                     ((q1 & IOIO_STR) ? BST_VM_IO_STRING : 0) |
                     ((q1 & IOIO_REP) ? BST_VM_IO_REP : 0);
    } else if (svm.nrips && c->next_rip > rip && c->next_rip - rip <= 15) {
        len = c->next_rip - rip;
    } else {
        len = fixed_length(code);
    }
    if (code == EXIT_MSR) {
        msg->reason = q1 ? BST_VM_EXIT_MSR_WRITE : BST_VM_EXIT_MSR_READ;
        msg->info0 = (uint32_t)v->arch.rcx;
        msg->info1 = q1 ? ((v->arch.rdx & 0xffffffffull) << 32) | (uint32_t)m->save.rax : 0;
    } else if (code == EXIT_CPUID) {
        msg->info0 = (uint32_t)m->save.rax;
        msg->info1 = (uint32_t)v->arch.rcx;
    } else if (code == EXIT_XSETBV) {
        msg->info0 = (uint32_t)v->arch.rcx;
        msg->info1 = ((v->arch.rdx & 0xffffffffull) << 32) | (uint32_t)m->save.rax;
    } else if (code == EXIT_NPF) {
        msg->info0 = q2;
        msg->info1 = ((q1 & NPF_FETCH) ? BST_VM_NF_EXECUTE
                      : (q1 & NPF_W)   ? BST_VM_NF_WRITE
                                       : BST_VM_NF_READ) |
                     ((q1 & NPF_P) ? BST_VM_NF_PRESENT : 0);
    } else if (msg->reason == BST_VM_EXIT_EXCEPTION) {
        msg->info0 = code - EXIT_EXCP_BASE;
        msg->info1 = q1;
    }
    if (code == EXIT_INVALID || code == EXIT_INVALID_32 || code == EXIT_SHUTDOWN || len > 15) {
        len = 0;
    }
    msg->insn_len = len;
    msg->flags = ((m->save.rflags & RFLAGS_IF) ? BST_VM_STATE_IF : 0) |
                 ((c->interrupt_shadow & 1) ? BST_VM_STATE_SHADOW : 0) |
                 (v->event_pending ? BST_VM_STATE_PENDING : 0);
}

/* DR0-DR3 are not in the VMCB: the guest's are loaded before VMRUN and taken back
 * after, and the CPU's are left zero, so that no guest sees another's (the host sets
 * no breakpoints, and #VMEXIT disables them in DR7). */
#define DR_LOAD(n, v)  __asm__ volatile("mov %0, %%db" #n : : "r"(v))
#define DR_STORE(n, v) __asm__ volatile("mov %%db" #n ", %0" : "=r"(v))

static void guest_drs_load(const struct arch_vcpu *g)
{
    DR_LOAD(0, g->dr[0]);
    DR_LOAD(1, g->dr[1]);
    DR_LOAD(2, g->dr[2]);
    DR_LOAD(3, g->dr[3]);
}

static void guest_drs_take(struct arch_vcpu *g)
{
    DR_STORE(0, g->dr[0]);
    DR_STORE(1, g->dr[1]);
    DR_STORE(2, g->dr[2]);
    DR_STORE(3, g->dr[3]);
    uint64_t zero = 0;
    DR_LOAD(0, zero);
    DR_LOAD(1, zero);
    DR_LOAD(2, zero);
    DR_LOAD(3, zero);
}

static void xcr0_write(uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The VCPU's ASID on `cpu`: kept if it still holds one of the CPU's generation, else the
 * next one (*flush set: it may hold an earlier user's entries). True when the CPU ran
 * out and everything must be flushed. */
static bool asid_take(struct vcpu *v, unsigned cpu, bool *flush)
{
    if (v->last_cpu == cpu + 1 && v->arch.asid != 0 &&
        v->arch.asid_generation == asid_state[cpu].generation) {
        return false;
    }
    bool all = false;
    if (asid_state[cpu].next == 0 || asid_state[cpu].next >= svm.asids) {
        asid_state[cpu].generation++;
        asid_state[cpu].next = 1;
        all = true;
    }
    v->arch.asid = asid_state[cpu].next++;
    v->arch.asid_generation = asid_state[cpu].generation;
    *flush = true;
    return all;
}

enum vcpu_outcome arch_vcpu_run(struct vcpu *v, struct tcb *t, const struct vcpu_entry *e,
                                struct bst_vm_exit_msg *msg)
{
    unsigned cpu = cpu_prepare();
    struct vmcb *m = vmcb_of(v);
    struct vcpu_entry here = *e;
    bool flush_all = asid_take(v, cpu, &here.flush);
    v->last_cpu = cpu + 1;
    controls_set(m, &here);
    m->control.asid = v->arch.asid;
    if (flush_all) {
        m->control.tlb_control = TLB_FLUSH_ALL;
    }
    m->control.event_inject = 0;
    if (v->event_pending) {
        m->control.event_inject =
            (v->event & BST_VCPU_EVENT_VALID_MASK) | EVENT_VALID |
            ((v->event & BST_VCPU_EVENT_ERROR_CODE) ? v->event_error << 32 : 0);
        v->event_pending = 0;
    }
    m->control.exit_int_info = 0;
    fpu_switch(&t->arch.fpu, fpu_of(v));
    /* The guest's XCR0 while it runs (a subset of the host's: reg_valid), so that its
     * XSAVE and CPUID see its own; both FPU switches run under the host's, which covers
     * every component either uses. */
    bool own_xcr0 = fpu_config.xsave && v->arch.xcr0 != fpu_config.xcr0;
    if (own_xcr0) {
        xcr0_write(v->arch.xcr0);
    }
    guest_drs_load(&v->arch);
    svm_enter(&v->arch, v->obj, kernel_pa(host_area[cpu]));
    guest_drs_take(&v->arch);
    if (fpu_config.xsave) { /* always: a CPU that does not intercept XSETBV (QEMU's) */
        xcr0_write(fpu_config.xcr0);
    }
    fpu_switch(fpu_of(v), &t->arch.fpu);
    uint64_t interrupted = m->control.exit_int_info;
    if (interrupted & EVENT_VALID) { /* delivery was cut short: deliver it next time */
        v->event = interrupted & BST_VCPU_EVENT_VALID_MASK;
        v->event_error = interrupted >> 32;
        v->event_pending = 1;
    }
    uint64_t code = m->control.exit_code;
    if (code == EXIT_INTR || code == EXIT_NMI || code == EXIT_SMI || code == EXIT_INIT) {
        return VCPU_EXIT_HOST;
    }
    decode_exit(v, msg);
    return VCPU_EXIT_TO_VMM;
}
