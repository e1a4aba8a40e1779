/*
 * The packed system specification: what the `bastion` tool writes (image/system.spec)
 * and what `init` reads to build the system. This header is the single definition of
 * the format for both; it is freestanding (only <stdint.h> and <stddef.h>).
 *
 * Layout
 *   A spec is one contiguous little-endian blob. It starts with struct bastion_spec_header,
 *   which holds the magic, the version, the total size, a checksum, and one table
 *   descriptor (offset, count) per table in enum bastion_spec_table_id. Every offset is in
 *   bytes from the start of the blob; there are no pointers. Each table is an array of
 *   fixed-size entries (sizes pinned below), aligned to 8 bytes; the STRINGS and DATA
 *   tables are byte arrays (count = bytes). Strings are referenced by their byte offset
 *   in STRINGS and are NUL-terminated. References between tables are entry indices;
 *   BASTION_SPEC_NONE means "none".
 *
 * Reading it (what init must do)
 *   1. Check magic, version, header_size == sizeof(struct bastion_spec_header), that
 *      total_size fits the memory it was loaded into, and the checksum.
 *   2. For each table check offset % 8 == 0 and offset + count * entry size <= total_size.
 *   3. Create the OBJECTS (in table order) from untyped memory, copy each SEGMENT's file
 *      bytes (DATA) into its frames and zero the rest, copy REGION prefill data, map
 *      MAPS/SEGMENTS/BARS/stack/IPC buffer into each PD's VSpace, apply PATCHES (values
 *      only known at boot, such as a region's physical address), mint CAPS into each PD's
 *      CNode, set up IRQS and IOPORTS, configure scheduling contexts and domains, start
 *      PDs that are not passive.
 *
 * Version history
 *   1  first version. (Added since, compatibly: the FLOW table. A spec written before it
 *      has that table's descriptor zero, which reads as an empty table: no policy.)
 *   2  room for 24 table descriptors in the header (it was 16, all used), and the
 *      COLOURS table (cache colouring of the domains; empty: none).
 *   3  the VMS and VM_MAPS tables (<virtual_machine>: guests and their guest-physical
 *      maps). Bumped rather than added compatibly: an init that ignored them would start
 *      a VMM PD without its guest.
 */
#ifndef BASTION_SPEC_H
#define BASTION_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define BASTION_SPEC_MAGIC       0x4345505354534142ULL /* bytes "BASTSPEC" */
#define BASTION_SPEC_VERSION     3u
#define BASTION_SPEC_NONE        0xffffffffu
#define BASTION_SPEC_ALIGN       8u
#define BASTION_SPEC_TABLE_SLOTS 24u /* table descriptors the header has room for */

/* Address-space layout of every protection domain (x86_64 user half). */
#define BASTION_USER_VADDR_MIN   0x10000ULL        /* below: null-pointer guard */
#define BASTION_USER_VADDR_END   0x7f0000000000ULL /* images and <map>s lie below this */
#define BASTION_IPC_BUFFER_VADDR 0x7f0000000000ULL /* one 4 KiB frame */
#define BASTION_STACK_TOP        0x7ff000000000ULL /* stack grows down from here */
#define BASTION_PAGE_SIZE        0x1000ULL
/* The configuration space of the PD's k-th <pci_device> (in the order of the spec's
 * PCI_DEVICES table) is the 4 KiB page at BASTION_PCI_CONFIG_VADDR + k * 0x1000: with
 * ECAM the function's own page, read-write; with the legacy mechanism a read-only copy
 * init took after configuring the function (docs/drivers.md, "PCI devices"). */
#define BASTION_PCI_CONFIG_VADDR 0x7f8000000000ULL

