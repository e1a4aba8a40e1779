/*
 * The virtualisation tests' environment (vm.h): a guest with its guest-physical space,
 * tables and pages, the root task as its VMM, and the helpers the tests share.
 */
#include "vm.h"

#include <libbastion/string.h>

static bst_error_t map_copy(struct vm *vm, bst_cptr_t frame, uint64_t offset, void **out)
{
    bst_cptr_t copy;
    bst_error_t e = cap_copy(frame, BST_RIGHTS_RW, &copy);
    if (e == BST_OK) {
        e = bst_frame_map(copy, ROOT_VS, vm->window + offset, BST_RIGHTS_RW, 0);
    }
    *out = (void *)(uintptr_t)(vm->window + offset);
    return e;
}

bst_error_t vm_setup(struct vm *vm)
{
    memset(vm, 0, sizeof(*vm));
    bst_error_t e;
    if ((e = obj_alloc(BST_OBJ_VCPU, 0, &vm->vcpu)) != BST_OK ||
        (e = obj_alloc(BST_OBJ_GSPACE, 0, &vm->gspace)) != BST_OK) {
        return e;
    }
    for (unsigned i = 0; i < 3; i++) { /* the tables down to the leaf for gpa 0 */
        if ((e = obj_alloc(BST_OBJ_GPT, 0, &vm->gpt[i])) != BST_OK ||
            (e = bst_gpt_map(vm->gpt[i], vm->gspace, 0)) != BST_OK) {
            return e;
        }
    }
    if ((e = obj_alloc(BST_OBJ_FRAME_4K, 0, &vm->code)) != BST_OK ||
        (e = obj_alloc(BST_OBJ_FRAME_4K, 0, &vm->data)) != BST_OK ||
        (e = obj_alloc(BST_OBJ_FRAME_4K, 0, &vm->ro)) != BST_OK) {
        return e;
    }
    if ((e = bst_frame_guest_map(vm->code, vm->gspace, GPA_CODE,
                                 BST_GUEST_MAP_READ | BST_GUEST_MAP_EXECUTE)) != BST_OK ||
        (e = bst_frame_guest_map(vm->data, vm->gspace, GPA_DATA,
                                 BST_GUEST_MAP_READ | BST_GUEST_MAP_WRITE)) != BST_OK ||
        (e = bst_frame_guest_map(vm->ro, vm->gspace, GPA_RO, BST_GUEST_MAP_READ)) != BST_OK) {
        return e;
    }
    /* The VMM's view of the three pages. */
    struct tables t;
    vm->window = region_alloc();
    if ((e = tables_map(ROOT_VS, vm->window, 1, &t)) != BST_OK) {
        return e;
    }
    void *code;
    if ((e = map_copy(vm, vm->code, 0, &code)) != BST_OK ||
        (e = map_copy(vm, vm->data, 0x1000, (void **)&vm->data_view)) != BST_OK ||
        (e = map_copy(vm, vm->ro, 0x2000, (void **)&vm->ro_view)) != BST_OK) {
        return e;
    }
    memcpy(code, guest_start, (size_t)(guest_end - guest_start));
    if ((e = bst_vcpu_bind(vm->vcpu, ROOT_TCB, vm->gspace)) != BST_OK) {
        return e;
    }
    return vm_flat32(vm, guest_start);
}

bst_error_t vm_flat32(struct vm *vm, const char *entry)
{
    return bst_vcpu_set_flat32(vm->vcpu, vm_gpa(entry), 0x1f00);
}

uint64_t vm_gpa(const char *label)
{
    return (uint64_t)(label - guest_start);
}

bst_error_t vm_run(struct vm *vm, uint64_t flags, struct bst_vm_exit_msg *exit)
{
    struct bst_vcpu_resume r = {.flags = flags};
    return bst_vcpu_run(vm->vcpu, &r, exit);
}

bst_error_t vm_answer(struct vm *vm, const struct bst_vm_exit_msg *last, uint64_t rax, uint64_t rdx,
                      struct bst_vm_exit_msg *exit)
{
    struct bst_vcpu_resume r = {
        .flags = BST_VCPU_RUN_ADVANCE | BST_VCPU_RUN_SET_GPRS,
        .rax = rax,
        .rbx = last->rbx,
        .rcx = last->rcx,
        .rdx = rdx,
    };
    return bst_vcpu_run(vm->vcpu, &r, exit);
}
