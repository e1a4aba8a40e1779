/*
 * Kernel object types and their sizes: the one table every part of Bastion uses.
 *
 * Every object the kernel will ever implement is listed here now, so that untyped
 * retype, the host tool's layout and init's allocator agree from the start. Sizes are
 * fixed powers of two (log2 in the table) except Untyped and CNode, whose size the
 * caller chooses: an Untyped of 2^n bytes, a CNode of 2^radix slots of 2^BST_CNODE_SLOT_BITS
 * bytes each. Objects are always naturally aligned (to their own size).
 *
 * Page-table levels are named by level (L1 is the leaf table that maps 4 KiB frames; the
 * top level is the VSpace). On x86_64: L1 = PT, L2 = PD, L3 = PDPT, VSPACE = PML4.
 *
 * I/O address spaces (IOMMU DMA remapping): an IOSPACE is the top-level table of the
 * translation a device's DMA goes through, an IOPT any table below it (docs/capabilities.md).
 *
 * Virtualisation (docs/virtualisation.md): a VCPU is one virtual processor (16 KiB: the
 * hardware's control block, the guest's registers and FPU state); a GSPACE is the
 * top-level table of a guest-physical address space (nested paging), a GPT any table
 * below it. Guest tables are their own types, never VSpace tables, because their entry
 * format is the virtualisation hardware's (Intel's EPT differs from paging's).
 *
 * Time protection (docs/kernel.md, "The kernel image per domain"): a KERNEL_IMAGE (32
 * KiB) is one domain's copy of the kernel's code and read-only data: its translation
 * tables and the caps of the 4 KiB frames that hold the copy (KERNEL_IMAGE_ADD_FRAME),
 * and the 16 KiB kernel stack that the domain's entries into the kernel run on.
 *
 * The type value is ABI (it is the retype argument); values never change.
 */
#ifndef BASTION_ABI_OBJTYPE_H
#define BASTION_ABI_OBJTYPE_H

#include <stdint.h>

/* Flags in the table's last column. */
#define BST_OBJF_RETYPE   0x1u /* can be created by Untyped retype */
#define BST_OBJF_VARIABLE 0x2u /* size chosen at retype (size_bits argument) */
#define BST_OBJF_DEVICE   0x4u /* can be made from device untyped (never zeroed) */
#define BST_OBJF_MEMORY   0x8u /* the capability names a range of physical memory */

#define BST_OBJF_KOBJ  (BST_OBJF_RETYPE | BST_OBJF_MEMORY)
#define BST_OBJF_FRAME (BST_OBJF_RETYPE | BST_OBJF_MEMORY | BST_OBJF_DEVICE)

/* X(NAME, value, size_bits (0: variable or no memory), flags) */
#define BST_OBJTYPE_TABLE(X)                                                                       \
    X(NULL, 0, 0, 0)                                                                               \
    X(UNTYPED, 1, 0, BST_OBJF_FRAME | BST_OBJF_VARIABLE)                                           \
    X(CNODE, 2, 0, BST_OBJF_KOBJ | BST_OBJF_VARIABLE)                                              \
    X(TCB, 3, 11, BST_OBJF_KOBJ)                                                                   \
    X(ENDPOINT, 4, 5, BST_OBJF_KOBJ)                                                               \
    X(NOTIFICATION, 5, 6, BST_OBJF_KOBJ)                                                           \
    X(REPLY, 6, 5, BST_OBJF_KOBJ)                                                                  \
    X(SCHED_CONTEXT, 7, 9, BST_OBJF_KOBJ)                                                          \
    X(FRAME_4K, 8, 12, BST_OBJF_FRAME)                                                             \
    X(FRAME_2M, 9, 21, BST_OBJF_FRAME)                                                             \
    X(FRAME_1G, 10, 30, BST_OBJF_FRAME)                                                            \
    X(PT_L1, 11, 12, BST_OBJF_KOBJ)                                                                \
    X(PT_L2, 12, 12, BST_OBJF_KOBJ)                                                                \
    X(PT_L3, 13, 12, BST_OBJF_KOBJ)                                                                \
    X(VSPACE, 14, 13, BST_OBJF_KOBJ)                                                               \
    X(IRQ_CONTROL, 15, 0, 0)                                                                       \
    X(IRQ_HANDLER, 16, 0, 0)                                                                       \
    X(IOPORT_CONTROL, 17, 0, 0)                                                                    \
    X(IOPORT, 18, 0, 0)                                                                            \
    X(DOMAIN_CONTROL, 19, 0, 0)                                                                    \
    X(SCHED_CONTROL, 20, 0, 0)                                                                     \
    X(IOSPACE, 21, 12, BST_OBJF_KOBJ)                                                              \
    X(IOPT, 22, 12, BST_OBJF_KOBJ)                                                                 \
    X(VCPU, 23, 14, BST_OBJF_KOBJ)                                                                 \
    X(GSPACE, 24, 12, BST_OBJF_KOBJ)                                                               \
    X(GPT, 25, 12, BST_OBJF_KOBJ)                                                                  \
    X(KERNEL_IMAGE, 26, 15, BST_OBJF_KOBJ)

