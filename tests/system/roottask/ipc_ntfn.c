/*
 * Notifications: Signal, Wait, Poll, coalescing, and binding to a TCB.
 */
#include "ipc.h"

void test_ntfn_signal_wait(void)
{
    bst_cptr_t ntfn, b;
    uint64_t word = 0;
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 0x5, &b));
    CHECK_OK(bst_signal(b));
    CHECK_OK(bst_wait(ntfn, &word));
    CHECK(word == 0x5, "Wait returned %lx", (unsigned long)word);
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "the word was not cleared: %lx", (unsigned long)word);
}

void test_ntfn_poll(void)
{
    bst_cptr_t ntfn, b;
    uint64_t word = 1;
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "Poll of nothing returned %lx", (unsigned long)word);
    CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 0x100, &b));
    CHECK_OK(bst_signal(b));
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0x100, "Poll returned %lx", (unsigned long)word);
}

void test_ntfn_coalesce(void)
{
    bst_cptr_t ntfn, b[3];
    uint64_t word = 0;
    CHECK_OK(ntfn_new(&ntfn));
    for (unsigned i = 0; i < 3; i++)
        CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 1ull << i, &b[i]));
    for (unsigned round = 0; round < 2; round++)
        for (unsigned i = 0; i < 3; i++)
            CHECK_OK(bst_signal(b[i]));
    CHECK_OK(bst_wait(ntfn, &word));
    CHECK(word == 7, "six signals coalesced into %lx, expected 7", (unsigned long)word);
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "a second Poll returned %lx", (unsigned long)word);
}

static void child_wait(struct ipc_child *c)
{
    uint64_t word = 0;
    c->started = 1;
    c->err = bst_wait(c->ntfn, &word);
    c->badge = word;
    ipc_child_finish(c);
}

void test_ntfn_wait_blocks(void)
{
    struct ipc_thread t;
    bst_cptr_t ntfn, b;
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 0x30, &b));
    CHECK_OK(ipc_thread_new(OTHER_SPACE, HIGH_PRIO, 0, &t));
    t.c->ntfn = ntfn;
    CHECK_OK(ipc_thread_start(&t, child_wait));
    CHECK(wait_eq(&t.c->started, 1), "the waiter never ran");
    settle();
    CHECK(t.c->done == 0, "Wait returned with nothing signalled");
    CHECK_OK(bst_signal(b));
    CHECK(wait_eq(&t.c->done, 1), "the signal did not wake the waiter");
    CHECK(t.c->err == BST_OK && t.c->badge == 0x30, "the waiter got %s, word %lx",
          bst_error_name((bst_error_t)t.c->err), (unsigned long)t.c->badge);
}

/* Receive on an endpoint once (a bound notification may end it). */
static void child_recv_once(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge = 0;
    bst_msginfo_t info = 0;
    c->started = 1;
    c->err = bst_recv(c->ep, c->reply, &badge, &info, mr);
    c->badge = badge;
    c->info = info;
    ipc_child_finish(c);
}

static bst_error_t bound_child(struct ipc_thread *t, bst_cptr_t *ep, bst_cptr_t *ntfn,
                               bst_cptr_t *signaller)
{
    bst_cptr_t reply = 0;
    bst_error_t e = ep_new(ep);
    if (e == BST_OK)
        e = reply_new(&reply);
    if (e == BST_OK)
        e = ntfn_new(ntfn);
    if (e == BST_OK)
        e = cap_mint(*ntfn, BST_RIGHTS_ALL, 0x2, signaller);
    if (e == BST_OK)
        e = ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, t);
    if (e == BST_OK)
        e = bst_tcb_bind_notification(t->tcb, *ntfn);
    t->c->ep = *ep;
    t->c->reply = reply;
    return e;
}

void test_ntfn_bound_ends_recv(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, ntfn, sig;
    CHECK_OK(bound_child(&t, &ep, &ntfn, &sig));
    CHECK_OK(ipc_thread_start(&t, child_recv_once));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    settle();
    CHECK(t.c->done == 0, "Recv returned with nothing sent");
    CHECK_OK(bst_signal(sig));
    CHECK(wait_eq(&t.c->done, 1), "the bound signal did not end the Recv");
    CHECK(t.c->err == BST_OK && bst_msginfo_label(t.c->info) == BST_LABEL_SIGNAL &&
              bst_msginfo_length(t.c->info) == 0 && t.c->badge == 0x2,
          "Recv returned %s label %lx length %u word %lx", bst_error_name((bst_error_t)t.c->err),
          (unsigned long)bst_msginfo_label(t.c->info), bst_msginfo_length(t.c->info),
          (unsigned long)t.c->badge);
    /* The thread left the endpoint's queue: a send now finds no receiver. */
    uint64_t badge = 1;
    bst_msginfo_t info = 1;
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(3, 0, 0, 0), NULL));
    CHECK_OK(bst_nb_recv(ep, t.c->reply, &badge, &info, NULL));
    CHECK(info == 0, "the endpoint still held something: info %lx", (unsigned long)info);
}

void test_ntfn_bound_pending(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, ntfn, sig;
    CHECK_OK(bound_child(&t, &ep, &ntfn, &sig));
    CHECK_OK(bst_signal(sig));
    CHECK_OK(ipc_thread_start(&t, child_recv_once));
    CHECK(wait_eq(&t.c->done, 1), "the pending signal did not end the Recv at once");
    CHECK(bst_msginfo_label(t.c->info) == BST_LABEL_SIGNAL && t.c->badge == 0x2,
          "Recv returned label %lx word %lx", (unsigned long)bst_msginfo_label(t.c->info),
          (unsigned long)t.c->badge);
    uint64_t word = 1;
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "the delivered signal stayed pending: %lx", (unsigned long)word);
}

void test_ntfn_bind_errors(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, ntfn, sig, other, tcb2;
    CHECK_OK(bound_child(&t, &ep, &ntfn, &sig));
    CHECK_OK(ntfn_new(&other));
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb2));
    CHECK_ERR(bst_tcb_bind_notification(t.tcb, other), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_tcb_bind_notification(tcb2, ntfn), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_tcb_bind_notification(tcb2, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_invoke(tcb2, BST_INV_TCB_BIND_NOTIFICATION, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_OK(bst_tcb_unbind_notification(t.tcb));
    CHECK_OK(bst_tcb_unbind_notification(t.tcb)); /* no binding: no error */
    CHECK_OK(bst_tcb_bind_notification(tcb2, ntfn));
    /* Unbound, the thread's Recv is not ended by that notification any more. */
    CHECK_OK(ipc_thread_start(&t, child_recv_once));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    CHECK_OK(bst_signal(sig));
    settle();
    CHECK(t.c->done == 0, "a signal of an unbound notification ended the Recv");
    CHECK_OK(bst_send(ep, bst_msginfo_make(0x12, 0, 0, 0), NULL));
    CHECK(wait_eq(&t.c->done, 1) && bst_msginfo_label(t.c->info) == 0x12,
          "the Recv did not get the message: label %lx", (unsigned long)t.c->info);
}
