/*
 * arch_boot: from boot.S (long mode, boot page tables, boot stack) to kernel_main.
 * Sets up the CPU's tables, reads the loader's information, chooses page-table
 * isolation (arch/kpti.h), installs the real kernel page tables and turns on the CPU
 * protections.
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/gdt.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/multiboot.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/serial.h>
#include <arch/trap.h>
#include <boot.h>
#include <kprintf.h>
#include <machine.h>
#include <memmap.h>

extern char boot_stack[], _kernel_end_phys[];

static struct boot_info boot_info;

NORETURN void arch_boot(uint32_t magic, uint32_t info);

NORETURN void arch_boot(uint32_t magic, uint32_t info)
{
    serial_init();
    gdt_init((uint64_t)&boot_stack[KERNEL_STACK_SIZE]);
    idt_init();
    cpu_detect_features();

    if (!multiboot_parse(magic, info, &boot_info)) {
        kprintf("bastion: unusable boot information (magic %#x); not a Multiboot loader?\n", magic);
        arch_halt();
    }
    memmap_carve(&boot_info, KERNEL_PHYS, (uint64_t)(uintptr_t)_kernel_end_phys - KERNEL_PHYS,
                 MEM_KERNEL);
    for (size_t i = 0; i < boot_info.n_modules; i++) {
        memmap_carve(&boot_info, boot_info.modules[i].base, boot_info.modules[i].size, MEM_MODULE);
    }
    if (!kpti_choose(boot_info.cmdline)) {
        kprintf("bastion: kpti= takes on, off or auto; auto it is\n");
    }
    paging_init(&boot_info);
    cpu_enable_protections();
    percpu_init((uint64_t)&boot_stack[KERNEL_STACK_SIZE]);
    kernel_main(&boot_info);
}
