/*
 * Hardware checks: every IOAPIC pin, MSI, I/O port and PCI device is given to at most one
 * protection domain, once; an MSI names a PCI device of its own PD; I/O port ranges fit
 * in the 64 KiB port space; each BAR of a device is described once. Every check sorts
 * (n log n): nothing is compared pairwise.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void format_pci(const struct pci_addr *a, char *buf, size_t size)
{
    snprintf(buf, size, "%02x:%02x.%x", a->bus, a->dev, a->fn);
}

/*
 * An element of one kind, by the key that must be unique among them (an IOAPIC pin, a PCI
 * address, ...) and its index in the model. Sorted by key, then index, equal keys sit
 * side by side with the first one in the description at the front: every uniqueness
 * check below is a sort and one pass (n log n), and each duplicate is reported once,
 * against the first.
 */
struct keyed {
    uint64_t key;
    uint32_t index;
};

static int compare_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static void add_keyed(struct vec *v, uint64_t key, uint32_t index)
{
    *(struct keyed *)vec_push(v, sizeof(struct keyed)) = (struct keyed){key, index};
}

static uint64_t pci_key(const struct pci_addr *a)
{
    return (uint64_t)a->bus << 16 | (uint64_t)a->dev << 8 | a->fn;
}

/* Calls report(m, later, first, d) for each element whose key an earlier one has. */
static void report_duplicates(struct model *m, struct vec *keyed,
                              void (*report)(struct model *, uint32_t, uint32_t,
                                             struct diag_sink *),
                              struct diag_sink *d)
{
    vec_sort(keyed, sizeof(struct keyed), compare_keyed);
    size_t first = 0;
    for (size_t i = 1; i < keyed->count; i++) {
        const struct keyed *k = VEC_AT(keyed, struct keyed, i);
        const struct keyed *f = VEC_AT(keyed, struct keyed, first);
        if (k->key != f->key)
            first = i;
        else
            report(m, k->index, f->index, d);
    }
    vec_free(keyed);
}

/* The key of an IRQ: IOAPIC and pin, or MSI by PCI device and vector (marked by bit 40). */
static uint64_t irq_key(const struct model_irq *irq)
{
    if (irq->kind == IRQ_IOAPIC)
        return (uint64_t)irq->ioapic << 8 | irq->pin;
    return 1ULL << 40 | pci_key(&irq->pci) << 8 | irq->msi_vector;
}

/* Reports an IOAPIC pin given twice, or an MSI given twice. */
static void report_irq_twice(struct model *m, uint32_t i, uint32_t j, struct diag_sink *d)
{
    const struct model_irq *a = MODEL_IRQ(m, i), *b = MODEL_IRQ(m, j);
    if (a->kind == IRQ_IOAPIC) {
        diag_node(d, DIAG_ERROR, a->node, "pin",
                  "pin %u of IOAPIC %u is already given to protection_domain '%s' at line "
                  "%d; an interrupt goes to one place only, remove one of them",
                  a->pin, a->ioapic, check_pd_name(m, b->pd), check_line(b->node));
        return;
    }
    char pci[16];
    format_pci(&a->pci, pci, sizeof(pci));
    diag_node(d, DIAG_ERROR, a->node, "vector",
              "MSI vector %u of PCI device %s is already used at line %d; give each "
              "<irq> of a device its own vector",
              a->msi_vector, pci, check_line(b->node));
}

/* The key of a PCI device of one PD: the PD, then the address. */
static uint64_t owned_pci_key(uint32_t pd, const struct pci_addr *a)
{
    return (uint64_t)pd << 24 | pci_key(a);
}

/*
 * An MSI belongs to a PCI device that the same PD owns. `owned` holds the PCI devices
 * sorted by owned_pci_key, then index: the first match is the PD's first such device.
 */
