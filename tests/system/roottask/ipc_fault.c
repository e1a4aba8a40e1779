/*
 * Faults as messages: each fault type reaches the fault endpoint as a message
 * (bastion/fault.h), and the handler's reply resumes, moves or stops the thread.
 */
#include "ipc.h"

#include <libbastion/string.h>

#define FAULT_BADGE 0x99

struct handler {
    bst_cptr_t ep, badged, reply;
    struct ipc_thread t;
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
};

/* A child whose fault endpoint is a badged copy of a fresh endpoint. */
static bst_error_t faulting_child(struct handler *h, enum space_kind space)
{
    bst_error_t e = ep_new(&h->ep);
    if (e == BST_OK)
        e = reply_new(&h->reply);
    if (e == BST_OK)
        e = cap_mint(h->ep, BST_RIGHTS_ALL, FAULT_BADGE, &h->badged);
    if (e == BST_OK)
        e = ipc_thread_new(space, HIGH_PRIO, h->badged, &h->t);
    return e;
}

/* Receive the fault message and check what every fault message must carry. */
static bst_error_t fault_recv(struct handler *h, bst_fault_t type)
{
    bst_error_t e = recv_bounded(h->ep, h->reply, &h->badge, &h->info, h->mr);
    if (e != BST_OK)
        return e;
    if (bst_msginfo_label(h->info) != type) {
        test_fail("fault label %lu, expected %u", (unsigned long)bst_msginfo_label(h->info), type);
        return BST_INVALID_ARGUMENT;
    }
    if (bst_msginfo_length(h->info) != BST_FAULT_MSG_LENGTH || h->badge != FAULT_BADGE) {
        test_fail("fault message length %u badge %lx", bst_msginfo_length(h->info),
                  (unsigned long)h->badge);
        return BST_INVALID_ARGUMENT;
    }
    return BST_OK;
}

static bst_error_t fault_reply(struct handler *h, enum bst_fault_reply how, unsigned n,
                               const uint64_t *regs)
{
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    for (unsigned i = 0; i < n; i++) {
        if (i < BST_MSG_REGISTERS)
            mr[i] = regs[i];
        else
            bst_ipc_buffer()->msg[i] = regs[i];
    }
    return bst_reply(h->reply, bst_msginfo_make(how, n, 0, 0), mr);
}

static void child_read(struct ipc_child *c)
{
    c->started = 1;
    c->badge = probe_read(c->arg);
    ipc_child_finish(c);
}

void test_fault_page_resume(void)
{
    /* The address has page tables in the root's space but no frame yet. */
    uint64_t base = region_alloc();
    struct tables t;
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    struct handler s;
    CHECK_OK(faulting_child(&s, SAME_SPACE));
    s.t.c->arg = base + 0x10;
    CHECK_OK(ipc_thread_start(&s.t, child_read));
    CHECK_OK(fault_recv(&s, BST_FAULT_PAGE));
    CHECK(s.mr[0] == (uint64_t)(uintptr_t)probe_read && s.mr[1] == base + 0x10,
          "page fault at ip %lx address %lx, expected %lx %lx", (unsigned long)s.mr[0],
          (unsigned long)s.mr[1], (unsigned long)(uintptr_t)probe_read,
          (unsigned long)(base + 0x10));
    CHECK(s.mr[3] != 0 && (s.mr[3] & 7) == 0, "stack pointer %lx", (unsigned long)s.mr[3]);
    CHECK(s.t.c->done == 0, "the faulted thread ran on");
    bst_cptr_t frame;
    CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &frame));
    *(volatile uint64_t *)(uintptr_t)(base + 0x10) = 0xfeed;
    CHECK_OK(fault_reply(&s, BST_FAULT_REPLY_RESUME, 0, NULL));
    CHECK(wait_eq(&s.t.c->done, 1), "RESUME did not retry the read");
    CHECK(s.t.c->badge == 0xfeed, "the retried read returned %lx", (unsigned long)s.t.c->badge);
}

static void child_ud(struct ipc_child *c)
{
    c->started = 1;
    probe_ud();
    ipc_child_finish(c);
}

