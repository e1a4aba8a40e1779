/*
 * The in-memory model of a system description, as the parser builds it and the checks,
 * layout and writers read it. Every entity keeps the element it came from so that any
 * later stage can report a located diagnostic. Strings point into the parsed document,
 * which lives as long as the model. Cross references are indices (NO_INDEX when unset).
 */
#ifndef BASTION_TOOL_MODEL_H
#define BASTION_TOOL_MODEL_H

#include "colours.h"
#include "util.h"

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NO_INDEX UINT32_MAX

/* Limits that the checks enforce; documented in docs/system-description.md. */
#define MODEL_MAX_ID         62  /* channel, IRQ, I/O port and child ids are 0..62 */
#define MODEL_MAX_PRIORITY   254 /* 255 belongs to init */
#define MODEL_MAX_CPU        63
#define MODEL_MAX_NAME       63
#define MODEL_MAX_PCI_MSI    31
#define MODEL_USER_VADDR_MIN 0x10000ULL        /* below: a guard against null pointers */
#define MODEL_USER_VADDR_END 0x7f0000000000ULL /* above: stack, IPC buffer (spec.h) */

enum perm_bits {
    PERM_R = 1,
    PERM_W = 2,
    PERM_X = 4,
};

struct pci_addr {
    uint8_t bus;
    uint8_t dev;
    uint8_t fn;
};

enum region_platform { REGION_PLATFORM_NONE, REGION_PLATFORM_HPET };

struct model_region {
    const char *name;
    xmlNode *node;
    uint64_t size;
    uint64_t page_size;
    uint64_t phys_addr;
    bool has_phys;
    enum region_platform platform; /* the platform device it is (platform="..."), if any */
    const char *prefill;           /* file name as written, or NULL */
    char *prefill_path;            /* resolved path once found (owned) */
    uint64_t prefill_size;
};

/* A region init allocates from RAM: neither a fixed address nor a platform device's. */
static inline bool model_region_is_ram(const struct model_region *r)
{
    return !r->has_phys && r->platform == REGION_PLATFORM_NONE;
}

struct model_map {
    uint32_t pd;
    uint32_t region; /* resolved by the name checks */
    const char *region_name;
    xmlNode *node;
    uint64_t vaddr;
    uint8_t perms;
    bool cached;
    const char *setvar_vaddr;
    const char *setvar_paddr;
};

enum irq_kind {
    IRQ_IOAPIC,
    IRQ_MSI,
};

enum irq_trigger {
    TRIGGER_EDGE,
    TRIGGER_LEVEL,
};

enum irq_polarity {
    POLARITY_HIGH,
    POLARITY_LOW,
};

struct model_irq {
    uint32_t pd;
    xmlNode *node;
    uint32_t id;
    enum irq_kind kind;
    uint32_t ioapic;
    uint32_t pin;
    enum irq_trigger trigger;
    enum irq_polarity polarity;
    struct pci_addr pci;
    uint32_t pci_index; /* the PD's <pci_device> the MSI belongs to, resolved by checks */
    uint32_t msi_vector;
};

struct model_ioport {
    uint32_t pd;
    xmlNode *node;
    uint32_t id;
    uint32_t base;
    uint32_t size;
    const char *setvar_base;
};

struct model_pci {
    uint32_t pd;
    xmlNode *node;
    struct pci_addr addr;
};

struct model_bar {
    uint32_t pd;
    uint32_t pci; /* index into model.pcis */
    xmlNode *node;
    uint32_t index;
    uint64_t vaddr;
    uint64_t size;
    uint8_t perms;
    bool cached;
    const char *setvar_vaddr;
};

/* How a <setvar> wrote its value: the attribute it came from. */
enum setvar_kind {
    SETVAR_VALUE, /* value="...": a number */
    SETVAR_MAC,   /* mac="52:54:00:12:34:56": first octet most significant */
    SETVAR_IPV4,  /* ipv4="10.0.2.15": first octet most significant */
};

/* A <setvar>: a constant the tool writes into a 64-bit variable of the PD's program. */
struct model_setvar {
    uint32_t pd;
    xmlNode *node;
    const char *symbol;
    enum setvar_kind kind;
    uint64_t value;
};

/* A <virtual_machine> inside its VMM's PD (docs/virtualisation.md, "system.xml"): the
 * guest whose VCPU the PD's thread runs, and the guest-physical space it runs in. */
struct model_vm {
    uint32_t pd; /* the VMM PD */
    xmlNode *node;
    const char *name;
    uint32_t vcpus;     /* <vcpu> children */
    xmlNode *vcpu_node; /* the first */
};

/* A <map> inside a <virtual_machine>: a region at a guest-physical address. */
struct model_vm_map {
    uint32_t vm;
    uint32_t region; /* resolved by check_vm_resolve */
    const char *region_name;
    xmlNode *node;
    uint64_t gpa;
    uint8_t perms;
};

#define MODEL_GUEST_PHYS_TOP 0x0001000000000000ULL /* bastion/vcpu.h's BST_GUEST_PHYS_TOP */
#define MODEL_MAX_VCPUS      1                     /* the VMM PD runs its VCPU on its one thread */

struct elf_image;   /* elf.h */
struct flow_policy; /* flow.h */

