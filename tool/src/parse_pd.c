/*
 * Parser for a <protection_domain> and everything inside it: <program_image>, <map>,
 * <irq>, <ioport>, <pci_device> with its <bar>s, <setvar>, and child protection domains.
 */
#include "late_image.h"
#include "attrs.h"
#include "parse.h"

#include <bastion/spec.h>

#include <string.h>

#define DEFAULT_PRIORITY  100
#define DEFAULT_BUDGET_US 1000
#define MAX_PERIOD_US     3600000000ULL /* one hour */
#define DEFAULT_STACK     0x4000
#define MAX_STACK         0x10000000ULL /* 256 MiB */

static const char *const map_attrs[] = {"mr",           "vaddr",        "perms", "cached",
                                        "setvar_vaddr", "setvar_paddr", NULL};

/* Parses <map>. */
static bool parse_map(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    struct model_map *map = vec_push(&m->maps, sizeof(*map));
    map->node = node;
    map->pd = pd;
    map->region = NO_INDEX;
    bool ok = attrs_only(d, node, map_attrs);
    ok &= attr_name(d, node, "mr", ATTR_REQUIRED, &map->region_name);
    ok &= attr_u64(d, node, "vaddr", ATTR_REQUIRED, 0, 0, UINT64_MAX, &map->vaddr);
    ok &= attr_perms(d, node, "perms", PERM_R | PERM_W, &map->perms);
    ok &= attr_bool(d, node, "cached", true, &map->cached);
    ok &= attr_symbol(d, node, "setvar_vaddr", ATTR_OPTIONAL, &map->setvar_vaddr);
    ok &= attr_symbol(d, node, "setvar_paddr", ATTR_OPTIONAL, &map->setvar_paddr);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses an <irq> routed through the IOAPIC (pin, trigger, polarity). */
static bool parse_irq_ioapic(struct model_irq *irq, xmlNode *node, struct diag_sink *d)
{
    static const char *const triggers[] = {"edge", "level", NULL};
    static const char *const polarities[] = {"high", "low", NULL};
    unsigned trigger, polarity;
    irq->kind = IRQ_IOAPIC;
    bool ok = attr_u32(d, node, "pin", ATTR_REQUIRED, 0, 0, 239, &irq->pin);
    ok &= attr_u32(d, node, "ioapic", ATTR_OPTIONAL, 0, 0, 7, &irq->ioapic);
    ok &= attr_choice(d, node, "trigger", triggers, TRIGGER_EDGE, &trigger);
    ok &= attr_choice(d, node, "polarity", polarities, POLARITY_HIGH, &polarity);
    irq->trigger = (enum irq_trigger)trigger;
    irq->polarity = (enum irq_polarity)polarity;
    return ok;
}

/* Parses an <irq> delivered by MSI from a PCI device of the same PD. */
static bool parse_irq_msi(struct model_irq *irq, xmlNode *node, struct diag_sink *d)
{
    static const char *const ioapic_only[] = {"ioapic", "trigger", "polarity", NULL};
    irq->kind = IRQ_MSI;
    bool ok = attr_pci(d, node, "pci", ATTR_REQUIRED, &irq->pci);
    ok &= attr_u32(d, node, "vector", ATTR_OPTIONAL, 0, 0, MODEL_MAX_PCI_MSI, &irq->msi_vector);
    for (size_t i = 0; ioapic_only[i]; i++) {
        if (attr_text(node, ioapic_only[i])) {
            diag_node(d, DIAG_ERROR, node, ioapic_only[i],
                      "%s applies only to IOAPIC interrupts (pin=\"...\"); MSIs are always "
                      "edge-triggered, remove it",
                      ioapic_only[i]);
            ok = false;
        }
    }
    return ok;
}

/* Parses <irq>: either pin="..." (IOAPIC) or pci="..." (MSI). */
static bool parse_irq(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {"id",       "pin", "ioapic", "trigger",
                                          "polarity", "pci", "vector", NULL};
    struct model_irq *irq = vec_push(&m->irqs, sizeof(*irq));
    irq->node = node;
    irq->pd = pd;
    irq->pci_index = NO_INDEX;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_u32(d, node, "id", ATTR_REQUIRED, 0, 0, MODEL_MAX_ID, &irq->id);
    bool has_pin = attr_text(node, "pin") != NULL, has_pci = attr_text(node, "pci") != NULL;
    if (has_pin && has_pci) {
        diag_node(d, DIAG_ERROR, node, "pci",
                  "an <irq> is either an IOAPIC pin or an MSI; give pin=\"...\" or pci=\"...\", "
                  "not both");
        return false;
    }
    if (!has_pin && !has_pci) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "an <irq> needs pin=\"...\" (IOAPIC input) or pci=\"bus:dev.fn\" (MSI of a "
                  "PCI device of this protection domain)");
        return false;
    }
    if (has_pin && attr_text(node, "vector")) {
        diag_node(d, DIAG_ERROR, node, "vector",
                  "vector applies only to MSIs (pci=\"...\"); remove it");
        ok = false;
    }
    ok &= has_pin ? parse_irq_ioapic(irq, node, d) : parse_irq_msi(irq, node, d);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses <ioport>: a range of x86 I/O ports. */
