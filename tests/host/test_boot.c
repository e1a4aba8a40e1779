/*
 * Boot: the root CSpace and boot-info page built from RAM and device ranges, the cover
 * check, and every error of boot_create_root_cspace().
 */
#include "support.h"

#define MiB (UINT64_C(1) << 20)
#define KiB (UINT64_C(1) << 10)

static const struct boot_options opt = {.root_cnode_radix = 10};

static struct boot_range R(uint64_t off, uint64_t len) {
    return (struct boot_range){PHYS_BASE + off, PHYS_BASE + off + len};
}

static struct boot_range
D(uint64_t off, uint64_t len) {
    return (struct boot_range){DEV_BASE + off, DEV_BASE + off + len};
}

static void
boot_builds_root_cspace(void)
{
    struct boot_range ram[] = {R(8 * MiB, 3 * MiB + 12 * KiB), R(0, 4 * MiB + 4 * KiB)};
    struct boot_range dev[] = {D(0, 256 * MiB + 64 * KiB)};
    phys_fill(PHYS_BASE, 12 * MiB, 0xee);
    struct boot_result b = boot_create_root_cspace(ram, 2, dev, 1, &opt);
    CHECK_ERR(b.status, BST_OK);
    CHECK_INVARIANTS();
    const struct bst_bootinfo *bi = b.bootinfo;
    CHECK(bi->magic == BST_BOOTINFO_MAGIC && bi->root_cnode_radix == 10);
    CHECK(bi->bootinfo_paddr == b.bootinfo_page.base);
    CHECK(bi->ram_bytes + 64 * KiB + 4 * KiB == 7 * MiB + 16 * KiB);
    CHECK(bi->device_bytes == 256 * MiB + 64 * KiB);
    const struct cap *root = &b.root_cnode_slot->cap;
    CHECK(root->type == BST_OBJ_CNODE && root->u.cnode.guard_bits == 64 - 10);
    CHECK(cnode_slot(root, BST_SLOT_IRQ_CONTROL)->cap.type == BST_OBJ_IRQ_CONTROL);
    CHECK(cnode_slot(root, BST_SLOT_IOPORT_CONTROL)->cap.type == BST_OBJ_IOPORT_CONTROL);
    CHECK(cnode_slot(root, BST_SLOT_DOMAIN_CONTROL)->cap.type == BST_OBJ_DOMAIN_CONTROL);
    CHECK(cnode_slot(root, BST_SLOT_SCHED_CONTROL)->cap.type == BST_OBJ_SCHED_CONTROL);
    const struct cap *info = &cnode_slot(root, BST_SLOT_BOOTINFO)->cap;
    CHECK(info->type == BST_OBJ_FRAME_4K && info->paddr == bi->bootinfo_paddr);
    /* Untyped in address order, naturally aligned; device blocks flagged. */
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        CHECK(IS_ALIGNED(d->paddr, BIT(d->size_bits)));
        CHECK(i == 0 || d->paddr > bi->untyped_list[i - 1].paddr);
        CHECK((d->paddr >= DEV_BASE) == (d->is_device != 0));
        struct lookup_result l =
            cspace_lookup_slot(root, cptr_from_word(bi->untyped.start + i), 64);
        CHECK(l.status == BST_OK && l.slot->cap.type == BST_OBJ_UNTYPED);
    }
    CHECK(bi->empty.start == bi->untyped.end && bi->empty.end == 1024);
    struct boot_check c = boot_check_untyped_cover(&b, ram, 2, dev, 1);
    CHECK(c.ok);
    /* The root CNode addresses itself: slot 1 through slot 1. */
    struct lookup_result self = cspace_lookup_cap(root, cptr_from_word(BST_SLOT_ROOT_CNODE));
    CHECK(self.status == BST_OK && self.slot == b.root_cnode_slot);
}

