/*
 * The bzImage parser and the Linux loader (bzimage.h, linux_boot.h): a valid image,
 * each malformed field refused by name, and a fuzz run of random corruptions where
 * every accepted image must be self-consistent and load inside guest RAM (ASan watches
 * every byte written).
 */
#include <stdlib.h>
#include <string.h>
#include <vmm/bytes.h>
#include <vmm/bzimage.h>
#include <vmm/linux_boot.h>

#include "check.h"
#include "image.h"
#include "tests.h"

static uint8_t image[TEST_IMAGE_SIZE];

void test_bzimage_valid(void)
{
    struct vmm_bzimage bz;
    struct vmm_error err = {{0}};
    test_image_make(image);
    CHECK(vmm_bzimage_parse(image, sizeof(image), &bz, &err));
    CHECK(bz.version == 0x020f);
    CHECK(bz.setup_size == (TEST_IMAGE_SETUP_SECTS + 1) * 512);
    CHECK(bz.kernel == image + bz.setup_size);
    CHECK(bz.kernel_size == TEST_IMAGE_KERNEL);
    CHECK(bz.header_end == 0x26c);
    CHECK(bz.pref_address == 0x1000000);
    CHECK(bz.cmdline_size == 2047);
}

/* Corrupt one field with value (width bytes at offset) and expect a refusal naming it. */
static void refused(unsigned offset, unsigned width, uint64_t value, const char *words)
{
    struct vmm_bzimage bz;
    struct vmm_error err = {{0}};
    test_image_make(image);
    vmm_le_store(image + offset, width, value);
    CHECK(!vmm_bzimage_parse(image, sizeof(image), &bz, &err));
    CHECK(strstr(err.msg, words) != NULL);
    if (!strstr(err.msg, words))
        printf("# refusal for offset %#x: \"%s\", wanted \"%s\"\n", offset, err.msg, words);
}

void test_bzimage_refusals(void)
{
    refused(VMM_BZ_BOOT_FLAG, 2, 0x55aa, "boot flag");
    refused(VMM_BZ_HEADER_MAGIC, 4, 0x12345678, "HdrS");
    refused(VMM_BZ_VERSION, 2, 0x020b, "older than 2.12");
    refused(VMM_BZ_SETUP_SECTS, 1, 200, "setup_sects");
    refused(VMM_BZ_SETUP_SECTS, 1, 100, "setup part reaches past the end");
    refused(VMM_BZ_JUMP, 1, 0x90, "short jump");
    refused(VMM_BZ_JUMP + 1, 1, 0x10, "setup header too short");
    refused(VMM_BZ_LOADFLAGS, 1, 0, "LOADED_HIGH");
    refused(VMM_BZ_XLOADFLAGS, 2, 0x2, "XLF_KERNEL_64");
    refused(VMM_BZ_SYSSIZE, 4, 0, "syssize");
    refused(VMM_BZ_SYSSIZE, 4, TEST_IMAGE_KERNEL / 16 + 1, "syssize");
    refused(VMM_BZ_INIT_SIZE, 4, 100, "init_size");
    refused(VMM_BZ_KERNEL_ALIGN, 4, 0x300000, "kernel_alignment");
    refused(VMM_BZ_KERNEL_ALIGN, 4, 0x800, "kernel_alignment");
    refused(VMM_BZ_PREF_ADDRESS, 8, 0x1000, "pref_address");
    refused(VMM_BZ_PREF_ADDRESS, 8, 0x100000001000ull, "pref_address");
    refused(VMM_BZ_PREF_ADDRESS, 8, 0x1000800, "pref_address");

    struct vmm_bzimage bz;
    struct vmm_error err = {{0}};
    test_image_make(image);
    CHECK(!vmm_bzimage_parse(image, 0x200, &bz, &err) && strstr(err.msg, "shorter"));
    CHECK(!vmm_bzimage_parse(NULL, 0, &bz, &err) && strstr(err.msg, "shorter"));
    /* Cut off inside the setup part: setup_size == size is refused too. */
    CHECK(!vmm_bzimage_parse(image, (TEST_IMAGE_SETUP_SECTS + 1) * 512, &bz, &err));
    /* The message carries the value. */
    refused(VMM_BZ_VERSION, 2, 0x0201, "0x201");
}

