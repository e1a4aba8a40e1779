/*
 * The IPC tests' environment: children with IPC buffers and TLS blocks in the root's
 * address space or in a second one, IPC objects, and a bounded receive.
 */
#include "ipc.h"

#include <libbastion/string.h>
#include <libbastion/tls.h>

/* The shared page of a child: IPC buffer, TLS block, struct ipc_child. */
#define PAGE_TLS   1024u
#define PAGE_CHILD 2048u
_Static_assert(sizeof(struct bst_ipc_buffer) <= PAGE_TLS, "the IPC buffer fits before the TLS");
_Static_assert(sizeof(struct ipc_child) <= PAGE_SIZE - PAGE_CHILD, "the child block fits");

/* The root's mappings of the children's pages: one region, one page each. */
static uint64_t page_region;
static unsigned next_page;

/* The other space: the image copied at the same addresses, children's pages above it. */
#define IMAGE_BASE      0x400000ull
#define OTHER_PAGE_BASE 0x500000ull /* pairs of pages: shared page, stack */
#define OTHER_PAGE_END  0x600000ull /* one L1 table covers 0x400000 .. 0x5fffff */
extern const char __bst_image_end[];
static bst_cptr_t other_vs;
static uint64_t other_next = OTHER_PAGE_BASE;

static bst_error_t root_page(uint64_t *vaddr, bst_cptr_t *frame)
{
    if (page_region == 0) {
        struct tables t;
        uint64_t r = region_alloc();
        bst_error_t e = tables_map(ROOT_VS, r, 1, &t);
        if (e != BST_OK)
            return e;
        page_region = r;
    }
    if (next_page >= 512)
        return BST_NOT_ENOUGH_MEMORY;
    *vaddr = page_region + PAGE_SIZE * next_page++;
    return frame_alloc_map(ROOT_VS, *vaddr, BST_RIGHTS_RW, 0, frame);
}

/* Build the other space once: a VSpace with a private copy of the whole image. */
static bst_error_t other_space(void)
{
    if (other_vs != 0)
        return BST_OK;
    uint64_t end = (uint64_t)(uintptr_t)__bst_image_end;
    if (end > OTHER_PAGE_BASE)
        return BST_RANGE_ERROR; /* the image outgrew the layout above */
    bst_cptr_t vs;
    struct tables t;
    bst_error_t e = obj_alloc(BST_OBJ_VSPACE, 0, &vs);
    if (e == BST_OK)
        e = tables_map(vs, IMAGE_BASE, 1, &t);
    for (uint64_t va = IMAGE_BASE; e == BST_OK && va < end; va += PAGE_SIZE) {
        uint64_t scratch;
        bst_cptr_t frame, copy;
        e = root_page(&scratch, &frame);
        if (e != BST_OK)
            break;
        memcpy((void *)(uintptr_t)scratch, (const void *)(uintptr_t)va, PAGE_SIZE);
        e = cap_copy(frame, BST_RIGHTS_RW, &copy);
        if (e == BST_OK)
            e = bst_frame_map(copy, vs, va, BST_RIGHTS_RW, BST_MAP_EXECUTABLE);
    }
    if (e == BST_OK)
        other_vs = vs;
    return e;
}

