/*
 * bzImage setup-header parsing (bzimage.h). Decode only: nothing is written anywhere
 * until every field the loader relies on has been checked.
 */
#include <vmm/bytes.h>
#include <vmm/bzimage.h>

/* The largest image accepted: far above any real kernel, small enough that every size
 * sum below stays far from wrapping a uint64_t. */
#define VMM_BZ_MAX_IMAGE (1ull << 30)

static uint64_t field(const uint8_t *image, unsigned offset, unsigned width)
{
    return vmm_le_load(image + offset, width);
}

/* The real-mode part's size and the setup header's extent. */
static bool check_setup(const uint8_t *image, size_t size, struct vmm_bzimage *out,
                        struct vmm_error *err)
{
    if (field(image, VMM_BZ_BOOT_FLAG, 2) != 0xaa55)
        return vmm_error_set(err, "bzImage: no boot flag 0xaa55 at 0x1fe: ",
                             field(image, VMM_BZ_BOOT_FLAG, 2), true);
    if (field(image, VMM_BZ_HEADER_MAGIC, 4) != 0x53726448) /* "HdrS" */
        return vmm_error_set(err, "bzImage: no \"HdrS\" at 0x202 (not a bzImage): ",
                             field(image, VMM_BZ_HEADER_MAGIC, 4), true);
    out->version = (uint16_t)field(image, VMM_BZ_VERSION, 2);
    if (out->version < VMM_BZ_MIN_VERSION)
        return vmm_error_set(
            err, "bzImage: boot protocol older than 2.12 (no 64-bit entry): ", out->version, true);
    uint32_t sects = (uint32_t)field(image, VMM_BZ_SETUP_SECTS, 1);
    if (sects == 0)
        sects = 4;
    if (sects > VMM_BZ_MAX_SETUP_SECTS)
        return vmm_error_set(err, "bzImage: setup_sects above 127: ", sects, true);
    out->setup_size = (sects + 1) * VMM_BZ_SECTOR;
    if (out->setup_size >= size)
        return vmm_error_set(
            err, "bzImage: setup part reaches past the end of the image: ", out->setup_size, true);
    /* The jump at 0x200 is a short jump over the header: 0x202 + its offset ends it. */
    if (image[VMM_BZ_JUMP] != 0xeb)
        return vmm_error_set(err, "bzImage: no short jump at 0x200: ", image[VMM_BZ_JUMP], true);
    out->header_end = 0x202u + image[VMM_BZ_JUMP + 1];
    if (out->header_end < VMM_BZ_INIT_SIZE + 4)
        return vmm_error_set(err, "bzImage: setup header too short for protocol 2.12: ends at ",
                             out->header_end, true);
    if (out->header_end > VMM_BZ_HEADER_END_MAX)
        out->header_end = VMM_BZ_HEADER_END_MAX;
    return true;
}

/* The protected-mode part: where it is, how big, where it may run. */
static bool check_kernel(const uint8_t *image, size_t size, struct vmm_bzimage *out,
                         struct vmm_error *err)
{
    if (!(field(image, VMM_BZ_LOADFLAGS, 1) & VMM_BZ_LOADED_HIGH))
        return vmm_error_set(err, "bzImage: loadflags lack LOADED_HIGH (a zImage?): ",
                             field(image, VMM_BZ_LOADFLAGS, 1), true);
    if (!(field(image, VMM_BZ_XLOADFLAGS, 2) & VMM_BZ_XLF_KERNEL_64))
        return vmm_error_set(err, "bzImage: xloadflags lack XLF_KERNEL_64 (no 64-bit entry): ",
                             field(image, VMM_BZ_XLOADFLAGS, 2), true);
    /* The protected-mode part is syssize paragraphs: what follows (a signature appended
     * to a signed kernel, the padding of a region the image was prefilled into) is not
     * the kernel's and is not copied. */
    out->kernel = image + out->setup_size;
    uint64_t syssize = field(image, VMM_BZ_SYSSIZE, 4) * 16;
    if (syssize == 0 || syssize > size - out->setup_size)
        return vmm_error_set(
            err, "bzImage: syssize does not fit the protected-mode part: ", syssize, true);
    out->kernel_size = syssize;
    out->init_size = (uint32_t)field(image, VMM_BZ_INIT_SIZE, 4);
    if (out->init_size < out->kernel_size)
        return vmm_error_set(err, "bzImage: init_size smaller than the kernel: ", out->init_size,
                             true);
    out->kernel_alignment = (uint32_t)field(image, VMM_BZ_KERNEL_ALIGN, 4);
    if (out->kernel_alignment < 0x1000 || (out->kernel_alignment & (out->kernel_alignment - 1)))
        return vmm_error_set(err, "bzImage: kernel_alignment not a power of two >= 4 KiB: ",
                             out->kernel_alignment, true);
    out->relocatable = field(image, VMM_BZ_RELOCATABLE, 1) != 0;
    out->pref_address = field(image, VMM_BZ_PREF_ADDRESS, 8);
    if (out->pref_address < 0x100000 || out->pref_address >= (1ull << 32) ||
        (out->pref_address & 0xfff))
        return vmm_error_set(
            err, "bzImage: pref_address not a page in [1 MiB, 4 GiB): ", out->pref_address, true);
    out->initrd_addr_max = (uint32_t)field(image, VMM_BZ_INITRD_ADDR_MAX, 4);
    out->cmdline_size = (uint32_t)field(image, VMM_BZ_CMDLINE_SIZE, 4);
    return true;
}

bool vmm_bzimage_parse(const uint8_t *image, size_t size, struct vmm_bzimage *out,
                       struct vmm_error *err)
{
    if (!image || size < VMM_BZ_HEADER_END_MAX)
        return vmm_error_set(err, "bzImage: shorter than a setup header: ", size, true);
    if (size > VMM_BZ_MAX_IMAGE)
        return vmm_error_set(err, "bzImage: larger than 1 GiB: ", size, true);
    return check_setup(image, size, out, err) && check_kernel(image, size, out, err);
}
