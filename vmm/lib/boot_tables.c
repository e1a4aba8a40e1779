/*
 * The identity page tables, the flat GDT and the long-mode CPU state for Linux's 64-bit
 * entry (linux_boot.h). The entry's contract: long mode with paging, the kernel,
 * boot_params, command line and initrd identity-mapped, CS a flat 64-bit code segment
 * (0x10), DS/ES/SS flat data (0x18), a valid GDT holding both, interrupts off.
 */
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

#define PTE_PRESENT 0x1ull
#define PTE_WRITE   0x2ull
#define PTE_LARGE   0x80ull

#define CR0_PE   0x1ull
#define CR0_ET   0x10ull
#define CR0_NE   0x20ull
#define CR0_PG   0x80000000ull
#define CR4_PAE  0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

/* Descriptor attributes (linux_boot.h's layout). */
#define ATTR_CODE64 0xa09bu /* G, L, P, S, type 0xb (execute/read, accessed) */
#define ATTR_DATA   0xc093u /* G, D/B, P, S, type 0x3 (read/write, accessed) */
#define ATTR_TSS64  0x008bu /* P, type 0xb (busy 64-bit TSS) */
#define ATTR_LDT    0x0082u /* P, type 0x2 */

static void write_page_tables(uint8_t *ram)
{
    vmm_bytes_fill(ram + VMM_BOOT_PML4, 0, VMM_BOOT_GDT - VMM_BOOT_PML4);
    vmm_le_store(ram + VMM_BOOT_PML4, 8, VMM_BOOT_PDPT | PTE_PRESENT | PTE_WRITE);
    for (uint64_t gib = 0; gib < 4; gib++) {
        uint64_t pd = VMM_BOOT_PD + gib * 0x1000;
        vmm_le_store(ram + VMM_BOOT_PDPT + gib * 8, 8, pd | PTE_PRESENT | PTE_WRITE);
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t phys = (gib << 30) | (i << 21);
            vmm_le_store(ram + pd + i * 8, 8, phys | PTE_PRESENT | PTE_WRITE | PTE_LARGE);
        }
    }
}

/* A code or data descriptor with base 0 and limit 0xfffff (4 GiB with G). */
static uint64_t flat_descriptor(uint16_t attr)
{
    return 0xffffull | (0xfull << 48) | ((uint64_t)(attr & 0xff) << 40) |
           ((uint64_t)(attr >> 12) << 52);
}

static void write_gdt(uint8_t *ram)
{
    vmm_bytes_fill(ram + VMM_BOOT_GDT, 0, 32);
    vmm_le_store(ram + VMM_BOOT_GDT + VMM_BOOT_CS, 8, flat_descriptor(ATTR_CODE64));
    vmm_le_store(ram + VMM_BOOT_GDT + VMM_BOOT_DS, 8, flat_descriptor(ATTR_DATA));
}

static struct vmm_segment segment(uint16_t selector, uint32_t limit, uint16_t attr)
{
    return (struct vmm_segment){.selector = selector, .base = 0, .limit = limit, .attr = attr};
}

void vmm_boot_tables_write(const struct vmm_guest_ram *ram, struct vmm_cpu_state *state)
{
    write_page_tables(ram->base);
    write_gdt(ram->base);
    state->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    state->cr3 = VMM_BOOT_PML4;
    state->cr4 = CR4_PAE;
    state->efer = EFER_LME | EFER_LMA;
    state->rflags = 0x2; /* bit 1 is always set; IF clear */
    state->cs = segment(VMM_BOOT_CS, 0xffffffff, ATTR_CODE64);
    state->ds = segment(VMM_BOOT_DS, 0xffffffff, ATTR_DATA);
    state->es = state->ds;
    state->ss = state->ds;
    state->fs = state->ds;
    state->gs = state->ds;
    state->tr = segment(0, 0xffff, ATTR_TSS64);
    state->ldtr = segment(0, 0xffff, ATTR_LDT);
    state->gdtr_base = VMM_BOOT_GDT;
    state->gdtr_limit = 4 * 8 - 1;
    state->idtr_base = 0;
    state->idtr_limit = 0;
}
