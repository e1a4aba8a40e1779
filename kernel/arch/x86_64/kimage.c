/*
 * A domain's copy of the kernel image on x86_64 (arch/kimage.h): its page directory and
 * page tables, built from the kernel's own, and the one kernel PDPT entry that says
 * which copy the CPU runs on.
 */
#include <arch/kimage.h>
#include <arch/layout.h>
#include <arch/gdt.h>
#include <arch/kpti.h>
#include <arch/pagetable.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <bastion/domain.h>
#include <kassert.h>
#include <kmem.h>
#include <kprintf.h>
#include <klock.h>
#include <kstring.h>
#include <timeprot.h>

#define KIMAGE_PML4_INDEX 511u
#define KIMAGE_PDPT_INDEX 510u /* KERNEL_VMA's 1 GiB */
#define PD_SPAN           (2ull << 20)

extern char _kernel_text_start[], _kernel_rodata_end[];

static uint64_t shared_pd_entry;  /* the kernel's own entry, read once */
static uint64_t shared_stack_top; /* the CPU's own kernel stack, read at the first switch */
_Static_assert(ARCH_KIMAGE_STACK_SIZE == KERNEL_STACK_SIZE, "a copy's stack is a kernel stack");

static uint64_t *table_at(paddr_t pa)
{
    return (uint64_t *)phys_to_virt(pa);
}

static unsigned index_at(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * level)) & (PT_ENTRIES - 1));
}

static uint64_t *kernel_pdpt_entry(void)
{
    uint64_t pml4e = table_at(paging_kernel_root())[KIMAGE_PML4_INDEX];
    uint64_t *e = &table_at(pml4e & PT_ADDR_MASK)[KIMAGE_PDPT_INDEX];
    if (shared_pd_entry == 0) {
        shared_pd_entry = *e; /* before any copy was installed: the kernel's */
    }
    return e;
}

static vaddr_t page_va(unsigned page)
{
    return (vaddr_t)_kernel_text_start + (vaddr_t)page * PAGE_SIZE;
}

/* The first PD entry the copy replaces, and how many. */
static unsigned first_pd_index(void)
{
    return index_at((vaddr_t)_kernel_text_start, 1);
}

static unsigned pt_count(void)
{
    return index_at((vaddr_t)_kernel_rodata_end - 1, 1) - first_pd_index() + 1;
}

unsigned arch_kimage_pages(void)
{
    /* The SMP kernel: the copy in the one shared PDPT entry would be CPU 0's domain's on
     * every CPU, and another CPU's TLB could keep a deleted copy's pages (its shootdown
     * covers user mappings, not this entry). */
    if (KLOCK_SMP) {
        return 0;
    }
    if (index_at((vaddr_t)_kernel_text_start, 2) != KIMAGE_PDPT_INDEX ||
        pt_count() > ARCH_KIMAGE_MAX_PTS) {
        return 0;
    }
    return (unsigned)(((vaddr_t)_kernel_rodata_end - (vaddr_t)_kernel_text_start) / PAGE_SIZE);
}

void arch_kimage_prepare(paddr_t tables)
{
    kassert(arch_kimage_pages() != 0);
    (void)kernel_pdpt_entry();
    const uint64_t *shared_pd = table_at(shared_pd_entry & PT_ADDR_MASK);
    uint64_t *pd = table_at(tables);
    memcpy(pd, shared_pd, PAGE_SIZE);
    for (unsigned i = 0; i < pt_count(); i++) {
        unsigned pdi = first_pd_index() + i;
        kassert((shared_pd[pdi] & PT_PRESENT) && !(shared_pd[pdi] & PT_LARGE));
        paddr_t pt = tables + (1 + i) * PAGE_SIZE;
        memcpy(table_at(pt), table_at(shared_pd[pdi] & PT_ADDR_MASK), PAGE_SIZE);
        pd[pdi] = pt | (shared_pd[pdi] & ~PT_ADDR_MASK);
    }
}

