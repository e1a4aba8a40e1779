/*
 * Deleting endpoints, notifications, reply objects and TCBs while threads are blocked
 * on them; suspending threads in the middle of IPC; FIFO order of waiters; Yield.
 */
#include "ipc.h"

static bst_error_t delete_cap(bst_cptr_t slot)
{
    return bst_cnode_delete(ROOT_CNODE, slot, BST_ROOT_DEPTH);
}

static void child_send(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS] = {c->id};
    c->started = 1;
    c->err = bst_send(c->ep, bst_msginfo_make(c->label, 1, 0, 0), mr);
    ipc_child_finish(c);
}

static void child_call(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS] = {c->id};
    bst_msginfo_t info = 0;
    c->started = 1;
    c->err = bst_call(c->ep, bst_msginfo_make(c->label, 1, 0, 0), mr, &info);
    c->info = info;
    ipc_child_finish(c);
}

static void child_recv(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS] = {0}, badge = 0;
    bst_msginfo_t info = 0;
    c->started = 1;
    c->err = bst_recv(c->ep, c->reply, &badge, &info, mr);
    c->info = info;
    c->badge = mr[0];
    ipc_child_finish(c);
}

static void child_wait(struct ipc_child *c)
{
    uint64_t word = 0;
    c->started = 1;
    c->err = bst_wait(c->ntfn, &word);
    ipc_child_finish(c);
}

/* A high-priority child at `entry` on `ep`, started and blocked by the time this returns. */
static bst_error_t blocked_child(struct ipc_thread *t, void (*entry)(struct ipc_child *),
                                 bst_cptr_t ep, bst_cptr_t reply, uint64_t id)
{
    bst_error_t e = ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, t);
    if (e != BST_OK)
        return e;
    t->c->ep = ep;
    t->c->ntfn = ep;
    t->c->reply = reply;
    t->c->id = id;
    t->c->label = 0x10 + id;
    t->c->err = 0xff;
    e = ipc_thread_start(t, entry);
    if (e == BST_OK && !wait_eq(&t->c->started, 1))
        e = BST_CANCELLED;
    return e;
}

#define CHECK_WOKEN(t, want)                                                                       \
    CHECK(wait_eq(&(t).c->done, 1) && (t).c->err == (want), "line %d: child %lu: err %s",          \
          __LINE__, (unsigned long)(t).c->id, bst_error_name((bst_error_t)(t).c->err))

void test_delete_endpoint(void)
{
    struct ipc_thread s1, s2, c1, r1;
    bst_cptr_t ep_send, ep_recv, reply;
    CHECK_OK(ep_new(&ep_send));
    CHECK_OK(ep_new(&ep_recv));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&s1, child_send, ep_send, 0, 1));
    CHECK_OK(blocked_child(&s2, child_send, ep_send, 0, 2));
    CHECK_OK(blocked_child(&c1, child_call, ep_send, 0, 3));
    CHECK_OK(blocked_child(&r1, child_recv, ep_recv, reply, 4));
    settle();
    CHECK(s1.c->done == 0 && c1.c->done == 0 && r1.c->done == 0, "a child did not block");
    CHECK_OK(delete_cap(ep_send));
    CHECK_WOKEN(s1, BST_OBJECT_DELETED);
    CHECK_WOKEN(s2, BST_OBJECT_DELETED);
    CHECK_WOKEN(c1, BST_OBJECT_DELETED);
    CHECK_OK(delete_cap(ep_recv));
    CHECK_WOKEN(r1, BST_OBJECT_DELETED);
    /* The reply object the receiver held is free for use again. */
    bst_cptr_t ep2;
    uint64_t badge;
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep2));
    CHECK_OK(bst_nb_recv(ep2, reply, &badge, &info, NULL));
}

void test_delete_notification(void)
{
    struct ipc_thread w1, w2, bound;
    bst_cptr_t ntfn, ntfn2, ntfn3;
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(ntfn_new(&ntfn2));
    CHECK_OK(ntfn_new(&ntfn3));
    CHECK_OK(blocked_child(&w1, child_wait, ntfn, 0, 1));
    CHECK_OK(blocked_child(&w2, child_wait, ntfn, 0, 2));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &bound));
    CHECK_OK(bst_tcb_bind_notification(bound.tcb, ntfn));
    settle();
    CHECK(w1.c->done == 0 && w2.c->done == 0, "a waiter did not block");
    CHECK_OK(delete_cap(ntfn));
    CHECK_WOKEN(w1, BST_OBJECT_DELETED);
    CHECK_WOKEN(w2, BST_OBJECT_DELETED);
    /* The bound TCB was unbound: it takes a new binding. */
    CHECK_OK(bst_tcb_bind_notification(bound.tcb, ntfn2));
    (void)ntfn3;
}

