/*
 * Building the root task. See roottask.h.
 *
 * Objects come from the root task's untyped caps through the same retype the root
 * task itself will use, into free slots of its root CNode (recorded in boot-info as
 * user_image), so its memory accounting is exact from the first instruction.
 */
#include <thread/budget.h>
#include <thread/schedcontext.h>
#include <timer.h>
#include <arch/vspace.h>
#include <bastion/vmattr.h>
#include <elf.h>
#include <kmem.h>
#include <kstring.h>
#include <object/cnode.h>
#include <object/untyped.h>
#include <roottask.h>
#include <thread/sched.h>
#include <vm/vspace.h>

#define PAGE               4096ull
#define ELF_MACHINE_X86_64 62

struct builder {
    struct bst_bootinfo *bi;
    const struct cap *root_cnode;
    uint64_t next_slot;
    struct cap *vspace;
};

static struct cte *slot_at(const struct builder *b, uint64_t index)
{
    return cnode_slot(b->root_cnode, index);
}

/* Retype one object into root CNode slot `slot` from the first RAM untyped with room. */
static bst_error_t make_object(struct builder *b, bst_objtype_t type, uint64_t slot)
{
    for (uint32_t i = 0; i < b->bi->n_untyped; i++) {
        if (b->bi->untyped_list[i].is_device) {
            continue;
        }
        struct slot_ref ut = {b->root_cnode, cptr_from_word(b->bi->untyped.start + i), 64};
        struct retype_args a = {
            .type = type,
            .dest_cnode = {b->root_cnode, cptr_from_word(BST_SLOT_ROOT_CNODE), 64},
            .dest_offset = slot,
            .count = 1,
        };
        bst_error_t e;
        do {
            e = untyped_retype(ut, &a);
        } while (e == BST_PREEMPTED); /* boot: nothing else to run; just go on */
        if (e != BST_NOT_ENOUGH_MEMORY) {
            return e;
        }
    }
    return BST_NOT_ENOUGH_MEMORY;
}

static bst_error_t make_next(struct builder *b, bst_objtype_t type, struct cap **out)
{
    uint64_t slot = b->next_slot++;
    bst_error_t e = make_object(b, type, slot);
    *out = &slot_at(b, slot)->cap;
    return e;
}

/* The page tables (PDPT, PD, PT) that translating vaddr needs. */
static bst_error_t ensure_tables(struct builder *b, vaddr_t vaddr)
{
    static const bst_objtype_t levels[] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};
    for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
        if (vm_table_present(b->vspace, levels[i], vaddr)) {
            continue;
        }
        struct cap *table;
        bst_error_t e = make_next(b, levels[i], &table);
        if (e == BST_OK) {
            e = vm_map_table(table, b->vspace, vaddr);
        }
        if (e != BST_OK) {
            return e;
        }
    }
    return BST_OK;
}

/* Map a fresh zeroed 4 KiB frame at vaddr; returns its physical address via *pa. */
static bst_error_t map_new_page(struct builder *b, vaddr_t vaddr, bool writable, bool exec,
                                paddr_t *pa)
{
    struct cap *frame;
    bst_error_t e = ensure_tables(b, vaddr);
    if (e == BST_OK) {
        e = make_next(b, BST_OBJ_FRAME_4K, &frame);
    }
    if (e == BST_OK) {
        e = vm_map_frame(frame, b->vspace, vaddr, BST_RIGHT_READ | (writable ? BST_RIGHT_WRITE : 0),
                         exec ? BST_MAP_EXECUTABLE : 0);
        *pa = frame->paddr;
    }
    return e;
}

static bst_error_t load_segment(struct builder *b, const struct elf_image *img,
                                const struct elf64_phdr *p)
{
    bool writable = p->flags & ELF_PF_W, exec = p->flags & ELF_PF_X;
    for (vaddr_t page = ALIGN_DOWN(p->vaddr, PAGE); page < p->vaddr + p->memsz; page += PAGE) {
        struct arch_translation t = arch_vspace_translate(b->vspace->paddr, page);
        paddr_t pa = t.paddr;
        if (!t.present) { /* else a page shared with the previous segment */
            bst_error_t e = map_new_page(b, page, writable, exec, &pa);
            if (e != BST_OK) {
                return e;
            }
        }
        /* The file bytes that fall in this page. */
        uint64_t lo = page > p->vaddr ? page : p->vaddr;
        uint64_t hi = page + PAGE < p->vaddr + p->filesz ? page + PAGE : p->vaddr + p->filesz;
        if (lo < hi) {
            memcpy((uint8_t *)kmem_ptr(pa) + (lo - page), img->bytes + p->offset + (lo - p->vaddr),
                   hi - lo);
        }
    }
    return BST_OK;
}