static bool parse_ioport(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {"id", "base", "size", NULL};
    struct model_ioport *io = vec_push(&m->ioports, sizeof(*io));
    io->node = node;
    io->pd = pd;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_u32(d, node, "id", ATTR_REQUIRED, 0, 0, MODEL_MAX_ID, &io->id);
    ok &= attr_u32(d, node, "base", ATTR_REQUIRED, 0, 0, 0xffff, &io->base);
    ok &= attr_u32(d, node, "size", ATTR_REQUIRED, 0, 1, 0x10000, &io->size);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses one <bar> of a PCI device: where the PD sees that BAR. */
static bool parse_bar(struct model *m, xmlNode *node, uint32_t pd, uint32_t pci,
                      struct diag_sink *d)
{
    static const char *const allowed[] = {"index",  "vaddr",        "size", "perms",
                                          "cached", "setvar_vaddr", NULL};
    struct model_bar *bar = vec_push(&m->bars, sizeof(*bar));
    bar->node = node;
    bar->pd = pd;
    bar->pci = pci;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_u32(d, node, "index", ATTR_REQUIRED, 0, 0, 5, &bar->index);
    ok &= attr_u64(d, node, "vaddr", ATTR_REQUIRED, 0, 0, UINT64_MAX, &bar->vaddr);
    ok &= attr_u64(d, node, "size", ATTR_REQUIRED, 0, 1, 1ULL << 40, &bar->size);
    ok &= attr_perms(d, node, "perms", PERM_R | PERM_W, &bar->perms);
    ok &= attr_bool(d, node, "cached", false, &bar->cached);
    ok &= attr_symbol(d, node, "setvar_vaddr", ATTR_OPTIONAL, &bar->setvar_vaddr);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses <pci_device address="bus:dev.fn"> and its <bar>s. */
static bool parse_pci(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {"address", "label", NULL};
    static const char *const children[] = {"bar", NULL};
    struct model_pci *pci = vec_push(&m->pcis, sizeof(*pci));
    uint32_t index = (uint32_t)(m->pcis.count - 1);
    pci->node = node;
    pci->pd = pd;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_pci(d, node, "address", ATTR_REQUIRED, &pci->addr);
    ok &= parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "bar") == 0) {
            ok &= parse_bar(m, c, pd, index, d);
        } else {
            parse_unknown_element(c, children, d);
            ok = false;
        }
    }
    return ok;
}

/*
 * Parses <setvar symbol="..." value|mac|ipv4="..."/>: a constant for a 64-bit variable of
 * the program. Exactly one of the value attributes is given.
 */
static bool parse_setvar(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {"symbol", "value", "mac", "ipv4", NULL};
    static const enum setvar_kind kinds[] = {SETVAR_VALUE, SETVAR_MAC, SETVAR_IPV4};
    struct model_setvar *sv = vec_push(&m->setvars, sizeof(*sv));
    sv->node = node;
    sv->pd = pd;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_symbol(d, node, "symbol", ATTR_REQUIRED, &sv->symbol);
    const char *first = NULL;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const char *name = setvar_kind_name(kinds[i]);
        if (!attr_text(node, name))
            continue;
        if (first) {
            diag_node(d, DIAG_ERROR, node, name,
                      "a <setvar> takes exactly one of value, mac and ipv4, but has both %s and "
                      "%s; remove one",
                      first, name);
            return false;
        }
        first = name;
        sv->kind = kinds[i];
    }
    if (!first) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a <setvar> needs its value: add value=\"...\" (a number), mac=\"...\" "
                  "(a MAC address) or ipv4=\"...\" (an IPv4 address)");
        return false;
    }
    if (sv->kind == SETVAR_VALUE)
        ok &= attr_u64(d, node, "value", ATTR_REQUIRED, 0, 0, UINT64_MAX, &sv->value);
    else if (sv->kind == SETVAR_MAC)
        ok &= attr_mac(d, node, "mac", &sv->value);
    else
        ok &= attr_ipv4(d, node, "ipv4", &sv->value);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses <program_image path="..."/>; a PD has exactly one. */
