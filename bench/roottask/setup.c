/*
 * Objects for the benchmarks, made from the largest RAM untyped the boot info lists.
 * Any failure stops the benchmark image: a figure from a half-built set-up would lie.
 */
#include "bench.h"

#include <bastion/vmattr.h>
#include <libbastion/cnode.h>
#include <libbastion/printf.h>
#include <libbastion/sched.h>
#include <libbastion/string.h>
#include <libbastion/tcb.h>
#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define ROOT_CNODE   ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define ROOT_TCB     ((bst_cptr_t)BST_SLOT_ROOT_TCB)
#define ROOT_VS      ((bst_cptr_t)BST_SLOT_ROOT_VSPACE)
#define SCRATCH_BASE 0x580000ull /* inside the page table that maps the root's image */
#define SCRATCH_END  0x600000ull

static uint64_t next_slot, slot_end;
static bst_cptr_t untyped;
static uint64_t next_scratch = SCRATCH_BASE;

void setup_fail(const char *what, bst_error_t e)
{
    bst_printf("bench: set-up failed: %s: %s\n", what, bst_error_name(e));
    bst_debug_exit(1);
}

static void check(bst_error_t e, const char *what)
{
    if (e != BST_OK) {
        setup_fail(what, e);
    }
}

void setup_init(const struct bst_bootinfo *bi)
{
    next_slot = bi->empty.start;
    slot_end = bi->empty.end;
    unsigned best = 0;
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        if (!d->is_device && d->size_bits > best) {
            best = d->size_bits;
            untyped = bi->untyped.start + i;
        }
    }
    if (best < 20) {
        setup_fail("no RAM untyped of 1 MiB or more", BST_NOT_ENOUGH_MEMORY);
    }
}

static bst_cptr_t slot_alloc(void)
{
    if (next_slot >= slot_end) {
        setup_fail("out of root CNode slots", BST_RANGE_ERROR);
    }
    return next_slot++;
}

bst_cptr_t setup_slot(void)
{
    return slot_alloc();
}

bst_cptr_t setup_object(bst_objtype_t type)
{
    bst_cptr_t slot = slot_alloc();
    check(bst_untyped_retype(untyped, type, 0, ROOT_CNODE, slot, 1), "retype");
    return slot;
}

bst_cptr_t setup_root_frame(uint64_t *vaddr)
{
    if (next_scratch >= SCRATCH_END) {
        setup_fail("out of scratch addresses", BST_RANGE_ERROR);
    }
    bst_cptr_t f = setup_object(BST_OBJ_FRAME_4K);
    *vaddr = next_scratch;
    next_scratch += 4096;
    check(bst_frame_map(f, ROOT_VS, *vaddr, BST_RIGHT_READ | BST_RIGHT_WRITE, 0), "map scratch");
    return f;
}

bst_cptr_t setup_space(const char *code, const char *code_end, bst_cptr_t shared_frame,
                       bst_cptr_t *ipc_frame)
{
    bst_cptr_t vs = setup_object(BST_OBJ_VSPACE);
    static const bst_objtype_t tables[] = {BST_OBJ_PT_L3, BST_OBJ_PT_L2, BST_OBJ_PT_L1};
    for (unsigned i = 0; i < 3; i++) {
        check(bst_page_table_map(setup_object(tables[i]), vs, SPACE_CODE), "map page table");
    }
    uint64_t scratch;
    bst_cptr_t code_frame = setup_root_frame(&scratch);
    memcpy((void *)(uintptr_t)scratch, code, (size_t)(code_end - code));
    check(bst_frame_unmap(code_frame), "unmap code");
    check(bst_frame_map(code_frame, vs, SPACE_CODE, BST_RIGHT_READ, BST_MAP_EXECUTABLE),
          "map code");
    *ipc_frame = setup_object(BST_OBJ_FRAME_4K);
    check(bst_frame_map(*ipc_frame, vs, SPACE_IPC, BST_RIGHT_READ | BST_RIGHT_WRITE, 0),
          "map IPC buffer");
    if (shared_frame != 0) {
        bst_cptr_t copy = slot_alloc();
        check(bst_cnode_copy(ROOT_CNODE, copy, 64, ROOT_CNODE, shared_frame, 64,
                             BST_RIGHT_READ | BST_RIGHT_WRITE),
              "copy shared frame cap");
        check(bst_frame_map(copy, vs, SPACE_SHARED, BST_RIGHT_READ | BST_RIGHT_WRITE, 0),
              "map shared frame");
    }
    return vs;
}

/* Each thread's scheduling context, to make it passive later. */
#define MAX_THREADS 32
struct thread_sc {
    bst_cptr_t tcb, sc;
};
static struct thread_sc thread_scs[MAX_THREADS];
static unsigned n_threads;

bst_cptr_t setup_thread(bst_cptr_t vspace, uint64_t ipc_vaddr, bst_cptr_t ipc_frame, uint64_t prio,
                        uint64_t rip, uint64_t rbx, uint64_t r12, uint64_t rbp)
{
    bst_cptr_t tcb = setup_object(BST_OBJ_TCB), sc = setup_object(BST_OBJ_SCHED_CONTEXT);
    check(bst_tcb_configure(tcb, 0, ROOT_CNODE, vspace, ipc_vaddr, ipc_frame), "configure");
    check(bst_tcb_set_sched_params(tcb, ROOT_TCB, 0, prio), "priority");
    check(bst_sched_control_configure(BST_SLOT_SCHED_CONTROL, sc, 10000, 10000), "context");
    check(bst_sched_context_bind(sc, tcb), "bind context");
    if (n_threads < MAX_THREADS)
        thread_scs[n_threads++] = (struct thread_sc){tcb, sc};
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = rip;
    r.rflags = 0x202;
    r.rbx = rbx;
    r.r12 = r12;
    r.rbp = rbp;
    check(bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, 15, &r), "start thread");
    return tcb;
}

void setup_make_passive(bst_cptr_t tcb)
{
    for (unsigned i = 0; i < n_threads; i++)
        if (thread_scs[i].tcb == tcb) {
            check(bst_sched_context_unbind(thread_scs[i].sc), "make passive");
            return;
        }
    setup_fail("make passive: not a thread of setup_thread()", BST_INVALID_ARGUMENT);
}