/* Per-PD CSpace: a CNode of 2^BASTION_CNODE_BITS slots with this fixed layout. */
#define BASTION_CNODE_BITS          9u
#define BASTION_SLOT_TCB            1u
#define BASTION_SLOT_VSPACE         2u
#define BASTION_SLOT_CNODE          3u
#define BASTION_SLOT_NOTIFICATION   4u /* own notification (bound to the TCB) */
#define BASTION_SLOT_ENDPOINT       5u /* own endpoint, present when someone may call */
#define BASTION_SLOT_REPLY          6u
#define BASTION_SLOT_SCHED_CONTEXT  7u
#define BASTION_SLOT_IOSPACE        8u   /* read-only: its devices' I/O space (IOMMU faults) */
#define BASTION_SLOT_VCPU           9u   /* a VMM PD's guest: the VCPU (docs/virtualisation.md) */
#define BASTION_SLOT_GSPACE         10u  /* a VMM PD's guest: its guest-physical space */
#define BASTION_SLOT_NOTIFY_BASE    64u  /* + channel id: send to the peer's notification */
#define BASTION_SLOT_PPCALL_BASE    128u /* + channel id: call the peer's endpoint */
#define BASTION_SLOT_IRQ_BASE       192u /* + irq id: IRQHandler */
#define BASTION_SLOT_IOPORT_BASE    256u /* + ioport id: IOPort range */
#define BASTION_SLOT_CHILD_TCB_BASE 320u /* + child id */
#define BASTION_SLOT_CHILD_SC_BASE  384u /* + child id */
#define BASTION_MAX_ID              62u

/* Badges: a notification carries 1 << (receiver's channel id); a call carries the
 * receiver's channel id with BASTION_BADGE_PPCALL set. */
#define BASTION_BADGE_PPCALL (1ULL << 63)

enum bastion_spec_table_id {
    BASTION_TABLE_STRINGS = 0, /* bytes */
    BASTION_TABLE_DATA,        /* bytes: segment contents and prefill data */
    BASTION_TABLE_PDS,         /* struct bastion_spec_pd */
    BASTION_TABLE_REGIONS,     /* struct bastion_spec_region */
    BASTION_TABLE_MAPS,        /* struct bastion_spec_map */
    BASTION_TABLE_CHANNELS,    /* struct bastion_spec_channel */
    BASTION_TABLE_IRQS,        /* struct bastion_spec_irq */
    BASTION_TABLE_IOPORTS,     /* struct bastion_spec_ioport */
    BASTION_TABLE_PCI_DEVICES, /* struct bastion_spec_pci_device */
    BASTION_TABLE_BARS,        /* struct bastion_spec_bar */
    BASTION_TABLE_DOMAINS,     /* struct bastion_spec_domain, in schedule order */
    BASTION_TABLE_SEGMENTS,    /* struct bastion_spec_segment */
    BASTION_TABLE_PATCHES,     /* struct bastion_spec_patch */
    BASTION_TABLE_OBJECTS,     /* struct bastion_spec_object */
    BASTION_TABLE_CAPS,        /* struct bastion_spec_cap */
    BASTION_TABLE_FLOW,        /* struct bastion_spec_flow: the flow policy; empty: none */
    BASTION_TABLE_COLOURS,     /* struct bastion_spec_colour: cache colouring; empty: none */
    BASTION_TABLE_VMS,         /* struct bastion_spec_vm: <virtual_machine>s; empty: none */
    BASTION_TABLE_VM_MAPS,     /* struct bastion_spec_vm_map, grouped by VM in VMS order */
    BASTION_TABLE_COUNT,
};

struct bastion_spec_table {
    uint32_t offset;
    uint32_t count;
};

struct bastion_spec_header {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;
    uint64_t total_size;
    uint32_t checksum; /* bastion_spec_checksum() of the blob with this field as 0 */
    uint32_t flags;    /* none defined; 0 */
    /* [enum bastion_spec_table_id]; the rest zero */
    struct bastion_spec_table tables[BASTION_SPEC_TABLE_SLOTS];
};