typedef enum bst_objtype {
#define BST_OBJTYPE_ENUM_ENTRY(name, value, bits, flags) BST_OBJ_##name = value,
    BST_OBJTYPE_TABLE(BST_OBJTYPE_ENUM_ENTRY)
#undef BST_OBJTYPE_ENUM_ENTRY
} bst_objtype_t;

#define BST_OBJTYPE_COUNT 27

/* Variable-size objects. */
#define BST_CNODE_SLOT_BITS  6  /* one capability slot is 64 bytes */
#define BST_CNODE_MIN_RADIX  1  /* slot 0 is reserved, so at least 2 slots */
#define BST_CNODE_MAX_RADIX  24 /* 16 Mi slots, 1 GiB */
#define BST_UNTYPED_MIN_BITS 4  /* 16 bytes */
#define BST_UNTYPED_MAX_BITS 47 /* 128 TiB */

/* Most objects one retype call may create (bounds the work of one kernel entry). */
#define BST_RETYPE_MAX_COUNT 256

/* Fixed log2 size of `t`; 0 for variable-size types, types without memory and non-types. */
static inline unsigned bst_obj_fixed_bits(bst_objtype_t t)
{
    switch (t) {
#define BST_OBJTYPE_BITS_CASE(name, value, bits, flags)                                            \
    case BST_OBJ_##name:                                                                           \
        return bits;
        BST_OBJTYPE_TABLE(BST_OBJTYPE_BITS_CASE)
#undef BST_OBJTYPE_BITS_CASE
    }
    return 0;
}

/* BST_OBJF_* flags of `t`; 0 for values that are not types. */
static inline unsigned bst_obj_flags(bst_objtype_t t)
{
    switch (t) {
#define BST_OBJTYPE_FLAGS_CASE(name, value, bits, flags)                                           \
    case BST_OBJ_##name:                                                                           \
        return flags;
        BST_OBJTYPE_TABLE(BST_OBJTYPE_FLAGS_CASE)
#undef BST_OBJTYPE_FLAGS_CASE
    }
    return 0;
}

/* The type's name without the BST_OBJ_ prefix ("ENDPOINT"); "?" for a non-type. */
static inline const char *bst_obj_name(bst_objtype_t t)
{
    switch (t) {
#define BST_OBJTYPE_NAME_CASE(name, value, bits, flags)                                            \
    case BST_OBJ_##name:                                                                           \
        return #name;
        BST_OBJTYPE_TABLE(BST_OBJTYPE_NAME_CASE)
#undef BST_OBJTYPE_NAME_CASE
    }
    return "?";
}

/*
 * log2 of the memory one object of type `t` takes when retyped with `size_bits` (the
 * Untyped size or the CNode radix; ignored for fixed types). 0 if `t` cannot be retyped.
 * Range checks on size_bits are the caller's (see BST_*_MIN/MAX above).
 */
static inline unsigned bst_obj_size_bits(bst_objtype_t t, unsigned size_bits)
{
    if (t == BST_OBJ_UNTYPED)
        return size_bits;
    if (t == BST_OBJ_CNODE)
        return size_bits + BST_CNODE_SLOT_BITS;
    return bst_obj_fixed_bits(t);
}

#define BST_OBJTYPE_COUNT_ENTRY(name, value, bits, flags) +1
_Static_assert(0 BST_OBJTYPE_TABLE(BST_OBJTYPE_COUNT_ENTRY) == BST_OBJTYPE_COUNT,
               "BST_OBJTYPE_COUNT must match the table");
#undef BST_OBJTYPE_COUNT_ENTRY
_Static_assert(BST_OBJ_KERNEL_IMAGE == BST_OBJTYPE_COUNT - 1, "object types must be dense");
_Static_assert(BST_CNODE_MAX_RADIX + BST_CNODE_SLOT_BITS <= 30, "a CNode fits in 1 GiB");

#endif
