/*
 * Loading a Linux bzImage into guest RAM and the CPU state its 64-bit entry expects
 * (docs/virtualisation.md, "Loading Linux").
 *
 * Guest RAM is one block at guest-physical 0 that the VMM also maps in its own address
 * space (`ram`). The layout, all below 1 MiB except the kernel and the initrd:
 *
 *   0x1000  PML4      0x2000  PDPT      0x3000-0x6fff  four page directories: the first
 *   4 GiB identity-mapped with 2 MiB pages (the 64-bit entry needs paging on and the
 *   kernel, boot_params, command line and initrd mapped; Linux builds its own tables)
 *   0x7000  GDT: null, null, 0x10 flat 64-bit code, 0x18 flat data (the boot protocol's
 *           __BOOT_CS and __BOOT_DS)
 *   0x10000 boot_params (the "zero page"), 0x20000 the command line (up to 4 KiB)
 *   0x9fc00 the MP floating pointer and configuration table (mptable.c)
 *   0xe0000 the ACPI tables (acpi.c): RSDP, RSDT, XSDT, MADT; boot_params'
 *           acpi_rsdp_addr points at the RSDP
 *   the kernel at its pref_address (16 MiB for Debian's), the initrd at the top of RAM
 *   below initrd_addr_max, 4 KiB aligned
 *
 * e820: [0, 0x9fc00) and [1 MiB, RAM end) usable, [0x9fc00, 1 MiB) reserved (what a PC
 * firmware reports; Linux keeps its real-mode trampoline below 1 MiB).
 */
#ifndef VMM_LINUX_BOOT_H
#define VMM_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmm/bzimage.h>
#include <vmm/error.h>
#include <vmm/guest_ram.h>

#define VMM_BOOT_PML4        0x1000u
#define VMM_BOOT_PDPT        0x2000u
#define VMM_BOOT_PD          0x3000u
#define VMM_BOOT_GDT         0x7000u
#define VMM_BOOT_PARAMS      0x10000u
#define VMM_BOOT_CMDLINE     0x20000u
#define VMM_BOOT_CMDLINE_MAX 4095u
#define VMM_BOOT_MPTABLE     0x9fc00u
#define VMM_BOOT_ACPI        0xe0000u
#define VMM_BOOT_CS          0x10u
#define VMM_BOOT_DS          0x18u
#define VMM_BOOT_MIN_RAM     (32ull << 20)
#define VMM_BOOT_MAX_RAM     (3ull << 30) /* below the PC's 32-bit device hole */

/* boot_params offsets (the zero page) that the loader writes besides the setup header. */
#define VMM_BP_ACPI_RSDP_ADDR    0x070
#define VMM_BP_EXT_RAMDISK_IMAGE 0x0c0
#define VMM_BP_EXT_RAMDISK_SIZE  0x0c4
#define VMM_BP_EXT_CMD_LINE_PTR  0x0c8
#define VMM_BP_E820_ENTRIES      0x1e8
#define VMM_BP_E820_TABLE        0x2d0
#define VMM_BP_E820_MAX          128u
#define VMM_E820_RAM             1u
#define VMM_E820_RESERVED        2u

/* A segment register as the vCPU ABI writes it: attributes in the descriptor layout
 * (bits 0-7 type, S, DPL, P; bits 12-15 AVL, L, D/B, G). */
struct vmm_segment {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint16_t attr;
};

/* The CPU state at the kernel's 64-bit entry: long mode, paging, interrupts off. */
struct vmm_cpu_state {
    uint64_t rip, rsp, rsi, rflags;
    uint64_t cr0, cr3, cr4, efer;
    struct vmm_segment cs, ds, es, ss, fs, gs, tr, ldtr;
    uint64_t gdtr_base, gdtr_limit, idtr_base, idtr_limit;
};

/* Where things went: for the VMM's report and the tests. */
struct vmm_linux_layout {
    uint64_t kernel_addr, kernel_size, init_size;
    uint64_t initrd_addr, initrd_size;
    uint64_t cmdline_addr, boot_params_addr;
    uint64_t entry;
};

/* Load image (a bzImage), initrd (may be empty) and cmdline (NUL-terminated) into ram
 * and fill *state for the entry. Checks everything first: on refusal returns false with
 * err set, and ram is unchanged. */
bool vmm_linux_load(const struct vmm_guest_ram *ram, const uint8_t *image, size_t image_size,
                    const uint8_t *initrd, size_t initrd_size, const char *cmdline,
                    struct vmm_linux_layout *layout, struct vmm_cpu_state *state,
                    struct vmm_error *err);

/* Write the identity page tables and the GDT at their places in ram (ram->size at least
 * VMM_BOOT_MIN_RAM) and fill the paging, segment and descriptor-table parts of *state. */
void vmm_boot_tables_write(const struct vmm_guest_ram *ram, struct vmm_cpu_state *state);

/* Write the MP tables at VMM_BOOT_MPTABLE (mptable.c): one CPU, its local APIC, an ISA bus. */
void vmm_mptable_write(const struct vmm_guest_ram *ram);

/* Where vmm_acpi_write() put each table (guest-physical). */
struct vmm_acpi_layout {
    uint32_t rsdp, rsdt, xsdt, madt, end;
};

/* Write the ACPI tables at VMM_BOOT_ACPI (acpi.c): one CPU with a local x2APIC, no I/O
 * APIC, no FADT. out (may be NULL) gets where each table went. */
void vmm_acpi_write(const struct vmm_guest_ram *ram, struct vmm_acpi_layout *out);

/* Fill the zero page at ram + VMM_BOOT_PARAMS from the checked image and the layout. */
void vmm_boot_params_write(const struct vmm_guest_ram *ram, const uint8_t *image,
                           const struct vmm_bzimage *bz, const struct vmm_linux_layout *layout);

#endif
