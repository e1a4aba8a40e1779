/*
 * Basic types for all kernel code, freestanding or built on the host for tests.
 * Only the compiler's own freestanding headers are used.
 */
#ifndef BASTION_KTYPES_H
#define BASTION_KTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t word_t;  /* a machine word */
typedef uint64_t paddr_t; /* a physical address */
typedef uint64_t vaddr_t; /* a kernel virtual address, as an integer */

#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define BIT(n)           (1ull << (n))

#define NORETURN    __attribute__((noreturn))
#define UNUSED      __attribute__((unused))
#define PACKED      __attribute__((packed))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