/* The copy's entry for page `page`. */
static uint64_t *copy_entry(paddr_t tables, unsigned page)
{
    vaddr_t va = page_va(page);
    unsigned pt = index_at(va, 1) - first_pd_index();
    return &table_at(tables + (1 + pt) * PAGE_SIZE)[index_at(va, 0)];
}

void arch_kimage_fill(paddr_t tables, unsigned page, paddr_t frame)
{
    memcpy(phys_to_virt(frame), (const void *)page_va(page), PAGE_SIZE);
    uint64_t *e = copy_entry(tables, page);
    *e = frame | (*e & ~PT_ADDR_MASK);
}

void arch_kimage_unfill(paddr_t tables, unsigned page)
{
    uint64_t *e = copy_entry(tables, page);
    *e = kernel_image_paddr((const void *)page_va(page)) | (*e & ~PT_ADDR_MASK);
}

void arch_kimage_activate(paddr_t tables, unsigned caller_flushes)
{
    uint64_t *e = kernel_pdpt_entry();
    uint64_t want = tables == 0 ? shared_pd_entry : tables | (shared_pd_entry & ~PT_ADDR_MASK);
    if (*e != want) {
        *e = want;
        if (!(caller_flushes & BST_DOMAIN_FLUSH_TLB)) {
            arch_timeprot_flush(BST_DOMAIN_FLUSH_TLB); /* global entries too */
        }
    }
}

paddr_t arch_kimage_translate(paddr_t tables, unsigned page)
{
    (void)kernel_pdpt_entry();
    paddr_t pd = tables != 0 ? tables : (shared_pd_entry & PT_ADDR_MASK);
    vaddr_t va = page_va(page);
    uint64_t pde = table_at(pd)[index_at(va, 1)];
    if (!(pde & PT_PRESENT) || (pde & PT_LARGE)) {
        return 0;
    }
    uint64_t pte = table_at(pde & PT_ADDR_MASK)[index_at(va, 0)];
    return (pte & PT_PRESENT) ? (pte & PT_ADDR_MASK) : 0;
}

void arch_kimage_set_stack(paddr_t top)
{
    struct cpu_local *c = this_cpu();
    if (shared_stack_top == 0) {
        shared_stack_top = c->kernel_rsp;
    }
    c->kernel_rsp =
        top != 0 ? (uint64_t)phys_to_virt(top - PAGE_SIZE) + PAGE_SIZE : shared_stack_top;
    if (!arch_kpti) {
        tss_set_kernel_stack(c->kernel_rsp); /* interrupts from user push their frame there */
    }
}

void arch_kimage_idle_stack(void)
{
    uint64_t top = this_cpu()->kernel_rsp, sp;
    if (shared_stack_top == 0) {
        return; /* no copy's stack was ever used: one stack, the CPU's own */
    }
    __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
    if (sp < top && sp >= top - KERNEL_STACK_SIZE) {
        return;
    }
    static bool said;
    if (!said) { /* once a boot: the colouring test (init/tests/colour) looks for it */
        said = true;
        kprintf("kimage: an idle wait moved off the stack the kernel entered on, onto the "
                "slot's domain's (or the CPU's own)\n");
    }
    /* That stack is empty: no entry from user mode is in progress while the CPU is in the
     * idle loop, and an interrupt in kernel mode runs on the stack in use. The call's
     * return address keeps kernel_exit's frame aligned as after any call. */
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "call kernel_exit"
                     :
                     : "r"(top)
                     : "memory");
    __builtin_unreachable();
}

/* The physical address of a kernel virtual address on a stack: the direct map's or the
 * kernel image's (the CPU's own stack is in the image's bss). */
static paddr_t stack_paddr(uint64_t va)
{
    return va >= KERNEL_VMA ? kernel_image_paddr((const void *)va) : kmem_paddr((const void *)va);
}

paddr_t arch_kimage_stack_top(paddr_t top)
{
    if (top != 0) {
        return top;
    }
    uint64_t own = shared_stack_top != 0 ? shared_stack_top : this_cpu()->kernel_rsp;
    return stack_paddr(own - 1) + 1;
}

paddr_t arch_kimage_stack_pointer(void)
{
    uint64_t sp;
    __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
    return stack_paddr(sp);
}
