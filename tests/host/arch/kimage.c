/*
 * The host "architecture"'s kernel image copies (arch/kimage.h; x86_64:
 * kernel/arch/x86_64/kimage.c), for the system-call fuzzer: a kernel of KIMAGE_HOST_PAGES
 * pages, and a copy's "tables" are one word per page in the copy's first table page,
 * naming the frame that page runs from, so that DOMAIN_IMAGE_PAGE reports what the
 * invocations did and the fuzzer's checks can compare.
 */
#include <arch/kimage.h>
#include <kmem.h>

#include <stdlib.h>

#define KIMAGE_HOST_PAGES 3u
#define SHARED_BASE       0x100000ull /* where the host kernel's "image" lies */

static paddr_t active;

static uint64_t *words(paddr_t tables)
{
    return (uint64_t *)kmem_ptr(tables);
}

static paddr_t shared_page(unsigned page)
{
    return SHARED_BASE + (paddr_t)page * 4096;
}

unsigned arch_kimage_pages(void)
{
    return KIMAGE_HOST_PAGES;
}

void arch_kimage_prepare(paddr_t tables)
{
    for (unsigned i = 0; i < KIMAGE_HOST_PAGES; i++) {
        words(tables)[i] = shared_page(i);
    }
}

void arch_kimage_fill(paddr_t tables, unsigned page, paddr_t frame)
{
    if (page >= KIMAGE_HOST_PAGES) {
        abort();
    }
    words(tables)[page] = frame;
}

void arch_kimage_unfill(paddr_t tables, unsigned page)
{
    if (page >= KIMAGE_HOST_PAGES) {
        abort();
    }
    words(tables)[page] = shared_page(page);
}

void arch_kimage_activate(paddr_t tables, unsigned caller_flushes)
{
    (void)caller_flushes; /* the host has no TLB */
    active = tables;
}

paddr_t arch_kimage_translate(paddr_t tables, unsigned page)
{
    return tables == 0 ? shared_page(page) : words(tables)[page];
}

void arch_kimage_set_stack(paddr_t top)
{
    (void)top; /* the host's system calls run on the process's stack */
}

void arch_kimage_idle_stack(void)
{
    /* one stack: the process's */
}

paddr_t arch_kimage_stack_top(paddr_t top)
{
    return top;
}

paddr_t arch_kimage_stack_pointer(void)
{
    return 0;
}
