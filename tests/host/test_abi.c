/*
 * ABI tables: every table is dense, named, and agrees with the kernel's view.
 */
#include "support.h"
#include <bastion/bootinfo.h>
#include <bastion/invocation.h>
#include <bastion/msginfo.h>
#include <bastion/rights.h>
#include <bastion/syscall.h>

#include <string.h>

static void test_error_names(void)
{
    for (int e = 0; e < BST_ERROR_COUNT; e++) {
        CHECK(strcmp(bst_error_name((bst_error_t)e), "?") != 0);
        CHECK(strcmp(bst_error_text((bst_error_t)e), "unknown error") != 0);
    }
    CHECK(strcmp(bst_error_name(BST_FAILED_LOOKUP), "FAILED_LOOKUP") == 0);
    CHECK(strcmp(bst_error_name((bst_error_t)BST_ERROR_COUNT), "?") == 0);
    CHECK(BST_ERROR_COUNT >= 10 && BST_ERROR_COUNT <= 16);
}

static void test_objtype_table(void)
{
    for (int t = 0; t < BST_OBJTYPE_COUNT; t++) {
        bst_objtype_t type = (bst_objtype_t)t;
        unsigned flags = bst_obj_flags(type);
        CHECK(strcmp(bst_obj_name(type), "?") != 0);
        if ((flags & BST_OBJF_RETYPE) && !(flags & BST_OBJF_VARIABLE))
            CHECK(bst_obj_fixed_bits(type) >= 4 && bst_obj_fixed_bits(type) <= 30);
        if (!(flags & BST_OBJF_MEMORY))
            CHECK(bst_obj_fixed_bits(type) == 0 && !(flags & BST_OBJF_RETYPE));
    }
    CHECK(bst_obj_fixed_bits(BST_OBJ_TCB) == 11);
    CHECK(bst_obj_fixed_bits(BST_OBJ_FRAME_2M) == 21);
    CHECK(bst_obj_fixed_bits(BST_OBJ_VSPACE) == 13);
    CHECK(bst_obj_size_bits(BST_OBJ_CNODE, 4) == 10);
    CHECK(bst_obj_size_bits(BST_OBJ_UNTYPED, 20) == 20);
    CHECK(bst_obj_flags(BST_OBJ_FRAME_4K) & BST_OBJF_DEVICE);
    CHECK(!(bst_obj_flags(BST_OBJ_TCB) & BST_OBJF_DEVICE));
    CHECK(strcmp(bst_obj_name((bst_objtype_t)BST_OBJTYPE_COUNT), "?") == 0);
}

static void test_invocation_and_syscall_names(void)
{
    for (int i = 0; i < BST_INVOCATION_COUNT; i++)
        CHECK(strcmp(bst_invocation_name((bst_invocation_t)i), "?") != 0);
    CHECK(strcmp(bst_invocation_name(BST_INV_CNODE_ROTATE), "CNODE_ROTATE") == 0);
    for (int s = 1; s <= BST_SYSCALL_COUNT; s++)
        CHECK(strcmp(bst_syscall_name((bst_syscall_t)s), "?") != 0);
}

static void test_msginfo_roundtrip(void)
{
    uint64_t labels[] = {0, 1, BST_INV_UNTYPED_RETYPE, (UINT64_C(1) << 52) - 1};
    for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
        bst_msginfo_t w = bst_msginfo_make(labels[i], 120, 3, 5);
        CHECK(bst_msginfo_label(w) == labels[i]);
        CHECK(bst_msginfo_length(w) == 120);
        CHECK(bst_msginfo_extra_caps(w) == 3);
        CHECK(bst_msginfo_unwrapped(w) == 5);
    }
    CHECK(bst_msginfo_make(0, 0, 0, 0) == 0);
    CHECK(bst_msginfo_make(1, 0, 0, 0) == UINT64_C(1) << 12);
}

static void test_rights_and_capdata(void)
{
    CHECK(BST_RIGHTS_ALL ==
          (BST_RIGHT_READ | BST_RIGHT_WRITE | BST_RIGHT_GRANT | BST_RIGHT_GRANT_REPLY));
    CHECK(bst_rights_subset(BST_RIGHT_READ, BST_RIGHTS_RW));
    CHECK(!bst_rights_subset(BST_RIGHT_GRANT, BST_RIGHTS_RW));
    uint64_t d = bst_cnode_guard_data(0x2a, 7);
    CHECK(bst_guard_data_bits(d) == 7 && bst_guard_data_value(d) == 0x2a);
}

static void test_bootinfo_layout(void)
{
    CHECK(sizeof(struct bst_bootinfo) == 4096);
    CHECK(BST_BOOTINFO_MAX_UNTYPED ==
          181); /* bootinfo v3: the header holds the firmware and the RSDP */
    CHECK(BST_SLOT_FIRST_DYNAMIC > BST_SLOT_ROOT_IPC_BUFFER);
}

static const struct test tests[] = {
    {"error_names", test_error_names},
    {"objtype_table", test_objtype_table},
    {"invocation_and_syscall_names", test_invocation_and_syscall_names},
    {"msginfo_roundtrip", test_msginfo_roundtrip},
    {"rights_and_capdata", test_rights_and_capdata},
    {"bootinfo_layout", test_bootinfo_layout},
};

int main(void)
{
    objects_init();
    return run_tests("abi", tests, ARRAY_SIZE(tests));
}
