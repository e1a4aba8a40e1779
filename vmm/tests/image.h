/* A synthetic bzImage for the host tests: every field the parser reads, valid. */
#ifndef VMM_TESTS_IMAGE_H
#define VMM_TESTS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define TEST_IMAGE_SETUP_SECTS 3
#define TEST_IMAGE_KERNEL      8192u /* bytes of the protected-mode part */
#define TEST_IMAGE_SIZE        ((TEST_IMAGE_SETUP_SECTS + 1) * 512u + TEST_IMAGE_KERNEL)

/* Fill image[TEST_IMAGE_SIZE] with a valid 2.15 bzImage loading at 16 MiB. */
void test_image_make(uint8_t *image);

#endif
