/*
 * Guests (<virtual_machine>, docs/virtualisation.md, "<virtual_machine> in system.xml"):
 * for each VMS entry of the spec, init retypes a GSPACE and a VCPU from RAM untyped,
 * maps a copy of every frame of each guest map's region at its guest-physical address
 * (adding the GPTs the maps need, one per missing level), binds the VCPU to the VMM
 * PD's TCB and the GSPACE, and puts the VCPU in the PD's BASTION_SLOT_VCPU and the
 * GSPACE in BASTION_SLOT_GSPACE. Any failure stops the boot with a message naming the
 * guest and its VMM PD.
 *
 * For a VMM PD of a coloured domain the GSPACE, the VCPU and the GPTs come from the
 * domain's colours (colour_alloc_for_pd(), init/colour.c), like its other kernel objects,
 * and the boot check reads their physical addresses; the tool's replay
 * (tool/src/colour_fit.c) counts them in this order: per guest, GSPACE, VCPU, then the
 * GPTs its maps need.
 *
 * Not done: a restarted VMM PD keeps its VCPU and guest memory as they were.
 */
#include "colour.h"

#include <libbastion/vcpu.h>

/* The guest-map rights of spec permissions (read is always there: spec_open checks). */
static uint64_t guest_rights(uint8_t perms)
{
    return BST_GUEST_MAP_READ | (perms & BASTION_PERM_W ? BST_GUEST_MAP_WRITE : 0) |
           (perms & BASTION_PERM_X ? BST_GUEST_MAP_EXECUTE : 0);
}

static _Noreturn void vm_fatal(uint32_t v, const char *what, bst_error_t e)
{
    const struct spec *s = &the_spec;
    const struct bastion_spec_vm *vm = &s->vms[v];
    if (e == BST_ILLEGAL_OPERATION)
        init_fatal("virtual machine '%s' of PD '%s': %s: ILLEGAL_OPERATION (is there hardware "
                   "virtualisation, AMD SVM with nested paging, on this CPU? the kernel's boot "
                   "report says)",
                   spec_string(s, vm->name), spec_string(s, s->pds[vm->pd].name), what);
    init_fatal("virtual machine '%s' of PD '%s': %s: %s", spec_string(s, vm->name),
               spec_string(s, s->pds[vm->pd].name), what, bst_error_name(e));
}

/* One new object of `type` in a fresh slot of init's CNode, from the VMM PD's colours
 * when its domain has them; `what` says what for (an error), `kind` names it (a string
 * literal: the boot check keeps it). */
static uint64_t vm_object(uint32_t v, bst_objtype_t type, const char *what, const char *kind)
{
    uint64_t slot = slot_alloc(1);
    if (slot == 0)
        vm_fatal(v, what, BST_RANGE_ERROR);
    uint32_t pd = the_spec.vms[v].pd;
    bst_error_t e = colour_alloc_for_pd(pd, type, slot, kind);
    if (e != BST_OK && colour_pd_domain(pd) != BASTION_SPEC_NONE && colour_enforced()) {
        char why[256];
        colour_pd_why(pd, type, e, why, sizeof(why));
        init_fatal("colours: virtual machine '%s' of PD '%s': %s: %s",
                   spec_string(&the_spec, the_spec.vms[v].name),
                   spec_string(&the_spec, the_spec.pds[pd].name), what, why);
    }
    if (e != BST_OK)
        vm_fatal(v, what, e);
    return slot;
}

/* Map `frame` at `gpa`, adding a GPT for each missing level on the way (at most three). */
static void guest_map(uint32_t v, uint64_t gspace, uint64_t frame, uint64_t gpa, uint64_t rights)
{
    bst_error_t e = bst_frame_guest_map(frame, gspace, gpa, rights);
    for (unsigned tables = 0; e == BST_FAILED_LOOKUP && tables < 3; tables++) {
        uint64_t gpt = vm_object(v, BST_OBJ_GPT, "creating a guest page table", "guest page table");
        e = bst_gpt_map(gpt, gspace, gpa);
        if (e != BST_OK)
            vm_fatal(v, "adding a guest page table", e);
        e = bst_frame_guest_map(frame, gspace, gpa, rights);
    }
    if (e != BST_OK)
        vm_fatal(v, "mapping guest memory", e);
}

static void build_vm(uint32_t v)
{
    const struct spec *s = &the_spec;
    const struct bastion_spec_vm *vm = &s->vms[v];
    uint64_t gspace = vm_object(v, BST_OBJ_GSPACE, "creating its guest-physical space", "GSPACE");
    uint64_t vcpu = vm_object(v, BST_OBJ_VCPU, "creating its VCPU", "VCPU");
    for (uint32_t i = vm->first_map; i < vm->first_map + vm->map_count; i++) {
        const struct bastion_spec_vm_map *m = &s->vm_maps[i];
        const struct bastion_spec_region *r = &s->regions[m->region];
        uint64_t frames = r->size / r->page_size;
        uint64_t copies = slot_alloc(frames);
        if (copies == 0)
            vm_fatal(v, "no capability slots left in init's CNode for the guest's frames",
                     BST_RANGE_ERROR);
        for (uint64_t k = 0; k < frames; k++) {
            bst_error_t e =
                bst_cnode_copy(ROOT_CNODE, copies + k, BST_ROOT_DEPTH, ROOT_CNODE,
                               object_slot(r->frames, k), BST_ROOT_DEPTH, BST_RIGHTS_ALL);
            if (e != BST_OK)
                vm_fatal(v, "copying a frame of its memory", e);
            guest_map(v, gspace, copies + k, m->gpa + k * r->page_size, guest_rights(m->perms));
        }
    }
    uint64_t tcb = object_slot(s->pds[vm->pd].tcb, 0);
    bst_error_t e = bst_vcpu_bind(vcpu, tcb, gspace);
    if (e != BST_OK)
        vm_fatal(v, "binding its VCPU to the PD's thread", e);
    uint64_t cspace = pd_states[vm->pd].cspace;
    e = bst_cnode_copy(cspace, BASTION_SLOT_VCPU, BST_ROOT_DEPTH, ROOT_CNODE, vcpu, BST_ROOT_DEPTH,
                       BST_RIGHTS_ALL);
    if (e == BST_OK)
        e = bst_cnode_copy(cspace, BASTION_SLOT_GSPACE, BST_ROOT_DEPTH, ROOT_CNODE, gspace,
                           BST_ROOT_DEPTH, BST_RIGHTS_ALL);
    if (e != BST_OK)
        vm_fatal(v, "giving the PD its VCPU and GSPACE caps", e);
}

void vm_build_guests(uint32_t p)
{
    const struct spec *s = &the_spec;
    for (uint32_t v = 0; v < s->n[BASTION_TABLE_VMS]; v++)
        if (s->vms[v].pd == p)
            build_vm(v);
}

bool vm_has_guest(uint32_t p)
{
    const struct spec *s = &the_spec;
    for (uint32_t v = 0; v < s->n[BASTION_TABLE_VMS]; v++)
        if (s->vms[v].pd == p)
            return true;
    return false;
}
