/*
 * init: the root task that instantiates a packed system spec (include/bastion/spec.h),
 * starts the protection domains and stays as their fault handler of last resort.
 *
 * The parts: spec.c (check the blob, never trusting it), alloc.c (slots and untyped
 * memory), vspace.c (page tables, init's own windows onto modules and PD memory),
 * build.c (objects, address spaces, CSpaces, start), check.c (compare the CSpaces the
 * kernel holds with the spec), fault.c (reports with symbols and backtraces, child
 * restart and re-initialisation for parents), elf.c (symbols of PD images).
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/bootinfo.h>
#include <bastion/errors.h>
#include <bastion/objtype.h>
#include <bastion/spec.h>
#include <libbastion/cnode.h>
#include <libbastion/printf.h>
#include <libbastion/syscall.h>

#define INIT_PRIORITY 255
#define ROOT_CNODE    BST_SLOT_ROOT_CNODE
#define ROOT_TCB      BST_SLOT_ROOT_TCB
#define ROOT_VSPACE   BST_SLOT_ROOT_VSPACE

/* init's own address space: modules appear at MODULE_WINDOW + their physical address;
 * PD frames are reached one at a time through the scratch windows. */
#define MODULE_WINDOW 0x100000000000ULL
#define SCRATCH_4K    0x200000000000ULL
#define SCRATCH_2M    0x200040000000ULL
#define SCRATCH_1G    0x200080000000ULL

/* Print "init: ..." and stop: nothing (more) is started; QEMU exits with the fail status. */
_Noreturn void init_fatal(const char *fmt, ...) BST_PRINTF_FORMAT(1, 2);

/* ---- spec.c ---------------------------------------------------------------------------- */

/* A spec that passed spec_open(): every table in bounds, every reference valid. */
struct spec {
    const uint8_t *blob;
    uint64_t size;
    const char *strings;
    uint32_t strings_size;
    const uint8_t *data;
    uint32_t data_size;
    const struct bastion_spec_pd *pds;
    const struct bastion_spec_region *regions;
    const struct bastion_spec_map *maps;
    const struct bastion_spec_channel *channels;
    const struct bastion_spec_irq *irqs;
    const struct bastion_spec_ioport *ioports;
    const struct bastion_spec_pci_device *pci_devices;
    const struct bastion_spec_bar *bars;
    const struct bastion_spec_domain *domains;
    const struct bastion_spec_segment *segments;
    const struct bastion_spec_patch *patches;
    const struct bastion_spec_object *objects;
    const struct bastion_spec_cap *caps;
    const struct bastion_spec_flow *flow;      /* the flow policy; n[FLOW] == 0: none */
    const struct bastion_spec_colour *colours; /* n[COLOURS] == 0: no colouring */
    const struct bastion_spec_vm *vms;         /* n[VMS] == 0: no guests */
    const struct bastion_spec_vm_map *vm_maps;
    uint32_t n[BASTION_TABLE_COUNT];
};

/* Check `blob` (`size` bytes) and fill *s. Returns NULL, or why the spec is refused
 * (written into err). Pure: reads only the blob, so the host can test it. */
const char *spec_open(struct spec *s, const void *blob, uint64_t size, char *err, size_t errlen);

/* The NUL-terminated string at `offset` (checked by spec_open). */
const char *spec_string(const struct spec *s, uint32_t offset);

/* ---- alloc.c --------------------------------------------------------------------------- */

void alloc_init(const struct bst_bootinfo *bi);

/* `n` consecutive free slots of init's CNode; 0 when there are not that many. */
uint64_t slot_alloc(uint64_t n);

/* Retype `count` objects into slots first_slot.. from RAM untyped. */
bst_error_t untyped_alloc(bst_objtype_t type, unsigned size_bits, uint64_t first_slot,
                          uint64_t count);

/* Map every boot module into MODULE_WINDOW (device untyped to frames). */
bst_error_t modules_map(const struct bst_bootinfo *bi);

/* A module's bytes in init's address space. */
static inline const uint8_t *module_bytes(const struct bst_module_desc *m)
{
    return (const uint8_t *)(uintptr_t)(MODULE_WINDOW + m->paddr);
}

/* ---- vspace.c -------------------------------------------------------------------------- */

/* Page tables for one address space: caps per level (L3, L2, L1), used in order. A pool
 * with `own` set allocates from untyped memory instead (init's own VSpace). */
struct table_pool {
    bool own;
    uint64_t next[3];
    uint64_t left[3];
};