void test_delete_reply_caller(void)
{
    struct ipc_thread c;
    bst_cptr_t ep, reply;
    uint64_t badge, mr[BST_MSG_REGISTERS];
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&c, child_call, ep, 0, 1));
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK(mr[0] == 1, "received MR0 %lu", (unsigned long)mr[0]);
    settle();
    CHECK(c.c->done == 0, "the caller returned before any reply");
    CHECK_OK(delete_cap(reply));
    CHECK_WOKEN(c, BST_OBJECT_DELETED);
}

void test_delete_reply_receiver(void)
{
    struct ipc_thread r;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&r, child_recv, ep, reply, 1));
    settle();
    CHECK(r.c->done == 0, "the receiver did not block");
    CHECK_OK(delete_cap(reply));
    CHECK_WOKEN(r, BST_OBJECT_DELETED);
    /* The receiver left the endpoint: a send finds nobody. */
    bst_cptr_t reply2;
    uint64_t badge = 1;
    bst_msginfo_t info = 1;
    CHECK_OK(reply_new(&reply2));
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(2, 0, 0, 0), NULL));
    CHECK_OK(bst_nb_recv(ep, reply2, &badge, &info, NULL));
    CHECK(info == 0, "the endpoint held a message: %lx", (unsigned long)info);
}

void test_delete_tcb_queued(void)
{
    struct ipc_thread a, b, c;
    bst_cptr_t ep, reply;
    uint64_t badge, mr[BST_MSG_REGISTERS];
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&a, child_send, ep, 0, 1));
    CHECK_OK(blocked_child(&b, child_send, ep, 0, 2));
    CHECK_OK(blocked_child(&c, child_send, ep, 0, 3));
    CHECK_OK(delete_cap(b.tcb)); /* from the middle of the queue */
    CHECK_OK(delete_cap(a.tcb)); /* and its head */
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK(mr[0] == 3, "the first message after the deletions came from child %lu",
          (unsigned long)mr[0]);
    CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
    CHECK(info == 0, "a deleted thread's message arrived: label %lx",
          (unsigned long)bst_msginfo_label(info));
    CHECK_WOKEN(c, BST_OK);
    /* Receivers too: a deleted receiver leaves the queue. */
    struct ipc_thread r1, r2;
    bst_cptr_t ep2, rep1, rep2;
    CHECK_OK(ep_new(&ep2));
    CHECK_OK(reply_new(&rep1));
    CHECK_OK(reply_new(&rep2));
    CHECK_OK(blocked_child(&r1, child_recv, ep2, rep1, 4));
    CHECK_OK(blocked_child(&r2, child_recv, ep2, rep2, 5));
    CHECK_OK(delete_cap(r1.tcb));
    uint64_t w[BST_MSG_REGISTERS] = {0x55};
    CHECK_OK(bst_nb_send(ep2, bst_msginfo_make(7, 1, 0, 0), w));
    CHECK_WOKEN(r2, BST_OK);
    CHECK(r2.c->badge == 0x55, "the second receiver got %lx", (unsigned long)r2.c->badge);
    /* The deleted receiver's reply object works again. */
    CHECK_OK(bst_nb_recv(ep2, rep1, &badge, &info, NULL));
}

void test_delete_tcb_caller(void)
{
    struct ipc_thread c, c2;
    bst_cptr_t ep, reply;
    uint64_t badge, mr[BST_MSG_REGISTERS];
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&c, child_call, ep, 0, 1));
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK_OK(delete_cap(c.tcb));
    /* The reply object was emptied: the reply goes nowhere, no error. */
    CHECK_OK(bst_reply(reply, bst_msginfo_make(1, 0, 0, 0), NULL));
    CHECK_OK(blocked_child(&c2, child_call, ep, 0, 2));
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK(mr[0] == 2, "the next call carried %lu", (unsigned long)mr[0]);
    uint64_t r[BST_MSG_REGISTERS] = {0};
    CHECK_OK(bst_reply(reply, bst_msginfo_make(0x21, 0, 0, 0), r));
    CHECK_WOKEN(c2, BST_OK);
    CHECK(bst_msginfo_label(c2.c->info) == 0x21, "the caller got label %lx",
          (unsigned long)bst_msginfo_label(c2.c->info));
}

/* ---- Suspension ---------------------------------------------------------------------- */

void test_suspend_send(void)
{
    struct ipc_thread s;
    bst_cptr_t ep, reply;
    uint64_t badge, mr[BST_MSG_REGISTERS];
    bst_msginfo_t info = 1;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&s, child_send, ep, 0, 7));
    CHECK_OK(bst_tcb_suspend(s.tcb));
    CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
    CHECK(info == 0, "a suspended sender's message arrived");
    CHECK_OK(bst_tcb_resume(s.tcb));
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK(mr[0] == 7 && bst_msginfo_label(info) == 0x17, "after resume got MR0 %lu label %lx",
          (unsigned long)mr[0], (unsigned long)bst_msginfo_label(info));
    CHECK_WOKEN(s, BST_OK);
}

