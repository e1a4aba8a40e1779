/*
 * lwIP's compiler and platform port for Bastion PDs (lwIP includes it as "arch/cc.h"):
 * x86_64, freestanding, single-threaded (NO_SYS: every lwIP call happens on the PD's one
 * thread, inside its entry points). docs/drivers.md, "lwIP and the client library".
 *
 * No C library: the headers lwIP asks for come from the compiler (stddef.h, stdint.h,
 * limits.h) or from our small subset (drivers/net/lwip/libc: string.h, stdlib.h);
 * inttypes.h and ctype.h are replaced below. errno.h is not needed: only lwIP's socket
 * and netconn layers (off) use error numbers, so LWIP_PROVIDE_ERRNO stays undefined.
 */
#ifndef BASTION_LWIP_ARCH_CC_H
#define BASTION_LWIP_ARCH_CC_H

#include <arch/bastion_port.h>
#include <libbastion/printf.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No <inttypes.h> in a freestanding gcc: lwIP's format strings, for bst_printf. */
#define LWIP_NO_INTTYPES_H 1
#define X8_F               "02x"
#define U16_F              "u"
#define S16_F              "d"
#define X16_F              "x"
#define U32_F              "u"
#define S32_F              "d"
#define X32_F              "x"
#define SZT_F              "zu"

/* lwIP's own isdigit() and friends instead of <ctype.h>. */
#define LWIP_NO_CTYPE_H 1

/* Diagnostics go to the debug console; a failed assertion faults the PD. */
#define LWIP_PLATFORM_DIAG(message)                                                                \
    do {                                                                                           \
        bst_printf message;                                                                        \
    } while (0)
#define LWIP_PLATFORM_ASSERT(message) lwip_port_assert_failed(message, __FILE__, __LINE__)

/* Random numbers (initial local ports): mixed from the cycle counter. */
#define LWIP_RAND() lwip_port_rand()

/* The Internet checksum, 8 bytes per step (port/chksum.c) instead of lwIP's 2. */
#define LWIP_CHKSUM lwip_port_chksum

#endif /* BASTION_LWIP_ARCH_CC_H */
