/*
 * The boot-info page: what the kernel tells the root task at start.
 *
 * The kernel builds the root task's CSpace (one CNode of 2^root_cnode_radix slots) and
 * puts capabilities at the fixed slots below, then one untyped capability per block in
 * the untyped slot range (RAM as normal untyped, device memory as device untyped), in
 * increasing physical address order. untyped_list[i] describes the cap in slot
 * untyped.start + i. The page itself is a 4 KiB frame whose cap is at BST_SLOT_BOOTINFO.
 *
 * A CPtr to root CNode slot i is simply i with depth 64 (the root CNode cap carries a
 * guard of 64 - radix zero bits).
 */
#ifndef BASTION_ABI_BOOTINFO_H
#define BASTION_ABI_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BST_BOOTINFO_MAGIC   UINT64_C(0x4f464e49544f4f42) /* "BOOTINFO" little-endian */
#define BST_BOOTINFO_VERSION 4
#define BST_BOOTINFO_SIZE    4096

/* Fixed slots of the root CNode. Slot 0 of every CNode is reserved (never a cap). */
enum bst_boot_slot {
    BST_SLOT_RESERVED = 0,
    BST_SLOT_ROOT_CNODE = 1,       /* the root CNode itself */
    BST_SLOT_IRQ_CONTROL = 2,      /* creates IRQ handler caps */
    BST_SLOT_IOPORT_CONTROL = 3,   /* creates I/O port caps (x86) */
    BST_SLOT_DOMAIN_CONTROL = 4,   /* sets threads' scheduling domains */
    BST_SLOT_SCHED_CONTROL = 5,    /* configures scheduling contexts on CPU 0 (the other
                                      CPUs' caps: bst_bootinfo.sched_control_first) */
    BST_SLOT_BOOTINFO = 6,         /* the 4 KiB frame holding this page */
    BST_SLOT_ROOT_TCB = 7,         /* filled in by thread creation (later) */
    BST_SLOT_ROOT_VSPACE = 8,      /* filled in by address-space creation (later) */
    BST_SLOT_ROOT_SC = 9,          /* the root task's scheduling context (unlimited) */
    BST_SLOT_ROOT_IPC_BUFFER = 10, /* (later) */
    BST_SLOT_FIRST_DYNAMIC = 16,   /* untyped caps start here */
};

/* A half-open range of slots [start, end) in the root CNode. */
struct bst_slot_range {
    uint64_t start;
    uint64_t end;
};

/* One untyped capability handed to the root task. */
struct bst_untyped_desc {
    uint64_t paddr;    /* physical base, aligned to 2^size_bits */
    uint8_t size_bits; /* the block is 2^size_bits bytes */
    uint8_t is_device; /* 1: device memory (only frames and untyped; never zeroed) */
    uint8_t reserved[6];
};

/* A boot module other than the root task's own image (the first module): its bytes lie,
 * untouched, in device untyped memory the root task holds (so retyping it into frames
 * never zeroes it); the untyped caps covering [paddr, paddr + size) are in
 * untyped_list like every other. */
struct bst_module_desc {
    uint64_t paddr; /* page aligned */
    uint64_t size;  /* in bytes; the memory is rounded up to whole pages */
    char name[48];  /* the loader's name for it (its command line), NUL-terminated; a longer
                       one keeps its last 47 bytes (the file's own name is at the end) */
};

/* How the machine was started (bst_bootinfo.firmware). */
enum bst_firmware {
    BST_FIRMWARE_UNKNOWN = 0, /* the loader did not say (Multiboot 1: QEMU -kernel, a BIOS) */
    BST_FIRMWARE_BIOS = 1,    /* Multiboot 2 from a BIOS (no EFI system table) */
    BST_FIRMWARE_UEFI = 2,    /* Multiboot 2 from UEFI, boot services exited */
};