static void boot_blocks_are_maximal(void)
{
    struct boot_range ram[] = {R(4 * MiB, 4 * MiB)};
    struct boot_result b = boot_create_root_cspace(ram, 1, NULL, 0, &opt);
    CHECK_ERR(b.status, BST_OK);
    /* 4 MiB minus 64 KiB CNode and a 4 KiB page: 4K..1M blocks then a 2M block. */
    const struct bst_bootinfo *bi = b.bootinfo;
    CHECK(bi->untyped_list[bi->n_untyped - 1].size_bits == 21);
    CHECK(bi->n_untyped <= 10);
    CHECK(boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
}

static void boot_check_detects_wrong_cover(void)
{
    struct boot_range ram[] = {R(0, 2 * MiB)};
    struct boot_result b = boot_create_root_cspace(ram, 1, NULL, 0, &opt);
    CHECK_ERR(b.status, BST_OK);
    struct boot_range more[] = {R(0, 2 * MiB + 4 * KiB)};
    CHECK(!boot_check_untyped_cover(&b, more, 1, NULL, 0).ok);
    struct boot_range dev[] = {D(0, 4 * KiB)};
    CHECK(!boot_check_untyped_cover(&b, ram, 1, dev, 1).ok);
    struct boot_range other[] = {R(4 * MiB, 2 * MiB)};
    CHECK(!boot_check_untyped_cover(&b, other, 1, NULL, 0).ok);
    /* Tampering with a cap or the boot-info page is caught. */
    const struct cap *root = &b.root_cnode_slot->cap;
    struct cap *u = &cnode_slot(root, b.bootinfo->untyped.start)->cap;
    u->size_bits--;
    CHECK(!boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
    u->size_bits++;
    u->u.untyped.watermark = 16;
    CHECK(!boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
    u->u.untyped.watermark = 0;
    b.bootinfo->n_untyped--;
    CHECK(!boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
    b.bootinfo->n_untyped++;
    CHECK(boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
    struct boot_result failed = {.status = BST_RANGE_ERROR};
    CHECK(!boot_check_untyped_cover(&failed, ram, 1, NULL, 0).ok);
}

static void boot_errors(void)
{
    struct boot_range ram[] = {R(0, 2 * MiB)};
    struct boot_options o = {.root_cnode_radix = 4};
    CHECK_ERR(boot_create_root_cspace(ram, 1, NULL, 0, &o).status, BST_RANGE_ERROR);
    o.root_cnode_radix = BST_CNODE_MAX_RADIX + 1;
    CHECK_ERR(boot_create_root_cspace(ram, 1, NULL, 0, &o).status, BST_RANGE_ERROR);
    CHECK_ERR(boot_create_root_cspace(ram, BOOT_MAX_RANGES + 1, NULL, 0, &opt).status,
              BST_RANGE_ERROR);
    struct boot_range far[] = {{BOOT_MAX_PADDR - 4096, BOOT_MAX_PADDR + 4096}};
    CHECK_ERR(boot_create_root_cspace(ram, 1, far, 1, &opt).status, BST_RANGE_ERROR);
    struct boot_range empty[] = {R(0, 0)};
    CHECK_ERR(boot_create_root_cspace(empty, 1, NULL, 0, &opt).status, BST_INVALID_ARGUMENT);
    struct boot_range odd[] = {R(100, 8192)};
    CHECK_ERR(boot_create_root_cspace(odd, 1, NULL, 0, &opt).status, BST_ALIGNMENT_ERROR);
    struct boot_range overlap[] = {R(0, 2 * MiB), R(MiB, 2 * MiB)};
    CHECK_ERR(boot_create_root_cspace(overlap, 2, NULL, 0, &opt).status, BST_INVALID_ARGUMENT);
    struct boot_range dev_over[] = {{PHYS_BASE + MiB, PHYS_BASE + 3 * MiB}};
    CHECK_ERR(boot_create_root_cspace(ram, 1, dev_over, 1, &opt).status, BST_INVALID_ARGUMENT);
    struct boot_range small[] = {R(0, 32 * KiB)}; /* the 64 KiB root CNode does not fit */
    CHECK_ERR(boot_create_root_cspace(small, 1, NULL, 0, &opt).status, BST_NOT_ENOUGH_MEMORY);
    struct boot_range just_cnode[] = {R(0, 64 * KiB)}; /* no room for the boot-info page */
    CHECK_ERR(boot_create_root_cspace(just_cnode, 1, NULL, 0, &opt).status, BST_NOT_ENOUGH_MEMORY);
    /* 63 ranges of 15 pages each make 4 blocks apiece: more than boot-info can list. */
    static struct boot_range many[BOOT_MAX_RANGES];
    for (int i = 0; i < BOOT_MAX_RANGES - 1; i++)
        many[i] = R(MiB + (uint64_t)i * 64 * KiB + 4 * KiB, 15 * 4 * KiB);
    many[BOOT_MAX_RANGES - 1] = R(16 * MiB, 128 * KiB); /* the root CNode and boot-info */
    CHECK_ERR(boot_create_root_cspace(many, BOOT_MAX_RANGES, NULL, 0, &opt).status,
              BST_RANGE_ERROR);
    /* ... or than a small root CNode can hold. */
    struct boot_range ram2[] = {R(0, 2 * MiB - 4 * KiB), R(4 * MiB + 4 * KiB, 60 * KiB)};
    o.root_cnode_radix = 5; /* 16 dynamic slots for 20 blocks */
    CHECK_ERR(boot_create_root_cspace(ram2, 2, NULL, 0, &o).status, BST_RANGE_ERROR);
}

static void boot_untyped_are_usable(void)
{
    struct boot_range ram[] = {R(0, 4 * MiB)};
    struct boot_result b = boot_create_root_cspace(ram, 1, NULL, 0, &opt);
    CHECK_ERR(b.status, BST_OK);
    const struct bst_bootinfo *bi = b.bootinfo;
    struct slot_ref root = {.root = &b.root_cnode_slot->cap, .depth = 64};
    struct slot_ref ut = root;
    ut.cptr = cptr_from_word(bi->untyped.end - 1);
    struct retype_args a = {.type = BST_OBJ_CNODE,
                            .size_bits = 4,
                            .dest_cnode = root,
                            .dest_offset = bi->empty.start,
                            .count = 4};
    a.dest_cnode.cptr = cptr_from_word(BST_SLOT_ROOT_CNODE);
    CHECK_ERR(untyped_retype(ut, &a), BST_OK);
    CHECK_INVARIANTS();
}

/* One scheduling-control cap per CPU (issue 20): CPU 0's in its fixed slot, the others
 * right after the untyped caps, each naming its CPU; the free range starts after them;
 * more CPUs than BOOT_MAX_CPUS are refused. */
static void boot_sched_control_per_cpu(void)
{
    struct boot_range ram[] = {R(0, 4 * MiB)};
    struct boot_options three = {.root_cnode_radix = 10, .cpus = 3};
    struct boot_result b = boot_create_root_cspace(ram, 1, NULL, 0, &three);
    CHECK_ERR(b.status, BST_OK);
    CHECK_INVARIANTS();
    const struct bst_bootinfo *bi = b.bootinfo;
    const struct cap *root = &b.root_cnode_slot->cap;
    CHECK(bi->n_cpus == 3 && bi->sched_control_first == bi->untyped.end);
    CHECK(bi->empty.start == bi->untyped.end + 2);
    const struct cap *c0 = &cnode_slot(root, BST_SLOT_SCHED_CONTROL)->cap;
    CHECK(c0->type == BST_OBJ_SCHED_CONTROL && c0->u.sched_control.cpu == 0);
    for (unsigned cpu = 1; cpu < 3; cpu++) {
        const struct cap *c = &cnode_slot(root, bi->sched_control_first + cpu - 1)->cap;
        CHECK(c->type == BST_OBJ_SCHED_CONTROL && c->u.sched_control.cpu == cpu);
    }
    CHECK(cnode_slot(root, bi->empty.start)->cap.type == BST_OBJ_NULL);
    CHECK(boot_check_untyped_cover(&b, ram, 1, NULL, 0).ok);
    struct boot_options nine = {.root_cnode_radix = 10, .cpus = BOOT_MAX_CPUS + 1};
    CHECK_ERR(boot_create_root_cspace(ram, 1, NULL, 0, &nine).status, BST_RANGE_ERROR);
}

static const struct test tests[] = {
    {"builds_root_cspace", boot_builds_root_cspace},
    {"sched_control_per_cpu", boot_sched_control_per_cpu},
    {"blocks_are_maximal", boot_blocks_are_maximal},
    {"check_detects_wrong_cover", boot_check_detects_wrong_cover},
    {"errors", boot_errors},
    {"untyped_are_usable", boot_untyped_are_usable},
};

int main(void)
{
    objects_init();
    return run_tests("boot", tests, ARRAY_SIZE(tests));
}
