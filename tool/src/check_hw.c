/*
 * Hardware checks: every IOAPIC pin, MSI, I/O port and PCI device is given to at most one
 * protection domain, once; an MSI names a PCI device of its own PD; I/O port ranges fit
 * in the 64 KiB port space; each BAR of a device is described once.
 */
#include "check.h"

#include <stdio.h>
#include <string.h>

static void format_pci(const struct pci_addr *a, char *buf, size_t size)
{
    snprintf(buf, size, "%02x:%02x.%x", a->bus, a->dev, a->fn);
}

static bool same_pci(const struct pci_addr *a, const struct pci_addr *b)
{
    return a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

/* Reports an IOAPIC pin given twice, or an MSI given twice. */
static void check_irq_unique(struct model *m, size_t i, struct diag_sink *d)
{
    struct model_irq *a = MODEL_IRQ(m, i);
    for (size_t j = 0; j < i; j++) {
        struct model_irq *b = MODEL_IRQ(m, j);
        if (a->kind != b->kind)
            continue;
        if (a->kind == IRQ_IOAPIC && a->ioapic == b->ioapic && a->pin == b->pin) {
            diag_node(d, DIAG_ERROR, a->node, "pin",
                      "pin %u of IOAPIC %u is already given to protection_domain '%s' at line "
                      "%d; an interrupt goes to one place only, remove one of them",
                      a->pin, a->ioapic, check_pd_name(m, b->pd), check_line(b->node));
            return;
        }
        if (a->kind == IRQ_MSI && same_pci(&a->pci, &b->pci) && a->msi_vector == b->msi_vector) {
            char pci[16];
            format_pci(&a->pci, pci, sizeof(pci));
            diag_node(d, DIAG_ERROR, a->node, "vector",
                      "MSI vector %u of PCI device %s is already used at line %d; give each "
                      "<irq> of a device its own vector",
                      a->msi_vector, pci, check_line(b->node));
            return;
        }
    }
}

/* An MSI belongs to a PCI device that the same PD owns. */
static void check_msi_owner(struct model *m, struct model_irq *irq, struct diag_sink *d)
{
    for (size_t j = 0; j < m->pcis.count; j++) {
        struct model_pci *pci = MODEL_PCI(m, j);
        if (pci->pd == irq->pd && same_pci(&pci->addr, &irq->pci)) {
            irq->pci_index = (uint32_t)j;
            return;
        }
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
    for (size_t i = 0; i < m->irqs.count; i++) {
        struct model_irq *irq = MODEL_IRQ(m, i);
        check_irq_unique(m, i, d);
        if (irq->kind == IRQ_MSI)
            check_msi_owner(m, irq, d);
        else if (irq->pin > 23)
            diag_node(d, DIAG_WARNING, irq->node, "pin",
                      "pin %u is above 23, and most IOAPICs have 24 inputs; check the "
                      "machine's MADT",
                      irq->pin);
    }
}

static void check_ioports(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->ioports.count; i++) {
        struct model_ioport *a = MODEL_IOPORT(m, i);
        if (a->base + a->size > 0x10000) {
            diag_node(d, DIAG_ERROR, a->node, "size",
                      "ports 0x%x-0x%x go beyond the last I/O port 0xffff; make size at most "
                      "0x%x",
                      a->base, a->base + a->size - 1, 0x10000 - a->base);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            struct model_ioport *b = MODEL_IOPORT(m, j);
            if (a->base >= b->base + b->size || b->base >= a->base + a->size)
                continue;
            diag_node(d, DIAG_ERROR, a->node, "base",
                      "base 0x%x: ports 0x%x-0x%x overlap ports 0x%x-0x%x given to "
                      "protection_domain '%s' at line %d; an I/O port belongs to one place only",
                      a->base, a->base, a->base + a->size - 1, b->base, b->base + b->size - 1,
                      check_pd_name(m, b->pd), check_line(b->node));
            break;
        }
    }
}

static void check_pci_devices(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->pcis.count; i++) {
        struct model_pci *a = MODEL_PCI(m, i);
        for (size_t j = 0; j < i; j++) {
            struct model_pci *b = MODEL_PCI(m, j);
            if (!same_pci(&a->addr, &b->addr))
                continue;
            char addr[16];
            format_pci(&a->addr, addr, sizeof(addr));
            diag_node(d, DIAG_ERROR, a->node, "address",
                      "address %s: the PCI device is already given to protection_domain '%s' at "
                      "line %d; a device belongs to one protection domain, remove one of them",
                      addr, check_pd_name(m, b->pd), check_line(b->node));
            break;
        }
    }
    for (size_t i = 0; i < m->bars.count; i++) {
        struct model_bar *a = MODEL_BAR(m, i);
        for (size_t j = 0; j < i; j++) {
            struct model_bar *b = MODEL_BAR(m, j);
            if (a->pci != b->pci || a->index != b->index)
                continue;
            diag_node(d, DIAG_ERROR, a->node, "index",
                      "index %u: this BAR of the device is already mapped at line %d; map each BAR "
                      "once",
                      a->index, check_line(b->node));
            break;
        }
    }
}

void check_hw(struct model *m, struct diag_sink *d)
{
    check_irqs(m, d);
    check_ioports(m, d);
    check_pci_devices(m, d);
}