void test_suspend_recv(void)
{
    struct ipc_thread r;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&r, child_recv, ep, reply, 1));
    CHECK_OK(bst_tcb_suspend(r.tcb));
    uint64_t m1[BST_MSG_REGISTERS] = {0x41}, m2[BST_MSG_REGISTERS] = {0x42};
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(4, 1, 0, 0), m1)); /* nobody waits: dropped */
    CHECK(r.c->done == 0, "a suspended receiver got a message");
    CHECK_OK(bst_tcb_resume(r.tcb));
    settle();
    CHECK(r.c->done == 0, "the resumed Recv returned with nothing sent");
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(5, 1, 0, 0), m2));
    CHECK_WOKEN(r, BST_OK);
    CHECK(bst_msginfo_label(r.c->info) == 5 && r.c->badge == 0x42,
          "the restarted Recv got label %lx MR0 %lx", (unsigned long)bst_msginfo_label(r.c->info),
          (unsigned long)r.c->badge);
}

void test_suspend_call(void)
{
    struct ipc_thread c;
    bst_cptr_t ep, reply;
    uint64_t badge, mr[BST_MSG_REGISTERS];
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(blocked_child(&c, child_call, ep, 0, 1));
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK_OK(bst_tcb_suspend(c.tcb));
    CHECK_OK(bst_tcb_resume(c.tcb));
    CHECK_WOKEN(c, BST_CANCELLED);
    CHECK_OK(bst_reply(reply, bst_msginfo_make(1, 0, 0, 0), NULL)); /* goes nowhere */
}

/* ---- Order --------------------------------------------------------------------------- */

void test_fifo_senders(void)
{
    struct ipc_thread s[4];
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    for (unsigned i = 0; i < 4; i++)
        CHECK_OK(blocked_child(&s[i], child_send, ep, 0, i + 1));
    for (unsigned i = 0; i < 4; i++) {
        uint64_t badge, mr[BST_MSG_REGISTERS];
        bst_msginfo_t info;
        CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
        CHECK(mr[0] == i + 1, "receive %u came from sender %lu", i, (unsigned long)mr[0]);
    }
}

void test_fifo_receivers(void)
{
    struct ipc_thread r[4];
    bst_cptr_t ep, reply[4];
    CHECK_OK(ep_new(&ep));
    for (unsigned i = 0; i < 4; i++) {
        CHECK_OK(reply_new(&reply[i]));
        CHECK_OK(blocked_child(&r[i], child_recv, ep, reply[i], i + 1));
    }
    for (unsigned i = 0; i < 4; i++) {
        uint64_t m[BST_MSG_REGISTERS] = {0x100 + i};
        CHECK_OK(bst_nb_send(ep, bst_msginfo_make(9, 1, 0, 0), m));
        CHECK_WOKEN(r[i], BST_OK);
        CHECK(r[i].c->badge == 0x100 + i, "receiver %u got %lx", i, (unsigned long)r[i].c->badge);
    }
}

/* ---- Yield --------------------------------------------------------------------------- */

void test_yield_alone(void)
{
    CHECK_OK(bst_yield());
    CHECK_OK(bst_yield());
}

#define YIELD_ROUNDS 8
static volatile uint64_t yield_log[2 * YIELD_ROUNDS];
static volatile uint64_t yield_pos;
static volatile uint64_t yield_errors;

static void child_yield(struct ipc_child *c)
{
    c->started = 1;
    for (unsigned i = 0; i < YIELD_ROUNDS; i++) {
        yield_log[yield_pos++] = c->id;
        if (bst_yield() != BST_OK)
            yield_errors++;
    }
    ipc_child_finish(c);
}

void test_yield_alternates(void)
{
    struct ipc_thread t[2];
    yield_pos = 0;
    yield_errors = 0;
    for (unsigned i = 0; i < 2; i++) {
        CHECK_OK(ipc_thread_new(SAME_SPACE, LOW_PRIO, 0, &t[i]));
        t[i].c->id = i + 1;
        CHECK_OK(ipc_thread_start(&t[i], child_yield));
    }
    /* Both are ready below the root; drop under them until they are done. */
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, LOW_PRIO - 1));
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO));
    CHECK(t[0].c->done == 1 && t[1].c->done == 1, "the yielding threads did not finish");
    CHECK(yield_pos == 2 * YIELD_ROUNDS, "log has %lu entries", (unsigned long)yield_pos);
    for (unsigned i = 1; i < 2 * YIELD_ROUNDS; i++)
        CHECK(yield_log[i] != yield_log[i - 1], "thread %lu ran twice in a row at step %u",
              (unsigned long)yield_log[i], i);
    CHECK(yield_errors == 0, "Yield returned an error %lu times", (unsigned long)yield_errors);
}