void test_fault_ud_resume_regs(void)
{
    struct handler h;
    CHECK_OK(faulting_child(&h, OTHER_SPACE));
    CHECK_OK(ipc_thread_start(&h.t, child_ud));
    CHECK_OK(fault_recv(&h, BST_FAULT_UNDEFINED_INSTRUCTION));
    CHECK(h.mr[0] == (uint64_t)(uintptr_t)probe_ud, "ip %lx, expected probe_ud %lx",
          (unsigned long)h.mr[0], (unsigned long)(uintptr_t)probe_ud);
    uint64_t regs[1] = {h.mr[0] + 2}; /* past the ud2 */
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME_REGS, 1, regs));
    CHECK(wait_eq(&h.t.c->done, 1), "RESUME_REGS past the ud2 did not continue the thread");
}

static void child_divide(struct ipc_child *c)
{
    c->started = 1;
    c->badge = probe_divide(c->arg);
    ipc_child_finish(c);
}

void test_fault_divide_stop(void)
{
    struct handler h;
    CHECK_OK(faulting_child(&h, SAME_SPACE));
    CHECK_OK(ipc_thread_start(&h.t, child_divide));
    CHECK_OK(fault_recv(&h, BST_FAULT_DIVIDE));
    CHECK(h.mr[0] == (uint64_t)(uintptr_t)probe_divide_insn, "ip %lx, expected %lx",
          (unsigned long)h.mr[0], (unsigned long)(uintptr_t)probe_divide_insn);
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_STOP, 0, NULL));
    settle();
    CHECK(h.t.c->done == 0, "STOP let the thread run on");
    uint64_t badge = 1;
    bst_msginfo_t info = 1;
    CHECK_OK(bst_nb_recv(h.ep, h.reply, &badge, &info, NULL));
    CHECK(info == 0, "the stopped thread faulted again: label %lx",
          (unsigned long)bst_msginfo_label(info));
    struct bst_tcb_regs r;
    CHECK_OK(bst_tcb_read_registers(h.t.tcb, 1, &r));
    CHECK(r.rip == (uint64_t)(uintptr_t)probe_divide_insn, "the stopped thread's rip is %lx",
          (unsigned long)r.rip);
    /* Stopped means suspended: a resume with the divisor fixed lets it finish. */
    r.rip = (uint64_t)(uintptr_t)probe_divide_insn;
    CHECK_OK(bst_tcb_write_registers(h.t.tcb, 0, 1, &r));
    CHECK_OK(bst_tcb_resume(h.t.tcb));
    CHECK_OK(fault_recv(&h, BST_FAULT_DIVIDE));                      /* divides by zero again */
    uint64_t regs[1] = {(uint64_t)(uintptr_t)probe_divide_insn + 3}; /* divq %rdi: 3 bytes */
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME_REGS, 1, regs));
    CHECK(wait_eq(&h.t.c->done, 1), "the thread did not finish after RESUME_REGS");
}

/* Make a system call with an unknown number; record rax after it. */
static void child_unknown_syscall(struct ipc_child *c)
{
    struct bst_sysregs r = {.rax = 0x77};
    c->started = 1;
    bst_arch_syscall(&r);
    c->err = r.rax;
    ipc_child_finish(c);
}

void test_fault_unknown_syscall(void)
{
    struct handler h;
    CHECK_OK(faulting_child(&h, OTHER_SPACE));
    CHECK_OK(ipc_thread_start(&h.t, child_unknown_syscall));
    CHECK_OK(fault_recv(&h, BST_FAULT_UNKNOWN_SYSCALL));
    CHECK(h.mr[2] == 0x77, "the message names system call %lu", (unsigned long)h.mr[2]);
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME, 0, NULL));
    CHECK(wait_eq(&h.t.c->done, 1), "RESUME did not continue after the system call");
}

/* Send on c->ep (a cap the child may not use that way); record the outcome. */
static void child_bad_send(struct ipc_child *c)
{
    c->started = 1;
    c->err = bst_nb_send(c->ep, bst_msginfo_make(1, 0, 0, 0), NULL);
    ipc_child_finish(c);
}

