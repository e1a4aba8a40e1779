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
/* A thread's FPU state at creation: the architectural initial state. */
void fpu_area_init(struct fpu_area *a);
void fpu_save(struct fpu_area *a);
void fpu_restore(const struct fpu_area *a);

#endif