enum bastion_spec_pd_flags {
    BASTION_PD_PASSIVE = 1u,
    /* An empty PD, loaded late (<late_image>, docs/late-loading.md): no image at boot and
     * not started. Its one SEGMENTS entry is the range its image may occupy (vaddr, memsz =
     * max_size, filesz 0, perms 0: frames made, nothing mapped), and `digests` SHA-256
     * digests (32 bytes each) of the images it may be given lie at DATA[data_offset]. Its
     * parent asks init to load it. */
    BASTION_PD_LATE = 2u,
};

struct bastion_spec_pd {
    uint32_t name;     /* string */
    uint32_t parent;   /* PD index, or NONE for a top-level PD */
    uint32_t child_id; /* id under its parent (valid when parent != NONE) */
    uint8_t priority;
    uint8_t flags; /* enum bastion_spec_pd_flags */
    uint8_t cpu;
    uint8_t domain; /* index into DOMAINS; 0 when there is no schedule */
    uint64_t budget_us;
    uint64_t period_us;
    uint64_t entry;
    uint64_t stack_top;
    uint64_t stack_size;
    uint64_t ipc_buffer;
    uint32_t first_segment; /* SEGMENTS[first_segment .. +segment_count) */
    uint32_t segment_count;
    uint32_t first_cap; /* CAPS[first_cap .. +cap_count) */
    uint32_t cap_count;
    uint32_t tcb; /* OBJECTS indices of this PD's own objects */
    uint32_t sched_context;
    uint32_t vspace;
    uint32_t cnode;
    uint32_t notification;
    uint32_t endpoint; /* NONE when nothing may call the PD */
    uint32_t reply;
    uint32_t stack_frames;
    uint32_t ipc_buffer_frame;
    uint32_t supervision; /* a child's disposition on a fault: BASTION_SUPERVISION_WORD() */
};

/*
 * Supervision (docs/supervision.md): what a child's parent does when the child faults,
 * from <protection_domain on_fault="..." max_restarts="..." backoff="...">. One word per
 * PD: bits 0-2 the disposition, bits 3-12 max_restarts (0: no limit), bits 13-31 the
 * first back-off in milliseconds. 0 (BASTION_ON_FAULT_NONE) leaves the decision to the
 * parent's own fault() code.
 */
enum bastion_on_fault {
    BASTION_ON_FAULT_NONE = 0,     /* the parent's fault() decides, as without supervision */
    BASTION_ON_FAULT_RESTART = 1,  /* re-initialise it at once */
    BASTION_ON_FAULT_BACKOFF = 2,  /* re-initialise it after a delay that doubles per fault */
    BASTION_ON_FAULT_STOP = 3,     /* leave it stopped */
    BASTION_ON_FAULT_ESCALATE = 4, /* leave it stopped; the parent faults, for its own parent */
};
#define BASTION_SUPERVISION_MAX_RESTARTS   1023u
#define BASTION_SUPERVISION_MAX_BACKOFF_MS 524287u
#define BASTION_SUPERVISION_WORD(on_fault, max_restarts, backoff_ms)                               \
    ((uint32_t)(on_fault) | (uint32_t)(max_restarts) << 3 | (uint32_t)(backoff_ms) << 13)
#define BASTION_SUPERVISION_ON_FAULT(word)     ((word)&7u)
#define BASTION_SUPERVISION_MAX_RESTARTS_OF(w) (((w) >> 3) & 0x3ffu)
#define BASTION_SUPERVISION_BACKOFF_MS(word)   ((word) >> 13)

enum bastion_spec_region_flags {
    BASTION_REGION_FIXED_PHYS = 1u, /* phys_addr is given: use that device/RAM range */
    BASTION_REGION_PREFILL = 2u,    /* DATA[data_offset .. +data_size) goes at its start */
    /* platform="hpet": the HPET's registers. init checks phys_addr against ACPI's HPET
     * table, or takes the address from it when phys_addr is left out. */
    BASTION_REGION_PLATFORM_HPET = 4u,
};

