/*
 * Kernel page tables for x86_64 (4-level paging).
 *
 * Table pages come from a fixed pool in the kernel image: the kernel has no heap, and
 * the amount it needs is bounded by PHYSMAP_MAX_BYTES. Mappings made here are never
 * removed. Permissions: text read+execute, rodata read-only, data and bss read+write,
 * physmap read+write; everything but text is no-execute when the CPU has NX. Kernel
 * mappings are global (not flushed on address-space switches) unless page-table
 * isolation is on, which turns global pages off.
 *
 * The kernel's root is a pair (arch/kpti.h): the kernel view, and the user view that
 * maps only the .kpti.text and .kpti.data pages; every VSpace copies both kernel halves.
 */
#include <arch/cpu.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <kassert.h>
#include <kprintf.h>
#include <kstring.h>

#define POOL_PAGES 80
#define ENTRIES    512

typedef uint64_t table_t[ENTRIES];

static table_t pool[POOL_PAGES] __attribute__((aligned(2 * KPTI_USER_VIEW)));
static unsigned pool_used;
static table_t *kernel_pml4, *user_view_pml4; /* pool[0] and pool[1]: a root pair */
static uint64_t nx_bit;
static vaddr_t device_next = DEVICE_WINDOW_BASE;
/* The device window's last page: remapped for each page paging_read_phys() reads. */
#define PEEK_VA  (DEVICE_WINDOW_BASE + DEVICE_WINDOW_BYTES - PAGE_SIZE)
#define PEEK_END PEEK_VA

extern char _kernel_text_start[], _kernel_text_end[], _kernel_rodata_start[], _kernel_rodata_end[],
    _kernel_data_start[], _kernel_end[], _kpti_text_start[], _kpti_text_end[], _kpti_data_start[],
    _kpti_data_end[];

paddr_t paging_kernel_root(void)
{
    return kernel_image_paddr(kernel_pml4);
}

paddr_t kernel_image_paddr(const void *p)
{
    return (paddr_t)((uintptr_t)p - KERNEL_VMA);
}

static table_t *table_alloc(void)
{
    kassert(pool_used < POOL_PAGES); /* the pool is sized for PHYSMAP_MAX_BYTES */
    table_t *t = &pool[pool_used++];
    memset(t, 0, sizeof(*t));
    return t;
}

static unsigned index_at(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * level)) & (ENTRIES - 1));
}

/* The table at `level` (0 = page table) covering va under `root`, creating tables on
 * the way. */
static table_t *table_for(table_t *root, vaddr_t va, unsigned level)
{
    table_t *t = root;
    for (unsigned l = 3; l > level; l--) {
        uint64_t *e = &(*t)[index_at(va, l)];
        if (!(*e & PT_PRESENT)) {
            *e = kernel_image_paddr(table_alloc()) | PT_PRESENT | PT_WRITE;
        }
        kassert(!(*e & PT_LARGE));
        t = (table_t *)(uintptr_t)((*e & PT_ADDR_MASK) + KERNEL_VMA);
    }
    return t;
}

/* Map one page of the size that `level` implies (0: 4 KiB, 1: 2 MiB, 2: 1 GiB) under
 * `root`. */
static void map_page(table_t *root, vaddr_t va, paddr_t pa, unsigned level, uint64_t flags)
{
    uint64_t *e = &(*table_for(root, va, level))[index_at(va, level)];
    *e = pa | flags | PT_PRESENT | PT_GLOBAL | (level > 0 ? PT_LARGE : 0);
}

/* Map kernel-image pages at their addresses under `root`. */
static void map_image_range(table_t *root, const char *start, const char *end, uint64_t flags)
{
    for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE) {
        map_page(root, va, kernel_image_paddr((const void *)va), 0, flags);
    }
}

/* Map RAM [base, base+size) into the physmap with the largest pages that fit. */
static void map_physmap_range(paddr_t base, uint64_t size)
{
    paddr_t pa = ALIGN_DOWN(base, LARGE_PAGE_SIZE);
    paddr_t end = ALIGN_UP(base + size, LARGE_PAGE_SIZE);
    if (end > PHYSMAP_MAX_BYTES) {
        end = PHYSMAP_MAX_BYTES;
    }
    while (pa < end) {
        bool huge =
            cpu_features.page1g && IS_ALIGNED(pa, HUGE_PAGE_SIZE) && end - pa >= HUGE_PAGE_SIZE;
        map_page(kernel_pml4, PHYSMAP_BASE + pa, pa, huge ? 2 : 1, PT_WRITE | nx_bit);
        pa += huge ? HUGE_PAGE_SIZE : LARGE_PAGE_SIZE;
    }
}