/* Map the frame cap (2^bits bytes) at `vaddr`, adding missing page tables from `pool`. */
bst_error_t vs_map(uint64_t vspace, struct table_pool *pool, uint64_t frame, unsigned bits,
                   uint64_t vaddr, unsigned rights, unsigned attrs);

/* Map a copy of frame cap `frame` (2^bits bytes) into init's scratch window; the
 * pointer is valid until scratch_unmap(). One at a time. */
void *scratch_map(uint64_t frame, unsigned bits);
void scratch_unmap(void);

/* ---- build.c --------------------------------------------------------------------------- */

/* What init keeps per PD after building it. */
struct pd_state {
    uint64_t cspace;    /* slot in init: the PD's CNode, guarded to be addressed at depth 64 */
    uint64_t fault_ep;  /* slot in init: the badged fault endpoint the TCB uses */
    uint64_t endpoint;  /* slot in init: the PD's endpoint (spec's or init's extra), or 0 */
    uint64_t init_cap;  /* slot in init: the service cap minted into the PD, or 0 */
    uint64_t startinfo; /* vaddr of its start info */
    struct table_pool tables;
    const uint8_t *elf; /* its program image among the modules (symbols), or NULL */
    uint64_t elf_size;
    unsigned restarts;    /* its generation: restarts and re-initialisations so far */
    uint64_t peer_signal; /* slot in init: its notification badged with the peer-restarted
                             bit (minted at its first peer's restart), or 0 */
};

extern struct spec the_spec;
extern struct pd_state *pd_states;
extern uint64_t *object_slots; /* OBJECTS index -> first slot in init's CNode */
extern uint64_t init_endpoint;

/* Build everything the spec describes; init_fatal() on any failure. */
void build_system(const struct bst_bootinfo *bi);
/* Start the PDs, highest priority first. */
void start_system(void);

/* Start late PD p (just loaded: late.c) at `entry`; restarts use that entry too. */
bst_error_t pd_start_late(uint32_t p, uint64_t entry);

/* ---- late.c ------------------------------------------------------------------------------ */

/* A parent's BST_INIT_REQ_LOAD (libbastion/late_load.h): mr[0] child id, mr[1] the image's
 * address in the parent, mr[2] its length. Checks, loads and starts the empty child;
 * *verdict says why not. */
bst_error_t late_serve_load(uint32_t parent, const uint64_t mr[4], uint64_t *verdict);

/* Start PD p at its entry (after a reset of its memory when `reinit`). */
bst_error_t pd_restart(uint32_t p, bool reinit);
/* A passive PD waits for calls: take its scheduling context (it runs on its callers'). */
void pd_make_passive(uint32_t p);

/* Read 8 bytes of PD p's memory at `vaddr` (segments and stack); false when unmapped. */
bool pd_read_u64(uint32_t p, uint64_t vaddr, uint64_t *value);

/* The slot of object `index` + k (no range check beyond the spec's). */
uint64_t object_slot(uint32_t index, uint64_t k);

/* ---- vm.c ------------------------------------------------------------------------------ */

/* Create PD p's guest, if it has one: GSPACE, GPTs, guest memory, the VCPU bound to its
 * thread, and both caps in its BASTION_SLOT_VCPU and BASTION_SLOT_GSPACE. After its thread
 * is configured; init_fatal() naming the guest and the PD on any failure. */
void vm_build_guests(uint32_t p);
/* True when PD p runs a guest (its CSpace then holds those two caps). */
bool vm_has_guest(uint32_t p);

/* ---- check.c --------------------------------------------------------------------------- */

/* Compare every PD's CSpace with the spec; prints the verdict, returns true if it holds. */
bool check_cspaces(void);

/* ---- flow.c ---------------------------------------------------------------------------- */

/* Checks the caps init handed out (the spec's, which check_cspaces() proved) against the
 * spec's flow policy; prints each forbidden flow. True when there is no policy. */
bool check_flow_policy(void);

/* Build-configuration hook (check_tamper*.c): the test build breaks one cap on purpose. */
void check_tamper(void);

/* ---- fault.c / elf.c -------------------------------------------------------------------- */

/* Serve faults and parents' requests forever. */
_Noreturn void serve(void);

/* Find PD p's program image among the modules (by its loadable segments and entry). */
void elf_find_images(const struct bst_bootinfo *bi);

/* The function symbol containing `addr` in the image, and the offset into it. */
const char *elf_symbol(const uint8_t *elf, uint64_t size, uint64_t addr, uint64_t *offset);

#endif