static bst_error_t build_space(struct builder *b, const struct elf_image *img)
{
    bst_error_t e = vspace_prepare(b->vspace);
    for (unsigned i = 0; e == BST_OK && i < img->header->phnum; i++) {
        if (elf_phdr(img, i)->type == ELF_PT_LOAD) {
            e = load_segment(b, img, elf_phdr(img, i));
        }
    }
    paddr_t pa;
    for (vaddr_t v = ROOT_STACK_BOTTOM; e == BST_OK && v < ROOT_STACK_TOP; v += PAGE) {
        e = map_new_page(b, v, true, false, &pa);
    }
    if (e == BST_OK) {
        e = ensure_tables(b, ROOT_IPC_BUFFER_VADDR);
    }
    if (e == BST_OK) {
        e = vm_map_frame(&slot_at(b, BST_SLOT_ROOT_IPC_BUFFER)->cap, b->vspace,
                         ROOT_IPC_BUFFER_VADDR, BST_RIGHT_READ | BST_RIGHT_WRITE, 0);
    }
    if (e == BST_OK) {
        e = vm_map_frame(&slot_at(b, BST_SLOT_BOOTINFO)->cap, b->vspace, ROOT_BOOTINFO_VADDR,
                         BST_RIGHT_READ, 0);
    }
    return e;
}

static void start_thread(struct builder *b, uint64_t entry)
{
    struct tcb *t = tcb_of(&slot_at(b, BST_SLOT_ROOT_TCB)->cap);
    tcb_set_slot(t, TCB_SLOT_CSPACE, slot_at(b, BST_SLOT_ROOT_CNODE));
    tcb_set_slot(t, TCB_SLOT_VSPACE, slot_at(b, BST_SLOT_ROOT_VSPACE));
    tcb_set_slot(t, TCB_SLOT_IPC_BUFFER, slot_at(b, BST_SLOT_ROOT_IPC_BUFFER));
    t->ipc_buffer_vaddr = ROOT_IPC_BUFFER_VADDR;
    arch_tcb_init(&t->arch);
    t->initialised = 1;
    arch_tcb_set_reg(&t->arch, 0, entry);                 /* rip */
    arch_tcb_set_reg(&t->arch, 1, ROOT_STACK_TOP);        /* rsp */
    arch_tcb_set_reg(&t->arch, 8, ROOT_BOOTINFO_VADDR);   /* rdi */
    arch_tcb_set_reg(&t->arch, 7, ROOT_IPC_BUFFER_VADDR); /* rsi */
    t->mcp = ROOT_MCP;
    sched_set_priority(t, ROOT_PRIORITY);
    memcpy(t->name, "root", 5);
    /* An unlimited scheduling context (budget = period): without one it could not run. */
    struct sched_context *sc = sched_context_of(&slot_at(b, BST_SLOT_ROOT_SC)->cap);
    budget_sc_configure(sc, arch_counter_hz(), arch_counter_hz());
    sc_attach(sc, t);
    tcb_resume(t);
}

const char *roottask_start(const struct boot_module *module, const struct root_caps *rc)
{
    struct elf_image img;
    const char *why =
        elf_check(&img, kmem_ptr(module->base), module->size, ELF_MACHINE_X86_64, BST_USER_MAP_TOP);
    if (why != NULL) {
        return why;
    }
    struct builder b = {
        .bi = rc->result.bootinfo,
        .root_cnode = &rc->result.root_cnode_slot->cap,
        .next_slot = rc->result.bootinfo->empty.start,
    };
    bst_error_t e = make_object(&b, BST_OBJ_VSPACE, BST_SLOT_ROOT_VSPACE);
    b.vspace = &slot_at(&b, BST_SLOT_ROOT_VSPACE)->cap;
    if (e == BST_OK) {
        e = make_object(&b, BST_OBJ_TCB, BST_SLOT_ROOT_TCB);
    }
    if (e == BST_OK) {
        e = make_object(&b, BST_OBJ_FRAME_4K, BST_SLOT_ROOT_IPC_BUFFER);
    }
    if (e == BST_OK) {
        e = make_object(&b, BST_OBJ_SCHED_CONTEXT, BST_SLOT_ROOT_SC);
    }
    if (e == BST_OK) {
        e = build_space(&b, &img);
    }
    if (e != BST_OK) {
        return bst_error_name(e);
    }
    b.bi->user_image = (struct bst_slot_range){b.bi->empty.start, b.next_slot};
    b.bi->empty.start = b.next_slot;
    b.bi->ipc_buffer_vaddr = ROOT_IPC_BUFFER_VADDR;
    b.bi->bootinfo_vaddr = ROOT_BOOTINFO_VADDR;
    start_thread(&b, img.header->entry);
    return NULL;
}