#define BST_BOOTINFO_HEADER_SIZE 176
#define BST_BOOTINFO_MAX_MODULES 16
#define BST_BOOTINFO_MAX_UNTYPED                                                                   \
    ((BST_BOOTINFO_SIZE - BST_BOOTINFO_HEADER_SIZE -                                               \
      BST_BOOTINFO_MAX_MODULES * sizeof(struct bst_module_desc)) /                                 \
     sizeof(struct bst_untyped_desc))

struct bst_bootinfo {
    uint64_t magic;                   /* BST_BOOTINFO_MAGIC */
    uint32_t version;                 /* BST_BOOTINFO_VERSION */
    uint32_t root_cnode_radix;        /* the root CNode has 2^radix slots */
    struct bst_slot_range untyped;    /* slots holding the untyped caps */
    struct bst_slot_range empty;      /* free slots of the root CNode */
    uint64_t bootinfo_paddr;          /* where this page lives */
    uint64_t root_cnode_paddr;        /* where the root CNode lives */
    uint64_t ram_bytes;               /* total bytes of RAM untyped */
    uint64_t device_bytes;            /* total bytes of device untyped */
    uint32_t n_untyped;               /* entries used in untyped_list */
    uint32_t n_cpus;                  /* CPUs that run threads (1: the single-CPU kernel) */
    struct bst_slot_range user_image; /* caps to the root task's own frames and page
                                         tables (image, stack, IPC buffer, this page's
                                         mapping), in the order the kernel made them */
    uint64_t ipc_buffer_vaddr;        /* the root thread's IPC buffer */
    uint64_t bootinfo_vaddr;          /* where this page is mapped (read-only) */
    uint32_t n_modules;               /* entries used in modules */
    uint32_t counter_khz;             /* the measured frequency of the cycle counter (TSC) */
    uint32_t firmware;                /* enum bst_firmware: how the machine booted */
    uint32_t acpi_rsdp_size;          /* bytes of acpi_rsdp: 0 (the loader gave none), 20
                                         (ACPI 1.0) or 36 (2.0 and later) */
    uint8_t acpi_rsdp[36];            /* a copy of the RSDP, from the loader (Multiboot 2
                                         ACPI tag) or the EFI system table; unchecked */
    uint32_t sched_control_first;     /* the scheduling-control cap of CPU n (1 <= n <
                                         n_cpus) is in slot sched_control_first + n - 1:
                                         the slots right after the untyped caps (empty
                                         starts after them); CPU 0's is in
                                         BST_SLOT_SCHED_CONTROL */
    struct bst_module_desc modules[BST_BOOTINFO_MAX_MODULES];
    struct bst_untyped_desc untyped_list[BST_BOOTINFO_MAX_UNTYPED];
};

_Static_assert(sizeof(struct bst_untyped_desc) == 16, "untyped descriptor layout");
_Static_assert(offsetof(struct bst_untyped_desc, size_bits) == 8, "untyped descriptor layout");
_Static_assert(offsetof(struct bst_untyped_desc, is_device) == 9, "untyped descriptor layout");
_Static_assert(offsetof(struct bst_bootinfo, untyped) == 16, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, empty) == 32, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, n_untyped) == 80, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, user_image) == 88, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, bootinfo_vaddr) == 112, "bootinfo layout");
_Static_assert(sizeof(struct bst_module_desc) == 64, "module descriptor layout");
_Static_assert(offsetof(struct bst_bootinfo, modules) == BST_BOOTINFO_HEADER_SIZE,
               "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, untyped_list) ==
                   BST_BOOTINFO_HEADER_SIZE +
                       BST_BOOTINFO_MAX_MODULES * sizeof(struct bst_module_desc),
               "bootinfo layout");
_Static_assert(sizeof(struct bst_bootinfo) == BST_BOOTINFO_SIZE, "bootinfo is one 4 KiB page");
_Static_assert(offsetof(struct bst_bootinfo, acpi_rsdp) == 136, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, n_cpus) == 84, "bootinfo layout");
_Static_assert(offsetof(struct bst_bootinfo, sched_control_first) == 172, "bootinfo layout");
_Static_assert(BST_BOOTINFO_MAX_UNTYPED == 181, "bootinfo untyped capacity");

#endif