struct model_pd {
    const char *name;
    xmlNode *node;
    uint32_t parent; /* NO_INDEX for a top-level PD */
    uint32_t child_id;
    bool has_child_id;
    uint32_t priority;
    uint64_t budget;
    uint64_t period;
    bool passive;
    uint64_t stack_size;
    uint32_t cpu;
    const char *domain_name;
    uint32_t domain;
    uint32_t on_fault;     /* enum bastion_on_fault; BASTION_ON_FAULT_NONE without one */
    uint32_t max_restarts; /* 0: no limit */
    uint64_t backoff_us;   /* on_fault="backoff": the first delay */
    const char *image;     /* program image file name as written */
    xmlNode *image_node;
    char *image_path;      /* resolved path once found (owned) */
    struct elf_image *elf; /* loaded image, or NULL */
    xmlNode *late_node;    /* <late_image> (then image is NULL), or NULL */
    uint64_t late_vaddr;   /* the range its image may occupy */
    uint64_t late_max_size;
    uint32_t late_digests; /* <digest> children */
};

struct model_end {
    const char *pd_name;
    uint32_t pd; /* resolved by the name checks */
    xmlNode *node;
    uint32_t id;
    bool notify;
    bool pp;
};

struct model_channel {
    xmlNode *node;
    struct model_end end[2];
};

/* Time protection of a slot (docs/system-description.md): flush="..." on <domain> or,
 * for every domain, on <domain_schedule>. */
enum domain_flush { DOMAIN_FLUSH_NONE, DOMAIN_FLUSH_CORE, DOMAIN_FLUSH_ALL };

struct model_domain {
    const char *name;
    xmlNode *node;
    uint64_t length;
    uint64_t pad; /* microseconds kept at the slot's end for the switch (0: none) */
    enum domain_flush flush;
    bool pad_inherited; /* the pad is the <domain_schedule>'s */
    bool has_colours;   /* colours="..." (colours.h) */
    struct colour_set colours;
};

struct model {
    xmlNode *root;
    struct vec pds;      /* struct model_pd, parents before children */
    struct vec regions;  /* struct model_region */
    struct vec maps;     /* struct model_map */
    struct vec channels; /* struct model_channel */
    struct vec irqs;     /* struct model_irq */
    struct vec ioports;  /* struct model_ioport */
    struct vec pcis;     /* struct model_pci */
    struct vec bars;     /* struct model_bar */
    struct vec setvars;  /* struct model_setvar */
    struct vec domains;  /* struct model_domain */
    struct vec vms;      /* struct model_vm */
    struct vec vm_maps;  /* struct model_vm_map */
    bool has_domain_schedule;
    xmlNode *domain_schedule_node;
    uint64_t schedule_pad;            /* <domain_schedule pad="..."> (0: none) */
    enum domain_flush schedule_flush; /* <domain_schedule flush="..."> */
    uint32_t colour_total;            /* <domain_schedule colours="N"> (0: no colouring) */
    uint64_t colour_memory;           /* <domain_schedule memory="..."> coloured RAM */
    struct flow_policy *flow;         /* <flow_policy>, or NULL (flow.h) */
};

#define MODEL_PD(m, i)      VEC_AT(&(m)->pds, struct model_pd, i)
#define MODEL_REGION(m, i)  VEC_AT(&(m)->regions, struct model_region, i)
#define MODEL_MAP(m, i)     VEC_AT(&(m)->maps, struct model_map, i)
#define MODEL_CHANNEL(m, i) VEC_AT(&(m)->channels, struct model_channel, i)
#define MODEL_IRQ(m, i)     VEC_AT(&(m)->irqs, struct model_irq, i)
#define MODEL_IOPORT(m, i)  VEC_AT(&(m)->ioports, struct model_ioport, i)
#define MODEL_PCI(m, i)     VEC_AT(&(m)->pcis, struct model_pci, i)
#define MODEL_BAR(m, i)     VEC_AT(&(m)->bars, struct model_bar, i)
#define MODEL_SETVAR(m, i)  VEC_AT(&(m)->setvars, struct model_setvar, i)
#define MODEL_DOMAIN(m, i)  VEC_AT(&(m)->domains, struct model_domain, i)
#define MODEL_VM(m, i)      VEC_AT(&(m)->vms, struct model_vm, i)
#define MODEL_VM_MAP(m, i)  VEC_AT(&(m)->vm_maps, struct model_vm_map, i)

void model_free(struct model *m);

/*
 * The elements of one model vector grouped by one of their uint32_t members (the PD of a
 * map, the device of a BAR, ...), in one counting sort: the elements of group g, in
 * description order, are index[first[g]] .. index[first[g + 1] - 1]. Lets per-PD (or
 * per-device) work visit each element once instead of scanning all of them per group.
 * A member value of `groups` or more (NO_INDEX) lands in one extra group, at the end.
 */
struct model_groups {
    uint32_t *first; /* groups + 2 entries */
    uint32_t *index;
};

void model_group(struct model_groups *g, size_t groups, const struct vec *v, size_t elem_size,
                 size_t key_offset);
void model_groups_free(struct model_groups *g);

/* Groups vector `vec` of `type` elements by their `member`, which is below `groups`. */
#define MODEL_GROUP_BY(g, groups, vec, type, member)                                               \
    model_group(g, groups, vec, sizeof(type), offsetof(type, member))

/* Index of the PD/region/domain with that name, or NO_INDEX. */
uint32_t model_find_pd(const struct model *m, const char *name);
uint32_t model_find_region(const struct model *m, const char *name);
uint32_t model_find_domain(const struct model *m, const char *name);

/* Writes "rwx"-style text for perms into buf (at least 4 bytes). */
void perms_to_text(uint8_t perms, char *buf);

/* The attribute name of a setvar kind: "value", "mac" or "ipv4". */
const char *setvar_kind_name(enum setvar_kind kind);

/*
 * Writes a setvar's value the way its kind is written in system.xml, normalised:
 * "52:54:00:12:34:56" (lower case), "10.0.2.15", or the number in hexadecimal. `buf`
 * needs MODEL_SETVAR_TEXT bytes.
 */
#define MODEL_SETVAR_TEXT 24
void setvar_to_text(const struct model_setvar *sv, char *buf);

#endif