static void check_msi_owner(struct model *m, uint32_t i, const struct vec *owned,
                            struct diag_sink *d)
{
    struct model_irq *irq = MODEL_IRQ(m, i);
    uint64_t key = owned_pci_key(irq->pd, &irq->pci);
    size_t lo = 0, hi = owned->count; /* the first entry with a key >= key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (VEC_AT(owned, struct keyed, mid)->key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < owned->count && VEC_AT(owned, struct keyed, lo)->key == key) {
        irq->pci_index = VEC_AT(owned, struct keyed, lo)->index;
        return;
    }
    char addr[16];
    format_pci(&irq->pci, addr, sizeof(addr));
    diag_node(d, DIAG_ERROR, irq->node, "pci",
              "PCI device %s is not given to protection_domain '%s'; add <pci_device "
              "address=\"%s\"/> to it, an MSI can only come from a device the PD owns",
              addr, check_pd_name(m, irq->pd), addr);
}

static void check_irqs(struct model *m, struct diag_sink *d)
{
    struct vec keyed = {0}, owned = {0};
    for (uint32_t i = 0; i < m->irqs.count; i++)
        add_keyed(&keyed, irq_key(MODEL_IRQ(m, i)), i);
    report_duplicates(m, &keyed, report_irq_twice, d);
    for (uint32_t j = 0; j < m->pcis.count; j++)
        add_keyed(&owned, owned_pci_key(MODEL_PCI(m, j)->pd, &MODEL_PCI(m, j)->addr), j);
    vec_sort(&owned, sizeof(struct keyed), compare_keyed);
    for (uint32_t i = 0; i < m->irqs.count; i++) {
        struct model_irq *irq = MODEL_IRQ(m, i);
        if (irq->kind == IRQ_MSI)
            check_msi_owner(m, i, &owned, d);
        else if (irq->pin > 23)
            diag_node(d, DIAG_WARNING, irq->node, "pin",
                      "pin %u is above 23, and most IOAPICs have 24 inputs; check the "
                      "machine's MADT",
                      irq->pin);
    }
    vec_free(&owned);
}

static void report_ports_overlap(struct model *m, uint32_t i, uint32_t j, struct diag_sink *d)
{
    const struct model_ioport *a = MODEL_IOPORT(m, i), *b = MODEL_IOPORT(m, j);
    diag_node(d, DIAG_ERROR, a->node, "base",
              "base 0x%x: ports 0x%x-0x%x overlap ports 0x%x-0x%x given to "
              "protection_domain '%s' at line %d; an I/O port belongs to one place only",
              a->base, a->base, a->base + a->size - 1, b->base, b->base + b->size - 1,
              check_pd_name(m, b->pd), check_line(b->node));
}

/*
 * I/O port ranges lie in the port space and do not overlap. Sorted by base, each range
 * is compared with the one before it that reaches furthest (n log n); of an overlapping
 * pair the later one in the description is reported, against the earlier, and no range
 * twice (as for mappings, check_memory.c).
 */
static void check_ioports(struct model *m, struct diag_sink *d)
{
    struct vec keyed = {0};
    for (uint32_t i = 0; i < m->ioports.count; i++) {
        struct model_ioport *a = MODEL_IOPORT(m, i);
        if (a->base + a->size > 0x10000)
            diag_node(d, DIAG_ERROR, a->node, "size",
                      "ports 0x%x-0x%x go beyond the last I/O port 0xffff; make size at most "
                      "0x%x",
                      a->base, a->base + a->size - 1, 0x10000 - a->base);
        else
            add_keyed(&keyed, a->base, i);
    }
    vec_sort(&keyed, sizeof(struct keyed), compare_keyed);
    uint8_t *reported = xcalloc(m->ioports.count, 1);
    const struct model_ioport *reach = NULL; /* the range so far that ends last */
    uint32_t reach_index = 0;
    for (size_t k = 0; k < keyed.count; k++) {
        uint32_t i = VEC_AT(&keyed, struct keyed, k)->index;
        const struct model_ioport *p = MODEL_IOPORT(m, i);
        if (reach && p->base < reach->base + reach->size) {
            uint32_t later = i > reach_index ? i : reach_index;
            uint32_t earlier = i ^ reach_index ^ later;
            if (reported[later]) { /* then report the other one, if it is not yet */
                uint32_t t = later;
                later = earlier;
                earlier = t;
            }
            if (!reported[later]) {
                reported[later] = 1;
                report_ports_overlap(m, later, earlier, d);
            }
        }
        if (!reach || p->base + p->size > reach->base + reach->size) {
            reach = p;
            reach_index = i;
        }
    }
    free(reported);
    vec_free(&keyed);
}

static void report_pci_twice(struct model *m, uint32_t i, uint32_t j, struct diag_sink *d)
{
    const struct model_pci *a = MODEL_PCI(m, i), *b = MODEL_PCI(m, j);
    char addr[16];
    format_pci(&a->addr, addr, sizeof(addr));
    diag_node(d, DIAG_ERROR, a->node, "address",
              "address %s: the PCI device is already given to protection_domain '%s' at "
              "line %d; a device belongs to one protection domain, remove one of them",
              addr, check_pd_name(m, b->pd), check_line(b->node));
}

static void report_bar_twice(struct model *m, uint32_t i, uint32_t j, struct diag_sink *d)
{
    const struct model_bar *a = MODEL_BAR(m, i), *b = MODEL_BAR(m, j);
    diag_node(d, DIAG_ERROR, a->node, "index",
              "index %u: this BAR of the device is already mapped at line %d; map each BAR "
              "once",
              a->index, check_line(b->node));
}

/* Each PCI device is given once, and each BAR of a device is mapped once. */
static void check_pci_devices(struct model *m, struct diag_sink *d)
{
    struct vec keyed = {0};
    for (uint32_t i = 0; i < m->pcis.count; i++)
        add_keyed(&keyed, pci_key(&MODEL_PCI(m, i)->addr), i);
    report_duplicates(m, &keyed, report_pci_twice, d);
    for (uint32_t i = 0; i < m->bars.count; i++)
        add_keyed(&keyed, (uint64_t)MODEL_BAR(m, i)->pci << 8 | MODEL_BAR(m, i)->index, i);
    report_duplicates(m, &keyed, report_bar_twice, d);
}

void check_hw(struct model *m, struct diag_sink *d)
{
    check_irqs(m, d);
    check_ioports(m, d);
    check_pci_devices(m, d);
}

bool check_cpus(struct model *m, uint32_t cpus, struct diag_sink *d)
{
    size_t before = d->errors;
    for (size_t i = 0; cpus != 0 && i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (pd->cpu >= cpus)
            diag_node(d, DIAG_ERROR, pd->node, "cpu",
                      "cpu %u: the machine has %u CPU%s (--cpus), numbered from 0; choose one "
                      "of them",
                      pd->cpu, cpus, cpus == 1 ? "" : "s");
    }
    return d->errors == before;
}
