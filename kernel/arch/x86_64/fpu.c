/*
 * Eager FPU state switching. See arch/fpu.h.
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <ipc/fastpath.h>
#include <kassert.h>
#include <kprintf.h>
#include <kstring.h>

#define CR0_MP         BIT(1)
#define CR0_EM         BIT(2)
#define CR0_TS         BIT(3)
#define CR0_NE         BIT(5)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_OSXSAVE    BIT(18)
#define XCR0_X87       BIT(0)
#define XCR0_SSE       BIT(1)
#define XCR0_AVX       BIT(2)
#define MXCSR_DEFAULT  0x1f80 /* all SIMD exceptions masked */
#define FCW_DEFAULT    0x037f /* all x87 exceptions masked, 64-bit precision */

struct fpu_config fpu_config;

#define use_xsave (fpu_config.xsave)
#define xcr0      (fpu_config.xcr0)

static void xsetbv(uint32_t reg, uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init(void)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    use_xsave = cpu_features.xsave;
    if (use_xsave) {
        write_cr4(cr4 | CR4_OSXSAVE);
        xcr0 = XCR0_X87 | XCR0_SSE | (cpu_features.avx ? XCR0_AVX : 0);
        xsetbv(0, xcr0);
        uint32_t a, size, c, d;
        cpuid(0xd, 0, &a, &size, &c, &d);
        kassert(size <= FPU_AREA_SIZE);
        kassert(xcr0 >> 32 == 0); /* the assembly fastpath's XSAVE mask is EAX alone */
    } else {
        write_cr4(cr4);
        fastpath_asm_unsupported(); /* it switches FPU state by XSAVE only */
    }
    uint64_t components = use_xsave ? xcr0 : XCR0_X87 | XCR0_SSE;
    kprintf("fpu: eager %s, state components %#lx\n", use_xsave ? "XSAVE" : "FXSAVE", components);
}

void fpu_init_ap(void)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (use_xsave) {
        write_cr4(cr4 | CR4_OSXSAVE);
        xsetbv(0, xcr0);
    } else {
        write_cr4(cr4);
    }
}

/* The legacy area: FCW at 0, MXCSR at 24. The XSAVE header (at 512) stays zero, which
 * XRSTOR reads as "every component in its initial state" except for MXCSR. */
void fpu_area_init(struct fpu_area *a)
{
    memset(a, 0, sizeof(*a));
    uint16_t fcw = FCW_DEFAULT;
    uint32_t mxcsr = MXCSR_DEFAULT;
    memcpy(&a->bytes[0], &fcw, sizeof(fcw));
    memcpy(&a->bytes[24], &mxcsr, sizeof(mxcsr));
}