bst_error_t ipc_thread_new(enum space_kind space, uint64_t prio, bst_cptr_t fault_ep,
                           struct ipc_thread *t)
{
    *t = (struct ipc_thread){0};
    uint64_t root_va;
    bst_cptr_t frame, vs = ROOT_VS, buffer_frame;
    bst_error_t e = space == OTHER_SPACE ? other_space() : BST_OK;
    if (e == BST_OK)
        e = root_page(&root_va, &frame);
    if (e != BST_OK)
        return e;
    memset((void *)(uintptr_t)root_va, 0, PAGE_SIZE);
    t->child_page = root_va;
    buffer_frame = frame;
    if (space == OTHER_SPACE) {
        if (other_next >= OTHER_PAGE_END)
            return BST_NOT_ENOUGH_MEMORY;
        vs = other_vs;
        t->child_page = other_next;
        other_next += 2 * PAGE_SIZE;
        bst_cptr_t stack;
        e = cap_copy(frame, BST_RIGHTS_RW, &buffer_frame);
        if (e == BST_OK)
            e = bst_frame_map(buffer_frame, vs, t->child_page, BST_RIGHTS_RW, 0);
        if (e == BST_OK)
            e = frame_alloc_map(vs, t->child_page + PAGE_SIZE, BST_RIGHTS_RW, 0, &stack);
        if (e != BST_OK)
            return e;
    }
    e = thread_new_sc(vs, prio, &t->tcb, &t->sc);
    if (e == BST_OK)
        e = bst_tcb_configure(t->tcb, fault_ep, ROOT_CNODE, vs, t->child_page, buffer_frame);
    t->buf = (struct bst_ipc_buffer *)(uintptr_t)root_va;
    t->c = (struct ipc_child *)(uintptr_t)(root_va + PAGE_CHILD);
    t->c->tcb = t->tcb;
    /* The TLS block as the child sees it: self and IPC buffer at its own addresses. */
    struct bst_tls *tls = (struct bst_tls *)(uintptr_t)(root_va + PAGE_TLS);
    tls->self = (struct bst_tls *)(uintptr_t)(t->child_page + PAGE_TLS);
    tls->ipc_buffer = (struct bst_ipc_buffer *)(uintptr_t)t->child_page;
    return e;
}

bst_cptr_t ipc_other_vspace(void)
{
    return other_space() == BST_OK ? other_vs : 0;
}

bst_error_t ipc_thread_make_passive(struct ipc_thread *t)
{
    if (!wait_eq(&t->c->started, 1))
        return BST_CANCELLED;
    return bst_sched_context_unbind(t->sc);
}

bst_error_t ipc_thread_start(struct ipc_thread *t, void (*entry)(struct ipc_child *))
{
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    bool same = t->child_page == (uint64_t)(uintptr_t)t->buf;
    r.rip = (uint64_t)(uintptr_t)entry;
    r.rsp = (same ? stack_alloc() : t->child_page + 2 * PAGE_SIZE) - 8;
    r.rflags = 0x202;
    r.rdi = t->child_page + PAGE_CHILD;
    r.fs_base = t->child_page + PAGE_TLS;
    return bst_tcb_write_registers(t->tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r);
}

_Noreturn void ipc_child_finish(struct ipc_child *c)
{
    c->done = 1;
    bst_tcb_suspend(c->tcb);
    for (;;)
        __asm__ volatile("pause");
}

bst_error_t ep_new(bst_cptr_t *ep)
{
    return obj_alloc(BST_OBJ_ENDPOINT, 0, ep);
}

bst_error_t ntfn_new(bst_cptr_t *ntfn)
{
    return obj_alloc(BST_OBJ_NOTIFICATION, 0, ntfn);
}

bst_error_t reply_new(bst_cptr_t *reply)
{
    return obj_alloc(BST_OBJ_REPLY, 0, reply);
}

bst_error_t cap_mint(bst_cptr_t src, bst_rights_t rights, uint64_t badge, bst_cptr_t *dst)
{
    bst_cptr_t slot = slot_alloc();
    if (!slot)
        return BST_NOT_ENOUGH_MEMORY;
    bst_error_t e = bst_cnode_mint(ROOT_CNODE, slot, BST_ROOT_DEPTH, ROOT_CNODE, src,
                                   BST_ROOT_DEPTH, rights, badge);
    if (e == BST_OK)
        *dst = slot;
    return e;
}

#define RECV_POLLS 20000

bst_error_t recv_bounded(bst_cptr_t ep, bst_cptr_t reply, uint64_t *badge, bst_msginfo_t *info,
                         uint64_t mr[BST_MSG_REGISTERS])
{
    for (unsigned i = 0; i < RECV_POLLS; i++) {
        bst_msginfo_t got = 0;
        bst_error_t e = bst_nb_recv(ep, reply, badge, &got, mr);
        if (e != BST_OK || bst_msginfo_label(got) != 0) {
            *info = got;
            return e;
        }
        bst_yield();
        for (unsigned j = 0; j < 1000; j++)
            __asm__ volatile("pause");
    }
    return BST_CANCELLED;
}
