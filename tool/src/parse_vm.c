/*
 * Parser for <virtual_machine> (docs/system-description.md, "<virtual_machine>"): a
 * guest run by the PD it sits in, its <vcpu>s and the <map>s of regions into its
 * guest-physical space. Values are checked here; references and overlaps in check_vm.c.
 */
#include "attrs.h"
#include "parse.h"

#include <string.h>

/* Parses <vcpu id="..."/>: counted here, the limit checked in check_vm.c. */
static bool parse_vcpu(struct model_vm *vm, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"id", NULL};
    uint32_t id;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_u32(d, node, "id", ATTR_REQUIRED, 0, 0, MODEL_MAX_ID, &id);
    ok &= parse_empty(node, d);
    if (!vm->vcpu_node)
        vm->vcpu_node = node;
    vm->vcpus++;
    return ok;
}

/* Parses a guest <map mr="..." gpa="..." perms="..."/>. */
static bool parse_vm_map(struct model *m, xmlNode *node, uint32_t vm, struct diag_sink *d)
{
    static const char *const allowed[] = {"mr", "gpa", "perms", NULL};
    struct model_vm_map *map = vec_push(&m->vm_maps, sizeof(*map));
    map->node = node;
    map->vm = vm;
    map->region = NO_INDEX;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "mr", ATTR_REQUIRED, &map->region_name);
    ok &= attr_u64(d, node, "gpa", ATTR_REQUIRED, 0, 0, UINT64_MAX, &map->gpa);
    ok &= attr_perms(d, node, "perms", PERM_R | PERM_W | PERM_X, &map->perms);
    ok &= parse_empty(node, d);
    return ok;
}

bool parse_vm(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d)
{
    static const char *const allowed[] = {"name", NULL};
    static const char *const children[] = {"vcpu", "map", NULL};
    struct model_vm *vm = vec_push(&m->vms, sizeof(*vm));
    uint32_t index = (uint32_t)(m->vms.count - 1);
    vm->node = node;
    vm->pd = pd;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "name", ATTR_REQUIRED, &vm->name);
    ok &= parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "vcpu") == 0) {
            ok &= parse_vcpu(MODEL_VM(m, index), c, d);
        } else if (strcmp((const char *)c->name, "map") == 0) {
            ok &= parse_vm_map(m, c, index, d);
        } else {
            parse_unknown_element(c, children, d);
            ok = false;
        }
    }
    return ok;
}