struct bastion_spec_region {
    uint32_t name;
    uint32_t flags; /* enum bastion_spec_region_flags */
    uint64_t size;
    uint64_t page_size;
    uint64_t phys_addr;
    uint32_t data_offset;
    uint32_t data_size;
    uint32_t frames; /* OBJECTS index of its frames */
    uint32_t reserved;
};

enum bastion_spec_perms {
    BASTION_PERM_R = 1u,
    BASTION_PERM_W = 2u,
    BASTION_PERM_X = 4u,
};

struct bastion_spec_map {
    uint32_t pd;
    uint32_t region;
    uint64_t vaddr;
    uint8_t perms; /* enum bastion_spec_perms */
    uint8_t cached;
    uint8_t reserved[6];
};

enum bastion_spec_end_flags {
    BASTION_END_NOTIFY = 1u, /* this end may notify the other */
    BASTION_END_PP = 2u,     /* this end may call the other */
};

struct bastion_spec_channel {
    uint32_t pd[2];
    uint8_t id[2];
    uint8_t flags[2]; /* enum bastion_spec_end_flags */
    uint32_t reserved;
};

enum bastion_spec_irq_kind {
    BASTION_IRQ_IOAPIC = 0u,
    BASTION_IRQ_MSI = 1u,
};

struct bastion_spec_irq {
    uint32_t pd;
    uint8_t id;
    uint8_t kind;     /* enum bastion_spec_irq_kind */
    uint8_t trigger;  /* IOAPIC: 0 edge, 1 level */
    uint8_t polarity; /* IOAPIC: 0 active high, 1 active low */
    uint8_t ioapic;
    uint8_t pin;
    uint8_t bus; /* MSI: the device and its vector index */
    uint8_t dev;
    uint8_t fn;
    uint8_t vector;
    uint8_t reserved[2];
};

struct bastion_spec_ioport {
    uint32_t pd;
    uint8_t id;
    uint8_t reserved;
    uint16_t base;
    uint32_t size;
    uint32_t reserved2;
};

struct bastion_spec_pci_device {
    uint32_t pd;
    uint8_t bus;
    uint8_t dev;
    uint8_t fn;
    uint8_t reserved;
};

/* A BAR mapping: init reads the BAR's physical address from config space at boot and
 * refuses to start when the BAR is smaller than `size`. */
struct bastion_spec_bar {
    uint32_t pd;
    uint32_t device; /* PCI_DEVICES index */
    uint64_t vaddr;
    uint64_t size;
    uint8_t index;
    uint8_t perms;
    uint8_t cached;
    uint8_t reserved[5];
};

/* A slot of the domain schedule, with its time protection: the pad in microseconds and
 * the BST_DOMAIN_FLUSH_* flags (include/bastion/domain.h) done at its end. */
struct bastion_spec_domain {
    uint32_t name;
    uint16_t pad_us;
    uint8_t flush;
    uint8_t reserved;
    uint64_t length_us;
};

/*
 * Cache colouring (docs/system-description.md, "Cache colouring"; init/colour.c). A page's
 * colour is its physical frame number modulo the colour count. Entry 0 is the
 * machine's: domain NONE, first 0, last the count - 1 (a power of two), `memory` the
 * bytes of RAM coloured. Every further entry is a run of one domain's colours,
 * first..last; a domain may have several runs, and no colour is two domains'. The PDs
 * of a domain with runs get their frames and kernel objects from those colours.
 */
#define BASTION_COLOURS_MAX 1024u /* a 64 MiB 16-way cache in 4 KiB pages */

struct bastion_spec_colour {
    uint32_t domain; /* DOMAINS index; NONE in entry 0 */
    uint16_t first;
    uint16_t last;
    uint64_t memory; /* entry 0: coloured RAM in bytes; else 0 */
};