static bool region_is_ram(enum mem_region_type t)
{
    return t == MEM_USABLE || t == MEM_KERNEL || t == MEM_MODULE || t == MEM_ACPI_RECLAIM;
}

void paging_init(const struct boot_info *bi)
{
    nx_bit = cpu_features.nx ? PT_NX : 0;
    kernel_pml4 = table_alloc();
    user_view_pml4 = table_alloc();
    kassert(user_view_pml4 == kernel_pml4 + 1);

    map_image_range(kernel_pml4, _kernel_text_start, _kernel_text_end, 0);
    map_image_range(kernel_pml4, _kernel_rodata_start, _kernel_rodata_end, nx_bit);
    map_image_range(kernel_pml4, _kernel_data_start, _kernel_end, PT_WRITE | nx_bit);
    /* The user view: the shared pages only (with global pages off under isolation, the
     * PT_GLOBAL these get is ignored; without isolation the view is never loaded). */
    map_image_range(user_view_pml4, _kpti_text_start, _kpti_text_end, 0);
    map_image_range(user_view_pml4, _kpti_data_start, _kpti_data_end, PT_WRITE | nx_bit);
    for (size_t i = 0; i < bi->n_regions; i++) {
        if (region_is_ram(bi->regions[i].type)) {
            map_physmap_range(bi->regions[i].base, bi->regions[i].size);
        }
    }
    write_cr3(kernel_image_paddr(kernel_pml4));
}

volatile void *paging_map_device(paddr_t pa, size_t size)
{
    paddr_t first = ALIGN_DOWN(pa, PAGE_SIZE);
    size_t pages = (size_t)(ALIGN_UP(pa + size, PAGE_SIZE) - first) / PAGE_SIZE;
    kassert(device_next + pages * PAGE_SIZE <= PEEK_END);
    vaddr_t va = device_next;
    for (size_t i = 0; i < pages; i++) {
        map_page(kernel_pml4, va + i * PAGE_SIZE, first + i * PAGE_SIZE, 0,
                 PT_WRITE | PT_PCD | PT_PWT | nx_bit);
    }
    device_next += pages * PAGE_SIZE;
    return (volatile void *)(va + (pa - first));
}

bool paging_read_phys(paddr_t pa, void *dst, size_t n)
{
    paddr_t limit = (paddr_t)1 << cpu_features.phys_addr_bits;
    if (pa >= limit || n > limit - pa) {
        return false; /* an address the page tables cannot even hold */
    }
    uint8_t *d = dst;
    while (n > 0) {
        paddr_t page = ALIGN_DOWN(pa, PAGE_SIZE);
        size_t off = (size_t)(pa - page), k = PAGE_SIZE - off < n ? PAGE_SIZE - off : n;
        map_page(kernel_pml4, PEEK_VA, page, 0, PT_PCD | PT_PWT | nx_bit);
        __asm__ volatile("invlpg (%0)" : : "r"(PEEK_VA) : "memory");
        const volatile uint8_t *src = (const volatile uint8_t *)(PEEK_VA + off);
        for (size_t i = 0; i < k; i++) {
            d[i] = src[i];
        }
        d += k;
        pa += k;
        n -= k;
    }
    return true;
}

/* Check one leaf entry mapping `va`; see paging_check_invariants(). */
static const char *check_leaf(vaddr_t va, uint64_t e)
{
    if (e & PT_USER) {
        return "a kernel page is user-accessible";
    }
    if ((e & PT_WRITE) && !(e & PT_NX) && nx_bit != 0) {
        return "a kernel page is both writable and executable";
    }
    if ((e & PT_WRITE) && va >= (vaddr_t)_kernel_text_start && va < (vaddr_t)_kernel_text_end) {
        return "kernel text is writable";
    }
    return NULL;
}

static const char *check_table(const table_t *t, unsigned level, vaddr_t base)
{
    for (unsigned i = 0; i < ENTRIES; i++) {
        uint64_t e = (*t)[i];
        vaddr_t va = base + ((vaddr_t)i << (12 + 9 * level));
        if (level == 3 && i >= 256) {
            va |= 0xffff000000000000ull; /* sign-extend the upper half */
        }
        if (!(e & PT_PRESENT)) {
            continue;
        }
        if (level == 3 && i < 256) {
            return "the lower (user) half of the kernel tables is not empty";
        }
        const char *problem =
            (level == 0 || (e & PT_LARGE))
                ? check_leaf(va, e)
                : check_table((const table_t *)(uintptr_t)((e & PT_ADDR_MASK) + KERNEL_VMA),
                              level - 1, va);
        if (problem != NULL) {
            return problem;
        }
    }
    return NULL;
}

const char *paging_check_invariants(void)
{
    return check_table(kernel_pml4, 3, 0);
}
