/* The host tests' synthetic bzImage (image.h). */
#include "image.h"

#include <string.h>
#include <vmm/bytes.h>
#include <vmm/bzimage.h>

void test_image_make(uint8_t *image)
{
    memset(image, 0, TEST_IMAGE_SIZE);
    image[VMM_BZ_SETUP_SECTS] = TEST_IMAGE_SETUP_SECTS;
    vmm_le_store(image + VMM_BZ_SYSSIZE, 4, TEST_IMAGE_KERNEL / 16);
    vmm_le_store(image + VMM_BZ_BOOT_FLAG, 2, 0xaa55);
    image[VMM_BZ_JUMP] = 0xeb;
    image[VMM_BZ_JUMP + 1] = 0x6a; /* header ends at 0x26c */
    memcpy(image + VMM_BZ_HEADER_MAGIC, "HdrS", 4);
    vmm_le_store(image + VMM_BZ_VERSION, 2, 0x020f);
    image[VMM_BZ_LOADFLAGS] = VMM_BZ_LOADED_HIGH;
    vmm_le_store(image + VMM_BZ_INITRD_ADDR_MAX, 4, 0x7fffffff);
    vmm_le_store(image + VMM_BZ_KERNEL_ALIGN, 4, 0x200000);
    image[VMM_BZ_RELOCATABLE] = 1;
    vmm_le_store(image + VMM_BZ_XLOADFLAGS, 2, VMM_BZ_XLF_KERNEL_64 | 0x2);
    vmm_le_store(image + VMM_BZ_CMDLINE_SIZE, 4, 2047);
    vmm_le_store(image + VMM_BZ_PREF_ADDRESS, 8, 0x1000000);
    vmm_le_store(image + VMM_BZ_INIT_SIZE, 4, 0x100000);
    /* The kernel's bytes: a pattern the load test finds again. */
    for (unsigned i = 0; i < TEST_IMAGE_KERNEL; i++)
        image[(TEST_IMAGE_SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 1);
}