/*
 * A guest (<virtual_machine>, docs/virtualisation.md): init makes a GSPACE and the GPTs
 * its maps need, a VCPU bound to the VMM PD's TCB and that GSPACE, maps each VM_MAPS
 * entry's region frames at its guest-physical address, and puts the VCPU cap in the
 * PD's BASTION_SLOT_VCPU and the GSPACE cap in BASTION_SLOT_GSPACE. The VMM PD has
 * at most one guest (its one thread runs the VCPU).
 */
struct bastion_spec_vm {
    uint32_t name; /* string */
    uint32_t pd;   /* the VMM PD */
    uint32_t vcpus;
    uint32_t first_map; /* VM_MAPS[first_map .. +map_count) */
    uint32_t map_count;
    uint32_t reserved;
};

struct bastion_spec_vm_map {
    uint32_t vm;     /* VMS index */
    uint32_t region; /* REGIONS index: the whole region is mapped */
    uint64_t gpa;    /* guest-physical address, a multiple of the region's page size */
    uint8_t perms;   /* enum bastion_spec_perms */
    uint8_t reserved[7];
};

struct bastion_spec_segment {
    uint32_t pd;
    uint8_t perms;
    uint8_t digests; /* a late PD's range (BASTION_PD_LATE): its digests in DATA; else 0 */
    uint8_t reserved[2];
    uint64_t vaddr;
    uint64_t memsz;
    uint64_t filesz;
    uint32_t data_offset; /* into DATA; filesz bytes */
    uint32_t frames;      /* OBJECTS index of the frames that back it */
};

enum bastion_spec_patch_kind {
    BASTION_PATCH_REGION_PADDR = 1u, /* write the region's physical address (8 bytes) */
};

/* A value init writes into a PD's memory at boot (the tool patched all others). */
struct bastion_spec_patch {
    uint32_t pd;
    uint32_t kind; /* enum bastion_spec_patch_kind */
    uint64_t vaddr;
    uint32_t index; /* region for REGION_PADDR */
    uint32_t reserved;
};

enum bastion_spec_object_type {
    BASTION_OBJ_TCB = 1u,
    BASTION_OBJ_SCHED_CONTEXT,
    BASTION_OBJ_CNODE, /* size_bits = slots as a power of two */
    BASTION_OBJ_ENDPOINT,
    BASTION_OBJ_NOTIFICATION,
    BASTION_OBJ_REPLY,
    BASTION_OBJ_VSPACE,      /* PML4 */
    BASTION_OBJ_PAGE_DIR_PT, /* PDPT */
    BASTION_OBJ_PAGE_DIR,    /* PD */
    BASTION_OBJ_PAGE_TABLE,  /* PT */
    BASTION_OBJ_FRAME,       /* size_bits 12, 21 or 30 */
};

/* `count` objects of one type, all for `pd` (NONE for shared frames of a region). */
struct bastion_spec_object {
    uint32_t type; /* enum bastion_spec_object_type */
    uint32_t pd;
    uint32_t count;
    uint8_t size_bits;
    uint8_t reserved[3];
};

enum bastion_spec_cap_kind {
    BASTION_CAP_OBJECT = 1u, /* index: OBJECTS entry (first of its group) */
    BASTION_CAP_IRQ = 2u,    /* index: IRQS entry; an IRQHandler */
    BASTION_CAP_IOPORT = 3u, /* index: IOPORTS entry */
};

enum bastion_spec_rights {
    BASTION_RIGHT_READ = 1u,
    BASTION_RIGHT_WRITE = 2u,
    BASTION_RIGHT_GRANT = 4u,
    BASTION_RIGHT_GRANT_REPLY = 8u,
};

struct bastion_spec_cap {
    uint32_t pd;   /* whose CNode */
    uint32_t slot; /* BASTION_SLOT_* layout */
    uint32_t kind; /* enum bastion_spec_cap_kind */
    uint32_t index;
    uint32_t rights; /* enum bastion_spec_rights */
    uint32_t reserved;
    uint64_t badge;
};

