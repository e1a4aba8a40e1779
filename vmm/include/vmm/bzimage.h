/*
 * The x86 Linux boot protocol, image side: reading and checking a bzImage's setup
 * header (docs/virtualisation.md, "Loading Linux").
 *
 * A bzImage is a real-mode setup part ((setup_sects + 1) sectors of 512 bytes, the first
 * holding the setup header at 0x1f1) followed by the protected-mode kernel. The VMM uses
 * the 64-bit entry (protocol 2.12 and later, XLF_KERNEL_64): it copies the
 * protected-mode part to a load address and jumps to that address + 0x200 in long mode
 * with RSI pointing at boot_params. Every field is read from an untrusted file: the
 * parser checks each before use and refuses a malformed image with a message that says
 * which field is wrong and its value.
 */
#ifndef VMM_BZIMAGE_H
#define VMM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmm/error.h>

/* Offsets in the image (and in boot_params, whose setup header sits at the same place). */
#define VMM_BZ_SETUP_SECTS     0x1f1
#define VMM_BZ_SYSSIZE         0x1f4
#define VMM_BZ_BOOT_FLAG       0x1fe
#define VMM_BZ_JUMP            0x200
#define VMM_BZ_HEADER_MAGIC    0x202
#define VMM_BZ_VERSION         0x206
#define VMM_BZ_TYPE_OF_LOADER  0x210
#define VMM_BZ_LOADFLAGS       0x211
#define VMM_BZ_RAMDISK_IMAGE   0x218
#define VMM_BZ_RAMDISK_SIZE    0x21c
#define VMM_BZ_CMD_LINE_PTR    0x228
#define VMM_BZ_INITRD_ADDR_MAX 0x22c
#define VMM_BZ_KERNEL_ALIGN    0x230
#define VMM_BZ_RELOCATABLE     0x234
#define VMM_BZ_XLOADFLAGS      0x236
#define VMM_BZ_CMDLINE_SIZE    0x238
#define VMM_BZ_PREF_ADDRESS    0x258
#define VMM_BZ_INIT_SIZE       0x260
#define VMM_BZ_HEADER_END_MAX  0x26c /* the end of the largest setup header we know (2.15) */

#define VMM_BZ_MIN_VERSION     0x020c /* 2.12: xloadflags, the 64-bit entry */
#define VMM_BZ_LOADED_HIGH     0x01   /* loadflags: the kernel runs at 1 MiB or above */
#define VMM_BZ_XLF_KERNEL_64   0x01   /* xloadflags: has the 64-bit entry at +0x200 */
#define VMM_BZ_ENTRY64_OFFSET  0x200
#define VMM_BZ_SECTOR          512u
#define VMM_BZ_MAX_SETUP_SECTS 127u /* setup_sects is a byte; 0 means 4 */

/* What the VMM needs from a checked image. */
struct vmm_bzimage {
    uint16_t version;          /* boot protocol, e.g. 0x020f */
    uint32_t setup_size;       /* bytes of the real-mode part, boot sector included */
    uint32_t header_end;       /* the setup header is image[0x1f1, header_end) */
    const uint8_t *kernel;     /* the protected-mode part, inside the image */
    uint64_t kernel_size;      /* its bytes: syssize paragraphs */
    uint32_t init_size;        /* memory the kernel needs from its load address */
    uint32_t kernel_alignment; /* a power of two, at least 4 KiB */
    bool relocatable;
    uint64_t pref_address;    /* where it wants to run (its link address) */
    uint32_t initrd_addr_max; /* highest address the initrd's last byte may have */
    uint32_t cmdline_size;    /* longest command line, without the NUL */
};

/* Check image[0, size) as a bzImage with a 64-bit entry and fill *out. On refusal,
 * returns false with err saying which field is wrong; *out is then unspecified. */
bool vmm_bzimage_parse(const uint8_t *image, size_t size, struct vmm_bzimage *out,
                       struct vmm_error *err);

#endif