static bool parse_image(struct model_pd *pd, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"path", NULL};
    if (pd->image_node) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a protection domain has exactly one <program_image>; remove this one");
        return false;
    }
    pd->image_node = node;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_path(d, node, "path", ATTR_REQUIRED, &pd->image);
    ok &= parse_empty(node, d);
    return ok;
}

/* Dispatches one child element of a PD whose index is `pd`. */
static bool parse_pd_child(struct model *m, xmlNode *c, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {
        "program_image",     "late_image",      "map", "irq", "ioport", "pci_device", "setvar",
        "protection_domain", "virtual_machine", NULL};
    const char *name = (const char *)c->name;
    if (strcmp(name, "program_image") == 0)
        return parse_image(MODEL_PD(m, pd), c, d);
    if (strcmp(name, "late_image") == 0)
        return parse_late_image(m, c, pd, d);
    if (strcmp(name, "map") == 0)
        return parse_map(m, c, pd, d);
    if (strcmp(name, "irq") == 0)
        return parse_irq(m, c, pd, d);
    if (strcmp(name, "ioport") == 0)
        return parse_ioport(m, c, pd, d);
    if (strcmp(name, "pci_device") == 0)
        return parse_pci(m, c, pd, d);
    if (strcmp(name, "setvar") == 0)
        return parse_setvar(m, c, pd, d);
    if (strcmp(name, "protection_domain") == 0)
        return parse_pd(m, c, pd, d);
    if (strcmp(name, "virtual_machine") == 0)
        return parse_vm(m, c, pd, d);
    parse_unknown_element(c, allowed, d);
    return false;
}

/* Reads budget and period (microseconds); each defaults to the other, both to 1000. */
static bool parse_budget_period(struct model_pd *pd, xmlNode *node, struct diag_sink *d)
{
    bool has_budget = attr_text(node, "budget"), has_period = attr_text(node, "period");
    bool ok = attr_u64(d, node, "budget", ATTR_OPTIONAL, DEFAULT_BUDGET_US, 1, MAX_PERIOD_US,
                       &pd->budget);
    ok &= attr_u64(d, node, "period", ATTR_OPTIONAL, DEFAULT_BUDGET_US, 1, MAX_PERIOD_US,
                   &pd->period);
    if (has_budget && !has_period)
        pd->period = pd->budget;
    if (has_period && !has_budget)
        pd->budget = pd->period;
    return ok;
}

/* Reads on_fault, max_restarts and backoff (docs/supervision.md): a child's disposition,
 * which its parent applies. Checked here, per PD: nothing else is involved. */
