/*
 * The root task's boot capabilities, as built from the real memory map: the untyped
 * caps cover exactly the free RAM (less the root CNode and boot-info page) and the
 * device ranges, as the object layer's own checker sees them.
 */
#include <kmem.h>
#include <ktest.h>
#include <memmap.h>
#include <rootcaps.h>

KTEST(rootcaps, untyped_cover)
{
    const struct root_caps *rc = root_caps();
    KTEST_CHECK(rc != NULL, "no root caps were made");
    if (rc == NULL) {
        return;
    }
    struct boot_check c =
        boot_check_untyped_cover(&rc->result, rc->ram, rc->n_ram, rc->dev, rc->n_dev);
    KTEST_CHECK(c.ok, "boot untyped cover: %s", c.why);
}

KTEST(rootcaps, bootinfo)
{
    const struct root_caps *rc = root_caps();
    if (rc == NULL) {
        ktest_fail("no root caps were made");
        return;
    }
    const struct bst_bootinfo *b = rc->result.bootinfo;
    uint64_t usable = 0; /* usable RAM above the first 1 MiB (rootcaps.c) */
    for (size_t i = 0; i < kernel_boot_info()->n_regions; i++) {
        const struct mem_region *r = &kernel_boot_info()->regions[i];
        uint64_t end = r->base + r->size, base = r->base > (1u << 20) ? r->base : (1u << 20);
        usable += r->type == MEM_USABLE && end > base ? end - base : 0;
    }
    KTEST_CHECK(b->magic == BST_BOOTINFO_MAGIC && b->version == BST_BOOTINFO_VERSION,
                "bad boot-info header");
    /* All free RAM but the root CNode and the boot-info page is handed out. */
    uint64_t kept = (rc->result.root_cnode.end - rc->result.root_cnode.base) +
                    (rc->result.bootinfo_page.end - rc->result.bootinfo_page.base);
    KTEST_CHECK(b->ram_bytes + kept == usable, "untyped RAM %lu + kept %lu != usable %lu",
                b->ram_bytes, kept, usable);
    KTEST_CHECK(b->device_bytes > 0, "no device untyped");
    KTEST_CHECK(b->root_cnode_paddr >= (1u << 20), "root CNode in the first 1 MiB");
    KTEST_CHECK(b->untyped.end - b->untyped.start == b->n_untyped, "untyped slot range");
}