#define RAM_SIZE (32ull << 20)

static bool load(uint8_t *ram_bytes, uint64_t ram_size, const uint8_t *img, size_t size,
                 const uint8_t *initrd, size_t initrd_size, const char *cmdline,
                 struct vmm_linux_layout *layout, struct vmm_cpu_state *state,
                 struct vmm_error *err)
{
    struct vmm_guest_ram ram = {.base = ram_bytes, .size = ram_size};
    return vmm_linux_load(&ram, img, size, initrd, initrd_size, cmdline, layout, state, err);
}

void test_linux_load(void)
{
    uint8_t *ram = calloc(1, RAM_SIZE);
    static uint8_t initrd[10000];
    for (unsigned i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
    test_image_make(image);
    struct vmm_linux_layout lay;
    struct vmm_cpu_state st;
    struct vmm_error err = {{0}};
    const char *cmdline = "console=ttyS0 noapic";
    CHECK(load(ram, RAM_SIZE, image, sizeof(image), initrd, sizeof(initrd), cmdline, &lay, &st,
               &err));
    CHECK(lay.kernel_addr == 0x1000000 && lay.entry == 0x1000200);
    CHECK(memcmp(ram + lay.kernel_addr, image + (TEST_IMAGE_SETUP_SECTS + 1) * 512,
                 TEST_IMAGE_KERNEL) == 0);
    CHECK(lay.initrd_addr + sizeof(initrd) <= RAM_SIZE && (lay.initrd_addr & 0xfff) == 0);
    CHECK(lay.initrd_addr >= lay.kernel_addr + lay.init_size);
    CHECK(memcmp(ram + lay.initrd_addr, initrd, sizeof(initrd)) == 0);
    CHECK(strcmp((char *)ram + VMM_BOOT_CMDLINE, cmdline) == 0);
    /* boot_params: header copied, loader fields written, e820. */
    uint8_t *zp = ram + VMM_BOOT_PARAMS;
    CHECK(memcmp(zp + VMM_BZ_HEADER_MAGIC, "HdrS", 4) == 0);
    CHECK(zp[VMM_BZ_TYPE_OF_LOADER] == 0xff);
    CHECK(vmm_le_load(zp + VMM_BZ_CMD_LINE_PTR, 4) == VMM_BOOT_CMDLINE);
    CHECK(vmm_le_load(zp + VMM_BZ_RAMDISK_IMAGE, 4) == lay.initrd_addr);
    CHECK(vmm_le_load(zp + VMM_BZ_RAMDISK_SIZE, 4) == sizeof(initrd));
    CHECK(zp[VMM_BP_E820_ENTRIES] == 3);
    uint8_t *e2 = zp + VMM_BP_E820_TABLE + 2 * 20;
    CHECK(vmm_le_load(e2, 8) == 0x100000 && vmm_le_load(e2 + 8, 8) == RAM_SIZE - 0x100000);
    CHECK(vmm_le_load(e2 + 16, 4) == VMM_E820_RAM);
    /* CPU state: long mode at the 64-bit entry, RSI at boot_params, IF off. */
    CHECK(st.rip == 0x1000200 && st.rsi == VMM_BOOT_PARAMS && st.rflags == 2);
    CHECK(st.cr3 == VMM_BOOT_PML4 && (st.cr0 & 0x80000001u) == 0x80000001u);
    CHECK((st.efer & 0x500) == 0x500 && (st.cr4 & 0x20));
    CHECK(st.cs.selector == 0x10 && st.ds.selector == 0x18 && (st.cs.attr & 0x2000));
    /* The page tables identity-map the entry (2 MiB page 8) and the GDT holds CS. */
    uint64_t pd0 = vmm_le_load(ram + VMM_BOOT_PDPT, 8) & ~0xfffull;
    CHECK(vmm_le_load(ram + VMM_BOOT_PML4, 8) == (VMM_BOOT_PDPT | 3));
    CHECK(vmm_le_load(ram + pd0 + 8 * 8, 8) == (0x1000000 | 0x83));
    CHECK(vmm_le_load(ram + VMM_BOOT_PD + 3 * 4096 + 511 * 8, 8) == (0xffe00000ull | 0x83));
    uint64_t cs = vmm_le_load(ram + VMM_BOOT_GDT + 0x10, 8);
    CHECK(((cs >> 40) & 0xff) == 0x9b && ((cs >> 53) & 1) == 1);

    /* The MP tables: signatures, the pointer to the table, both checksums zero. */
    uint8_t *fp = ram + VMM_BOOT_MPTABLE;
    CHECK(memcmp(fp, "_MP_", 4) == 0 && vmm_le_load(fp + 4, 4) == VMM_BOOT_MPTABLE + 16);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 16; i++)
        sum = (uint8_t)(sum + fp[i]);
    CHECK(sum == 0);
    uint8_t *mpt = ram + vmm_le_load(fp + 4, 4);
    unsigned mpt_len = (unsigned)vmm_le_load(mpt + 4, 2);
    CHECK(memcmp(mpt, "PCMP", 4) == 0 && mpt_len == 44 + 20 + 8);
    sum = 0;
    for (unsigned i = 0; i < mpt_len; i++)
        sum = (uint8_t)(sum + mpt[i]);
    CHECK(sum == 0 && vmm_le_load(mpt + 34, 2) == 2 && mpt[44] == 0 && mpt[47] == 3);
    CHECK(mpt[64] == 1 && memcmp(mpt + 66, "ISA", 3) == 0);

    /* The ACPI tables (test_acpi.c checks them whole) and boot_params' pointer to them. */
    CHECK(memcmp(ram + VMM_BOOT_ACPI, "RSD PTR ", 8) == 0);
    CHECK(vmm_le_load(ram + VMM_BOOT_PARAMS + VMM_BP_ACPI_RSDP_ADDR, 8) == VMM_BOOT_ACPI);

    /* Refusals leave RAM alone. */
    memset(ram, 0xcc, RAM_SIZE);
    CHECK(!load(ram, 16ull << 20, image, sizeof(image), NULL, 0, "", &lay, &st, &err));
    CHECK(strstr(err.msg, "guest RAM") != NULL);
    CHECK(!load(ram, RAM_SIZE + 4096, image, sizeof(image), NULL, 0, "", &lay, &st, &err));
    CHECK(!load(ram, RAM_SIZE, image, sizeof(image), initrd, 30u << 20, "", &lay, &st, &err));
    CHECK(strstr(err.msg, "initrd") != NULL);
    CHECK(!load(ram, RAM_SIZE, image, sizeof(image), NULL, 10, "", &lay, &st, &err));
    static char long_cmdline[3000];
    memset(long_cmdline, 'a', sizeof(long_cmdline) - 1);
    CHECK(!load(ram, RAM_SIZE, image, sizeof(image), NULL, 0, long_cmdline, &lay, &st, &err));
    CHECK(strstr(err.msg, "command line") != NULL);
    bool untouched = true;
    for (uint64_t i = 0; i < RAM_SIZE; i += 4096)
        untouched &= ram[i] == 0xcc;
    CHECK(untouched);
    /* An initrd_addr_max below the kernel's end leaves no room. */
    vmm_le_store(image + VMM_BZ_INITRD_ADDR_MAX, 4, 0x00ffffff);
    CHECK(!load(ram, RAM_SIZE, image, sizeof(image), initrd, sizeof(initrd), "", &lay, &st, &err));
    free(ram);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* BASTION_VMM_FUZZ (default 200,000) random corruptions of the header and size. */
void test_bzimage_fuzz(void)
{
    const char *env = getenv("BASTION_VMM_FUZZ");
    unsigned long runs = env ? strtoul(env, NULL, 0) : 200000;
    uint8_t *ram = calloc(1, RAM_SIZE);
    unsigned long accepted = 0, loaded = 0;
    for (unsigned long run = 0; run < runs; run++) {
        test_image_make(image);
        unsigned flips = 1 + (unsigned)(next_random() % 6);
        for (unsigned i = 0; i < flips; i++) {
            unsigned offset = 0x1f0 + (unsigned)(next_random() % (0x270 - 0x1f0));
            uint8_t flip = (uint8_t)(1u << (next_random() % 8));
            image[offset] =
                (next_random() & 1) ? (uint8_t)next_random() : (uint8_t)(image[offset] ^ flip);
        }
        size_t size = (next_random() % 4) ? sizeof(image) : (size_t)(next_random() % sizeof(image));
        /* A copy of exactly size bytes, so that ASan sees any read past it. */
        uint8_t *copy = malloc(size ? size : 1);
        memcpy(copy, image, size);
        struct vmm_bzimage bz;
        struct vmm_error err = {{0}};
        if (!vmm_bzimage_parse(copy, size, &bz, &err)) {
            CHECK(err.msg[0] != '\0');
            free(copy);
            continue;
        }
        accepted++;
        CHECK(bz.setup_size < size && bz.kernel == copy + bz.setup_size);
        CHECK(bz.kernel_size <= size - bz.setup_size && bz.init_size >= bz.kernel_size);
        CHECK(bz.header_end <= VMM_BZ_HEADER_END_MAX && bz.header_end <= bz.setup_size);
        CHECK(bz.kernel_alignment >= 4096 && !(bz.kernel_alignment & (bz.kernel_alignment - 1)));
        struct vmm_linux_layout lay;
        struct vmm_cpu_state st;
        if (load(ram, RAM_SIZE, copy, size, copy, size / 2, "x", &lay, &st, &err)) {
            loaded++;
            CHECK(lay.kernel_addr + lay.init_size <= RAM_SIZE);
            CHECK(lay.initrd_addr + lay.initrd_size <= RAM_SIZE);
        } else {
            CHECK(err.msg[0] != '\0');
        }
        free(copy);
    }
    printf("# bzimage fuzz: %lu runs, %lu accepted, %lu loaded\n", runs, accepted, loaded);
    CHECK(accepted > 0 && accepted < runs); /* the corruptions reach both outcomes */
    free(ram);
}

/* Parse and load a real bzImage (the guest's, from scripts/guest-assets.sh). */
int test_real_image(const char *path, const char *initrd_path)
{
    FILE *f = fopen(path, "rb");
    FILE *g = initrd_path ? fopen(initrd_path, "rb") : NULL;
    if (!f || (initrd_path && !g)) {
        printf("FAIL: guest-linux/real-image: cannot open %s or %s\n", path, initrd_path);
        return 1;
    }
    static uint8_t buf[64u << 20], rd[64u << 20];
    size_t size = fread(buf, 1, sizeof(buf), f), rd_size = g ? fread(rd, 1, sizeof(rd), g) : 0;
    fclose(f);
    if (g)
        fclose(g);
    uint64_t ram_size = 256ull << 20;
    uint8_t *ram = calloc(1, ram_size);
    struct vmm_bzimage bz;
    struct vmm_linux_layout lay;
    struct vmm_cpu_state st;
    struct vmm_error err = {{0}};
    int bad = 0;
    if (!vmm_bzimage_parse(buf, size, &bz, &err)) {
        printf("FAIL: guest-linux/real-image-parse: %s\n", err.msg);
        bad = 1;
    } else {
        printf("PASS: guest-linux/real-image-parse (protocol %x.%02x, setup %u bytes, kernel %llu "
               "bytes, init_size %#x, pref_address %#llx, alignment %#x)\n",
               bz.version >> 8, bz.version & 0xff, bz.setup_size,
               (unsigned long long)bz.kernel_size, bz.init_size,
               (unsigned long long)bz.pref_address, bz.kernel_alignment);
    }
    if (!bad && !load(ram, ram_size, buf, size, rd, rd_size, "console=ttyS0", &lay, &st, &err)) {
        printf("FAIL: guest-linux/real-image-load: %s\n", err.msg);
        bad = 1;
    } else if (!bad) {
        printf("PASS: guest-linux/real-image-load (kernel at %#llx, entry %#llx, initrd %llu bytes "
               "at %#llx in 256 MiB)\n",
               (unsigned long long)lay.kernel_addr, (unsigned long long)lay.entry,
               (unsigned long long)lay.initrd_size, (unsigned long long)lay.initrd_addr);
    }
    free(ram);
    return bad;
}