static bool parse_supervision(struct model_pd *pd, xmlNode *node, bool child, struct diag_sink *d)
{
    static const char *const dispositions[] = {"none", "restart",  "backoff",
                                               "stop", "escalate", NULL};
    unsigned on_fault = BASTION_ON_FAULT_NONE;
    bool ok = attr_choice(d, node, "on_fault", dispositions, BASTION_ON_FAULT_NONE, &on_fault);
    ok &= attr_u32(d, node, "max_restarts", ATTR_OPTIONAL, 0, 0, BASTION_SUPERVISION_MAX_RESTARTS,
                   &pd->max_restarts);
    ok &= attr_u64(d, node, "backoff", ATTR_OPTIONAL, 0, 1000,
                   BASTION_SUPERVISION_MAX_BACKOFF_MS * 1000ULL, &pd->backoff_us);
    pd->on_fault = on_fault;
    if (!ok)
        return false;
    bool restarts = on_fault == BASTION_ON_FAULT_RESTART || on_fault == BASTION_ON_FAULT_BACKOFF;
    if (on_fault != BASTION_ON_FAULT_NONE && !child) {
        diag_node(d, DIAG_ERROR, node, "on_fault",
                  "on_fault is for child protection domains: a top-level PD's faults go to "
                  "init, which only reports them; nest it in a supervisor PD");
        return false;
    }
    if (attr_text(node, "max_restarts") && !restarts) {
        diag_node(d, DIAG_ERROR, node, "max_restarts",
                  "max_restarts applies only to on_fault=\"restart\" or \"backoff\"; remove it");
        return false;
    }
    if (attr_text(node, "backoff") && on_fault != BASTION_ON_FAULT_BACKOFF) {
        diag_node(d, DIAG_ERROR, node, "backoff",
                  "backoff applies only to on_fault=\"backoff\"; remove it");
        return false;
    }
    if (on_fault == BASTION_ON_FAULT_BACKOFF && !attr_text(node, "backoff")) {
        diag_node(d, DIAG_ERROR, node, "on_fault",
                  "on_fault=\"backoff\" needs backoff=\"...\": the first delay in microseconds");
        return false;
    }
    if (pd->backoff_us % 1000) {
        diag_node(d, DIAG_ERROR, node, "backoff",
                  "backoff %s is not a whole number of milliseconds; use a multiple of 1000 us",
                  attr_text(node, "backoff"));
        return false;
    }
    return true;
}

/* Reads the attributes of a PD; `child` when it is nested in another PD. */
static bool parse_pd_attrs(struct model_pd *pd, xmlNode *node, bool child, struct diag_sink *d)
{
    static const char *const allowed[] = {
        "name",   "priority", "budget",   "period",       "passive", "stack_size", "cpu",
        "domain", "id",       "on_fault", "max_restarts", "backoff", "label",      NULL};
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "name", ATTR_REQUIRED, &pd->name);
    ok &= attr_u32(d, node, "priority", ATTR_OPTIONAL, DEFAULT_PRIORITY, 0, MODEL_MAX_PRIORITY,
                   &pd->priority);
    ok &= parse_budget_period(pd, node, d);
    ok &= attr_bool(d, node, "passive", false, &pd->passive);
    ok &= attr_u64(d, node, "stack_size", ATTR_OPTIONAL, DEFAULT_STACK, 0x1000, MAX_STACK,
                   &pd->stack_size);
    if (ok && pd->stack_size % 0x1000) {
        diag_node(d, DIAG_ERROR, node, "stack_size",
                  "stack_size %s is not a multiple of the page size 0x1000; round it up to "
                  "0x%llx",
                  attr_text(node, "stack_size"),
                  (unsigned long long)((pd->stack_size + 0xfff) & ~0xfffULL));
        ok = false;
    }
    ok &= attr_u32(d, node, "cpu", ATTR_OPTIONAL, 0, 0, MODEL_MAX_CPU, &pd->cpu);
    ok &= attr_name(d, node, "domain", ATTR_OPTIONAL, &pd->domain_name);
    pd->has_child_id = attr_text(node, "id") != NULL;
    ok &= attr_u32(d, node, "id", ATTR_OPTIONAL, 0, 0, MODEL_MAX_ID, &pd->child_id);
    if (child && !pd->has_child_id) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a child protection domain needs id=\"...\" (0 to 62), the number its parent "
                  "uses to control it");
        ok = false;
    } else if (!child && pd->has_child_id) {
        diag_node(d, DIAG_ERROR, node, "id",
                  "id is only for child protection domains (nested in another "
                  "<protection_domain>); remove it");
        ok = false;
    }
    ok &= parse_supervision(pd, node, child, d);
    return ok;
}

bool parse_pd(struct model *m, xmlNode *node, uint32_t parent, struct diag_sink *d)
{
    struct model_pd *pd = vec_push(&m->pds, sizeof(*pd));
    uint32_t index = (uint32_t)(m->pds.count - 1);
    pd->node = node;
    pd->parent = parent;
    pd->domain = NO_INDEX;
    bool ok = parse_pd_attrs(pd, node, parent != NO_INDEX, d);
    ok &= parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            ok &= parse_pd_child(m, c, index, d); /* may move m->pds: no `pd` below */
    }
    if (!MODEL_PD(m, index)->image_node) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "missing <program_image>; add <program_image path=\"NAME.elf\"/>");
        ok = false;
    }
    return ok;
}
