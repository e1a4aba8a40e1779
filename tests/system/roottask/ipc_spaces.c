/*
 * A thread whose CSpace or VSpace cap is taken from it (the cap its TCB slot was copied
 * from is revoked) cannot run: the kernel suspends it, takes it out of any endpoint
 * queue, and refuses to resume it until TCB_CONFIGURE or SET_SPACE gives it new ones
 * (docs/kernel.md, "Threads"). Issue 26: the kernel once went on scheduling such a
 * thread and loaded CR3 with 0 (the machine reset), or let it run with a CSpace whose
 * CNode the fastpath still had cached.
 */
#include "ipc.h"

#include <libbastion/tcb.h>

/* Counts for ever, yielding each time round. */
static void child_count(struct ipc_child *c)
{
    c->started = 1;
    for (;;) {
        c->count++;
        bst_yield();
    }
}

/* Waits for calls for ever, counting them. */
static void child_serve(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    for (;;) {
        c->err = bst_recv(c->ep, c->reply, &badge, &info, mr);
        c->count++;
    }
}

/* A child in the other space, at the root's priority, whose TCB holds copies of
 * `cspace` and `vspace`, counting. */
static bool counting_child(struct ipc_thread *t, bst_cptr_t cspace, bst_cptr_t vspace)
{
    return ipc_thread_new(OTHER_SPACE, ROOT_PRIO, 0, t) == BST_OK &&
           bst_tcb_set_space(t->tcb, 0, cspace, vspace) == BST_OK &&
           ipc_thread_start(t, child_count) == BST_OK && wait_ge(&t->c->count, 3);
}

/* Yield and spin a while: a runnable child at the root's priority gets the CPU. */
static void let_others_run(void)
{
    for (unsigned i = 0; i < 20; i++)
        CHECK_OK(bst_yield());
    settle();
}

void test_spaces_vspace_revoked(void)
{
    struct ipc_thread t;
    bst_cptr_t vs;
    CHECK_OK(cap_copy(ipc_other_vspace(), BST_RIGHTS_ALL, &vs));
    CHECK(counting_child(&t, ROOT_CNODE, vs), "the child never ran");
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, vs, BST_ROOT_DEPTH)); /* its TCB's copy goes */
    uint64_t n = t.c->count;
    let_others_run();
    CHECK(t.c->count == n, "the child ran %lu more times without a VSpace",
          (unsigned long)(t.c->count - n));
    CHECK_ERR(bst_tcb_resume(t.tcb), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_tcb_set_space(t.tcb, 0, ROOT_CNODE, ipc_other_vspace()));
    CHECK_OK(bst_tcb_resume(t.tcb));
    CHECK(wait_ge(&t.c->count, n + 3), "the child did not run again with its space back");
}

void test_spaces_cspace_revoked(void)
{
    struct ipc_thread t;
    bst_cptr_t cs;
    CHECK_OK(cap_copy(ROOT_CNODE, BST_RIGHTS_ALL, &cs));
    CHECK(counting_child(&t, cs, ipc_other_vspace()), "the child never ran");
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, cs, BST_ROOT_DEPTH));
    uint64_t n = t.c->count;
    let_others_run();
    CHECK(t.c->count == n, "the child ran %lu more times without a CSpace",
          (unsigned long)(t.c->count - n));
    CHECK_ERR(bst_tcb_resume(t.tcb), BST_ILLEGAL_OPERATION);
}

/* A server waiting in Recv loses its VSpace: it leaves the endpoint, so a message sent
 * there finds no receiver (and the kernel never switches to the server's space). */
void test_spaces_vspace_revoked_server(void)
{
    struct ipc_thread s;
    bst_cptr_t ep, reply, vs;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(cap_copy(ipc_other_vspace(), BST_RIGHTS_ALL, &vs));
    CHECK_OK(ipc_thread_new(OTHER_SPACE, HIGH_PRIO, 0, &s));
    CHECK_OK(bst_tcb_set_space(s.tcb, 0, ROOT_CNODE, vs));
    s.c->ep = ep;
    s.c->reply = reply;
    CHECK_OK(ipc_thread_start(&s, child_serve));
    CHECK(wait_eq(&s.c->started, 1), "the server never ran");
    uint64_t mr[BST_MSG_REGISTERS] = {1};
    CHECK_OK(bst_send(ep, bst_msginfo_make(0x20, 1, 0, 0), mr));
    CHECK(wait_eq(&s.c->count, 1), "the server did not take the first message");
    /* Blocked in Recv, it is not inactive: its spaces stay (issue 26). */
    CHECK_ERR(bst_tcb_set_space(s.tcb, 0, ROOT_CNODE, ipc_other_vspace()), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_cnode_revoke(ROOT_CNODE, vs, BST_ROOT_DEPTH));
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(0x20, 1, 0, 0), mr));
    let_others_run();
    CHECK(s.c->count == 1, "the server took %lu messages without a VSpace",
          (unsigned long)s.c->count);
}