/*
 * The information-flow policy (issue 25; include/bastion/flow.h, docs/system-description.md,
 * "Information flow"): labels, the labels of PDs, regions and PCI devices, and the allowed
 * flows between labels. Init checks at boot that the caps it handed out allow no other
 * flow. Labels are numbered by their BASTION_FLOW_LABEL entries, in table order; the
 * entries may come in any order (the tool writes labels, node labels, fixed addresses,
 * then rules; init reads the labels first whatever the order).
 */
enum bastion_spec_flow_entry {
    BASTION_FLOW_ENTRY_LABEL = 1u,  /* a: string (name), value: 1 when trusted */
    BASTION_FLOW_ENTRY_PD = 2u,     /* a: PD index, b: label */
    BASTION_FLOW_ENTRY_REGION = 3u, /* a: REGIONS index, b: label */
    BASTION_FLOW_ENTRY_DEVICE = 4u, /* a: PCI_DEVICES index, b: label */
    BASTION_FLOW_ENTRY_ALLOW = 5u,  /* a: from label, b: to label, value: kind mask */
    BASTION_FLOW_ENTRY_PADDR = 6u,  /* a: PD index, b: REGIONS index: the PD learns the
                                       region's fixed physical address (setvar_paddr of a
                                       region with phys_addr: the tool patched it, so no
                                       PATCHES entry says so; init takes the others there) */
};

struct bastion_spec_flow {
    uint32_t what; /* enum bastion_spec_flow_entry */
    uint32_t a;
    uint32_t b;
    uint32_t value;
};

/* The size of one entry of table `t` (bytes for STRINGS and DATA); 0 for a value that is
 * not a table. The tool writes and init reads tables with this one function. */
static inline size_t bastion_spec_entry_size(unsigned t)
{
    switch (t) {
    case BASTION_TABLE_STRINGS:
    case BASTION_TABLE_DATA:
        return 1;
    case BASTION_TABLE_PDS:
        return sizeof(struct bastion_spec_pd);
    case BASTION_TABLE_REGIONS:
        return sizeof(struct bastion_spec_region);
    case BASTION_TABLE_MAPS:
        return sizeof(struct bastion_spec_map);
    case BASTION_TABLE_CHANNELS:
        return sizeof(struct bastion_spec_channel);
    case BASTION_TABLE_IRQS:
        return sizeof(struct bastion_spec_irq);
    case BASTION_TABLE_IOPORTS:
        return sizeof(struct bastion_spec_ioport);
    case BASTION_TABLE_PCI_DEVICES:
        return sizeof(struct bastion_spec_pci_device);
    case BASTION_TABLE_BARS:
        return sizeof(struct bastion_spec_bar);
    case BASTION_TABLE_DOMAINS:
        return sizeof(struct bastion_spec_domain);
    case BASTION_TABLE_SEGMENTS:
        return sizeof(struct bastion_spec_segment);
    case BASTION_TABLE_PATCHES:
        return sizeof(struct bastion_spec_patch);
    case BASTION_TABLE_OBJECTS:
        return sizeof(struct bastion_spec_object);
    case BASTION_TABLE_CAPS:
        return sizeof(struct bastion_spec_cap);
    case BASTION_TABLE_FLOW:
        return sizeof(struct bastion_spec_flow);
    case BASTION_TABLE_COLOURS:
        return sizeof(struct bastion_spec_colour);
    case BASTION_TABLE_VMS:
        return sizeof(struct bastion_spec_vm);
    case BASTION_TABLE_VM_MAPS:
        return sizeof(struct bastion_spec_vm_map);
    default:
        return 0;
    }
}

/* FNV-1a (32 bit) over `size` bytes, reading the header's checksum field as zero. */
static inline uint32_t bastion_spec_checksum(const uint8_t *bytes, uint64_t size)
{
    uint32_t hash = 2166136261u;
    for (uint64_t i = 0; i < size; i++) {
        uint8_t b = (i >= offsetof(struct bastion_spec_header, checksum) &&
                     i < offsetof(struct bastion_spec_header, checksum) + 4)
                        ? 0
                        : bytes[i];
        hash = (hash ^ b) * 16777619u;
    }
    return hash;
}