void test_fault_capability(void)
{
    struct handler h;
    bst_cptr_t empty = slot_alloc();
    CHECK_OK(faulting_child(&h, SAME_SPACE));
    h.t.c->ep = empty;
    CHECK_OK(ipc_thread_start(&h.t, child_bad_send));
    CHECK_OK(fault_recv(&h, BST_FAULT_CAPABILITY));
    CHECK(h.mr[1] == empty && h.mr[2] == BST_INVALID_CAPABILITY,
          "capability fault address %lx code %lu, expected %lx INVALID_CAPABILITY",
          (unsigned long)h.mr[1], (unsigned long)h.mr[2], (unsigned long)empty);
    /* RESUME retries the system call: first unchanged (it faults again), then after the
     * handler put a notification cap in the slot (the retried send signals it). */
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME, 0, NULL));
    CHECK_OK(fault_recv(&h, BST_FAULT_CAPABILITY));
    bst_cptr_t ntfn;
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_OK(bst_cnode_copy(ROOT_CNODE, empty, 64, ROOT_CNODE, ntfn, 64, BST_RIGHTS_ALL));
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME, 0, NULL));
    CHECK(wait_eq(&h.t.c->done, 1), "RESUME after a capability fault did not retry the call");
    CHECK(h.t.c->err == BST_OK, "the retried send returned %s",
          bst_error_name((bst_error_t)h.t.c->err));
    bst_printf("note: after RESUME of a capability fault the Send returned %lu\n",
               (unsigned long)h.t.c->err);
}

void test_ipc_rights_cap_fault(void)
{
    struct handler h;
    bst_cptr_t ep, ep_r;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(cap_copy(ep, BST_RIGHT_READ, &ep_r));
    CHECK_OK(faulting_child(&h, SAME_SPACE));
    h.t.c->ep = ep_r;
    CHECK_OK(ipc_thread_start(&h.t, child_bad_send));
    CHECK_OK(fault_recv(&h, BST_FAULT_CAPABILITY));
    CHECK(h.mr[2] == BST_INSUFFICIENT_RIGHTS, "capability fault code %lu, expected %u",
          (unsigned long)h.mr[2], BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_STOP, 0, NULL));
    settle();
    CHECK(h.t.c->done == 0, "STOP let the thread run on");
}

/* A SYSCALL at the end of the last page that may be mapped (last_page_syscall()) returns
 * to BST_USER_MAP_TOP: its handler gets a page fault there (the page below
 * BST_USER_TOP is never mapped, so that no SYSCALL returns to a non-canonical address)
 * and moves the thread on with RESUME_REGS. */
void test_fault_syscall_at_map_top(void)
{
    struct handler h;
    uint64_t rip;
    CHECK_OK(last_page_syscall(&rip));
    CHECK_OK(faulting_child(&h, SAME_SPACE));
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = rip;
    r.rsp = stack_alloc() - 8;
    r.rflags = 0x202;
    r.rax = BST_SYS_YIELD;
    r.fs_base = h.t.child_page + 1024;
    CHECK_OK(bst_tcb_write_registers(h.t.tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r));
    CHECK_OK(fault_recv(&h, BST_FAULT_PAGE));
    CHECK(h.mr[0] == BST_USER_MAP_TOP, "ip %lx, expected %lx", (unsigned long)h.mr[0],
          (unsigned long)BST_USER_MAP_TOP);
    /* RESUME_REGS with nine registers (five through the IPC buffer): rip .. rdi. */
    uint64_t regs[9] = {0};
    regs[0] = (uint64_t)(uintptr_t)ipc_child_finish;
    regs[1] = r.rsp;
    regs[2] = 0x202;
    regs[8] = h.t.child_page + 2048; /* rdi: its block */
    CHECK_OK(fault_reply(&h, BST_FAULT_REPLY_RESUME_REGS, 9, regs));
    CHECK(wait_eq(&h.t.c->done, 1), "RESUME_REGS did not move the thread to a good rip");
}
