/*
 * Page-table isolation (arch/kpti.h): the choice at boot and the user view's check.
 * The views themselves are built by paging.c (the kernel's pair) and pagetable.c
 * (every VSpace's); the switches are in the entry assembly.
 */
#include <arch/cpu.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/pagetable.h>
#include <arch/percpu.h>
#include <boot.h>
#include <kmem.h>
#include <kprintf.h>
#include <kstring.h>

uint8_t arch_kpti KPTI_SHARED;

extern char _kpti_text_start[], _kpti_text_end[], _kpti_data_start[], _kpti_data_end[];

bool kpti_choose(const char *cmdline)
{
    char value[8];
    const char *v = cmdline_get(cmdline, "kpti", value, sizeof(value));
    bool understood = true;
    if (v == NULL || strcmp(v, "auto") == 0) {
        arch_kpti = cpu_features.meltdown;
    } else if (strcmp(v, "on") == 0) {
        arch_kpti = 1;
    } else if (strcmp(v, "off") == 0) {
        arch_kpti = 0;
    } else {
        arch_kpti = cpu_features.meltdown; /* as auto: never less safe by a typo */
        understood = false;
    }
    return understood;
}

/* What one leaf of the user view's kernel half may be: a 4 KiB page of .kpti.text
 * (read-only, executable) or .kpti.data (writable, not executable) at its own
 * address; NULL if it is one of them, else what is wrong. */
static const char *check_leaf(vaddr_t va, uint64_t e, unsigned level)
{
    bool text = va >= (vaddr_t)_kpti_text_start && va < (vaddr_t)_kpti_text_end;
    bool data = va >= (vaddr_t)_kpti_data_start && va < (vaddr_t)_kpti_data_end;
    if (level != 0 || (!text && !data)) {
        return "the user view maps kernel memory outside .kpti.text and .kpti.data";
    }
    if ((e & PT_ADDR_MASK) != va - KERNEL_VMA) {
        return "a shared page is mapped to the wrong frame";
    }
    if (e & PT_USER) {
        return "a shared page is user-accessible";
    }
    if (text && (e & PT_WRITE)) {
        return "shared kernel text is writable";
    }
    if (data && pt_nx_supported && !(e & PT_NX)) {
        return "shared kernel data is executable";
    }
    return NULL;
}

/* Walk a kernel-half table of the user view, counting its leaves in *pages. */
static const char *check_table(paddr_t table, unsigned level, vaddr_t base, size_t *pages)
{
    const uint64_t *t = kmem_ptr(table);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = t[i];
        if (!(e & PT_PRESENT)) {
            continue;
        }
        vaddr_t va = base + ((vaddr_t)i << (12 + 9 * level));
        if (e & PT_USER) {
            return "a kernel-half table of the user view is user-accessible";
        }
        const char *problem = (level == 0 || (e & PT_LARGE))
                                  ? check_leaf(va, e, level)
                                  : check_table(e & PT_ADDR_MASK, level - 1, va, pages);
        if (problem != NULL) {
            return problem;
        }
        *pages += level == 0 ? 1 : 0;
    }
    return NULL;
}

const char *kpti_check_user_view(paddr_t root)
{
    if (root & (2 * KPTI_USER_VIEW - 1)) {
        return "the root pair is not 8 KiB aligned";
    }
    const uint64_t *kernel = kmem_ptr(root);
    const uint64_t *user = kmem_ptr(root + KPTI_USER_VIEW);
    for (unsigned i = 0; i < PT_KERNEL_HALF; i++) {
        if ((user[i] ^ kernel[i]) & ~PT_ACCESSED) { /* the CPU sets that in either view */
            return "the user view's user half differs from the kernel view's";
        }
    }
    size_t pages = 0;
    for (unsigned i = PT_KERNEL_HALF; i < PT_ENTRIES; i++) {
        if (!(user[i] & PT_PRESENT)) {
            continue;
        }
        if (user[i] & PT_LARGE) {
            return "a large page at the user view's top level";
        }
        vaddr_t va = 0xffff000000000000ull | ((vaddr_t)i << 39);
        const char *problem = check_table(user[i] & PT_ADDR_MASK, 2, va, &pages);
        if (problem != NULL) {
            return problem;
        }
    }
    size_t expected =
        (size_t)(_kpti_text_end - _kpti_text_start + _kpti_data_end - _kpti_data_start) / 4096;
    if (pages != expected) {
        return "the user view does not map every shared page";
    }
    return NULL;
}

uint64_t kpti_misses(void)
{
    return this_cpu()->kpti_misses;
}