_Static_assert(BASTION_PCI_CONFIG_VADDR >= BASTION_IPC_BUFFER_VADDR + BASTION_PAGE_SIZE &&
                   BASTION_PCI_CONFIG_VADDR + 64 * BASTION_PAGE_SIZE <=
                       BASTION_STACK_TOP - 0x10000000ULL,
               "PCI configuration pages lie between the IPC buffer and the largest stack");
_Static_assert(sizeof(struct bastion_spec_table) == 8, "spec table");
_Static_assert(sizeof(struct bastion_spec_header) == 224, "spec header");
_Static_assert(offsetof(struct bastion_spec_header, total_size) == 16, "total_size");
_Static_assert(offsetof(struct bastion_spec_header, checksum) == 24, "checksum");
_Static_assert(offsetof(struct bastion_spec_header, tables) == 32, "tables");
_Static_assert(BASTION_TABLE_COUNT <= BASTION_SPEC_TABLE_SLOTS, "table slots");
_Static_assert(sizeof(struct bastion_spec_pd) == 120, "pd");
_Static_assert(sizeof(struct bastion_spec_vm) == 24, "vm");
_Static_assert(sizeof(struct bastion_spec_vm_map) == 24, "vm map");
_Static_assert(offsetof(struct bastion_spec_pd, budget_us) == 16, "pd budget");
_Static_assert(offsetof(struct bastion_spec_pd, first_segment) == 64, "pd segments");
_Static_assert(offsetof(struct bastion_spec_pd, tcb) == 80, "pd objects");
_Static_assert(sizeof(struct bastion_spec_region) == 48, "region");
_Static_assert(offsetof(struct bastion_spec_region, data_offset) == 32, "region data");
_Static_assert(sizeof(struct bastion_spec_map) == 24, "map");
_Static_assert(offsetof(struct bastion_spec_map, perms) == 16, "map perms");
_Static_assert(sizeof(struct bastion_spec_channel) == 16, "channel");
_Static_assert(offsetof(struct bastion_spec_channel, flags) == 10, "channel flags");
_Static_assert(sizeof(struct bastion_spec_irq) == 16, "irq");
_Static_assert(offsetof(struct bastion_spec_irq, pin) == 9, "irq pin");
_Static_assert(sizeof(struct bastion_spec_ioport) == 16, "ioport");
_Static_assert(offsetof(struct bastion_spec_ioport, base) == 6, "ioport base");
_Static_assert(sizeof(struct bastion_spec_pci_device) == 8, "pci device");
_Static_assert(sizeof(struct bastion_spec_bar) == 32, "bar");
_Static_assert(offsetof(struct bastion_spec_bar, index) == 24, "bar index");
_Static_assert(sizeof(struct bastion_spec_domain) == 16, "domain");
_Static_assert(offsetof(struct bastion_spec_domain, pad_us) == 4, "domain pad");
_Static_assert(offsetof(struct bastion_spec_domain, length_us) == 8, "domain length");
_Static_assert(sizeof(struct bastion_spec_segment) == 40, "segment");
_Static_assert(offsetof(struct bastion_spec_segment, data_offset) == 32, "segment data");
_Static_assert(sizeof(struct bastion_spec_patch) == 24, "patch");
_Static_assert(sizeof(struct bastion_spec_object) == 16, "object");
_Static_assert(sizeof(struct bastion_spec_cap) == 32, "cap");
_Static_assert(offsetof(struct bastion_spec_cap, badge) == 24, "cap badge");
_Static_assert(sizeof(struct bastion_spec_flow) == 16, "flow");
_Static_assert(sizeof(struct bastion_spec_colour) == 16, "colour");
_Static_assert(offsetof(struct bastion_spec_colour, memory) == 8, "colour memory");

#endif
