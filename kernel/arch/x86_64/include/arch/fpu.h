/*
 * User FPU/SSE/AVX state, saved and restored eagerly on every thread switch (XSAVE when
 * the CPU has it, FXSAVE otherwise), so one thread's registers can never be seen by
 * another. The kernel itself never touches these registers (-mno-sse).
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <ktypes.h>

#define FPU_AREA_SIZE  1024 /* per thread; x87 + SSE + AVX need 832 bytes */
#define FPU_AREA_ALIGN 64

struct fpu_area {
    uint8_t bytes[FPU_AREA_SIZE];
} __attribute__((aligned(FPU_AREA_ALIGN)));

/* Enable the FPU and choose the state components (x87, SSE, and AVX when present). */
void fpu_init(void);
/* The same FPU set-up on an application processor (smp.c), after fpu_init() chose it on
 * the boot CPU: every CPU must save and restore the same state components. */
void fpu_init_ap(void);
/* A thread's FPU state at creation: the architectural initial state. */
void fpu_area_init(struct fpu_area *a);

/* What fpu_init() chose; read by the inline save/restore below. */
struct fpu_config {
    bool xsave;
    uint64_t xcr0;
};
extern struct fpu_config fpu_config;

/* Save prev's state and load next's (prev may be NULL), reading the configuration once. */
static inline __attribute__((always_inline)) void fpu_switch(struct fpu_area *prev,
                                                             const struct fpu_area *next)
{
    uint32_t lo = (uint32_t)fpu_config.xcr0, hi = (uint32_t)(fpu_config.xcr0 >> 32);
    if (fpu_config.xsave) {
        if (prev != NULL) {
            __asm__ volatile("xsave64 %0" : "=m"(*prev) : "a"(lo), "d"(hi) : "memory");
        }
        __asm__ volatile("xrstor64 %0" : : "m"(*next), "a"(lo), "d"(hi) : "memory");
    } else {
        if (prev != NULL) {
            __asm__ volatile("fxsave64 %0" : "=m"(*prev) : : "memory");
        }
        __asm__ volatile("fxrstor64 %0" : : "m"(*next) : "memory");
    }
}

/* Save a's state from the registers, leaving them as they are (the SMP kernel: a CPU
 * that idles or gives a thread up to another CPU puts its state back in its TCB). */
static inline void fpu_save(struct fpu_area *a)
{
    uint32_t lo = (uint32_t)fpu_config.xcr0, hi = (uint32_t)(fpu_config.xcr0 >> 32);
    if (fpu_config.xsave) {
        __asm__ volatile("xsave64 %0" : "=m"(*a) : "a"(lo), "d"(hi) : "memory");
    } else {
        __asm__ volatile("fxsave64 %0" : "=m"(*a) : : "memory");
    }
}

#endif
