/*
 * Endpoints and reply objects: Call, Send, Recv, Reply-Recv and the non-blocking
 * variants, message lengths, badges, errors, rights and capability transfer.
 */
#include "ipc.h"

#include <libbastion/string.h>

void test_ipc_root_priority(void)
{
    CHECK_OK(bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, ROOT_PRIO));
}

/* ---- Children ----------------------------------------------------------------------- */

/* Record a received message: error, badge, info and every word. */
static void record(struct ipc_child *c, bst_error_t e, uint64_t badge, bst_msginfo_t info,
                   const uint64_t mr[BST_MSG_REGISTERS], bool has_buffer)
{
    c->err = e;
    c->badge = badge;
    c->info = info;
    unsigned n = bst_msginfo_length(info);
    for (unsigned i = 0; i < n && i < BST_MSG_MAX_LENGTH; i++) {
        if (i < BST_MSG_REGISTERS)
            c->mr[i] = mr[i];
        else if (has_buffer)
            c->mr[i] = bst_ipc_buffer()->msg[i];
    }
    c->count++;
}

/* Server: answers each Call with its words + 1 and label + 1, by Reply-Recv. */
static void child_echo_server(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
    for (;;) {
        record(c, e, badge, info, mr, true);
        if (e != BST_OK)
            ipc_child_finish(c);
        unsigned n = bst_msginfo_length(info);
        for (unsigned i = 0; i < n; i++) {
            if (i < BST_MSG_REGISTERS)
                mr[i]++;
            else
                bst_ipc_buffer()->msg[i]++;
        }
        bst_msginfo_t r = bst_msginfo_make(bst_msginfo_label(info) + 1, n, 0, 0);
        e = bst_reply_recv(c->ep, c->reply, r, mr, &badge, &info);
    }
}

/* Receive one message, record it, end. */
static void child_receive_once(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
    record(c, e, badge, info, mr, true);
    ipc_child_finish(c);
}

/* The same for a thread without an IPC buffer: only the register words. */
static void child_receive_regs(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
    record(c, e, badge, info, mr, false);
    ipc_child_finish(c);
}

/* Receive for ever, logging badges. */
static void child_receive_loop(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    for (;;) {
        bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
        if (c->count < 16)
            c->log[c->count] = badge;
        record(c, e, badge, info, mr, true);
    }
}

/* Send `length` pattern words with `label`, record the outcome. */
static void child_send(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS];
    for (unsigned i = 0; i < c->length; i++) {
        if (i < BST_MSG_REGISTERS)
            mr[i] = pattern(c->id, i);
        else
            bst_ipc_buffer()->msg[i] = pattern(c->id, i);
    }
    c->started = 1;
    c->err = bst_send(c->ep, bst_msginfo_make(c->label, (unsigned)c->length, 0, 0), mr);
    ipc_child_finish(c);
}

/* Call with `label` and two words; record the reply. */
static void child_call(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS] = {c->id, c->arg, 0, 0};
    bst_msginfo_t info = 0;
    c->started = 1;
    bst_error_t e = bst_call(c->ep, bst_msginfo_make(c->label, 2, 0, 0), mr, &info);
    record(c, e, 0, info, mr, true);
    ipc_child_finish(c);
}

/* ---- Call in the same and another space, at several priorities and lengths ---------- */

/* A server of higher priority than the root is made passive (it runs on the root's
 * scheduling context, lent over each Call: the fastpath's case); one of equal or lower
 * priority keeps its own context (an active server: the full path). */
static void call_echo(enum space_kind space, uint64_t prio, unsigned len)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ipc_thread_new(space, prio, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    CHECK_OK(ipc_thread_start(&t, child_echo_server));
    if (prio > ROOT_PRIO)
        CHECK_OK(ipc_thread_make_passive(&t));
    struct bst_ipc_buffer *buf = bst_ipc_buffer();
    for (unsigned round = 1; round <= 3; round++) {
        uint64_t mr[BST_MSG_REGISTERS] = {0};
        for (unsigned i = 0; i < len; i++) {
            if (i < BST_MSG_REGISTERS)
                mr[i] = pattern(round, i);
            else
                buf->msg[i] = pattern(round, i);
        }
        bst_msginfo_t ri = 0;
        CHECK_OK(bst_call(ep, bst_msginfo_make(0x100 + round, len, 0, 0), mr, &ri));
        CHECK(bst_msginfo_label(ri) == 0x101 + round && bst_msginfo_length(ri) == len,
              "round %u: reply label %lx length %u", round, (unsigned long)bst_msginfo_label(ri),
              bst_msginfo_length(ri));
        CHECK(t.c->count == round && t.c->err == BST_OK && t.c->badge == 0,
              "round %u: server count %lu err %lu badge %lx", round, (unsigned long)t.c->count,
              (unsigned long)t.c->err, (unsigned long)t.c->badge);
        CHECK(bst_msginfo_length(t.c->info) == len, "server saw length %u",
              bst_msginfo_length(t.c->info));
        for (unsigned i = 0; i < len; i++) {
            uint64_t got = i < BST_MSG_REGISTERS ? mr[i] : buf->msg[i];
            CHECK(t.c->mr[i] == pattern(round, i), "round %u: server got MR%u = %lx", round, i,
                  (unsigned long)t.c->mr[i]);
            CHECK(got == pattern(round, i) + 1, "round %u: reply MR%u = %lx, expected %lx", round,
                  i, (unsigned long)got, (unsigned long)(pattern(round, i) + 1));
        }
    }
}

void test_ipc_call_same_len0(void)
{
    call_echo(SAME_SPACE, HIGH_PRIO, 0);
}

void test_ipc_call_same_len1(void)
{
    call_echo(SAME_SPACE, HIGH_PRIO, 1);
}

void test_ipc_call_same_len4(void)
{
    call_echo(SAME_SPACE, HIGH_PRIO, BST_MSG_REGISTERS);
}

void test_ipc_call_same_len120(void)
{
    call_echo(SAME_SPACE, HIGH_PRIO, BST_MSG_MAX_LENGTH);
}

void test_ipc_call_same_equal_prio(void)
{
    call_echo(SAME_SPACE, ROOT_PRIO, BST_MSG_MAX_LENGTH);
}

void test_ipc_call_same_low_prio(void)
{
    call_echo(SAME_SPACE, LOW_PRIO, 7);
}

void test_ipc_call_other_len0(void)
{
    call_echo(OTHER_SPACE, HIGH_PRIO, 0);
}

void test_ipc_call_other_len1(void)
{
    call_echo(OTHER_SPACE, HIGH_PRIO, 1);
}

void test_ipc_call_other_len4(void)
{
    call_echo(OTHER_SPACE, HIGH_PRIO, BST_MSG_REGISTERS);
}

void test_ipc_call_other_len120(void)
{
    call_echo(OTHER_SPACE, HIGH_PRIO, BST_MSG_MAX_LENGTH);
}

void test_ipc_call_other_equal_prio(void)
{
    call_echo(OTHER_SPACE, ROOT_PRIO, BST_MSG_MAX_LENGTH);
}

/* Each thread's bst_ipc_buffer() is its own (TLS), not the root's. */
static void child_tls(struct ipc_child *c)
{
    c->started = 1;
    c->arg = (uint64_t)(uintptr_t)bst_ipc_buffer();
    bst_ipc_buffer()->user_data = 0x715;
    ipc_child_finish(c);
}

void test_ipc_tls_per_thread(void)
{
    struct ipc_thread t;
    CHECK(bst_ipc_buffer() != NULL, "the root has no IPC buffer");
    CHECK(bst_tls_self()->ipc_buffer == bst_ipc_buffer(), "the root's TLS block is not its own");
    uint64_t before = bst_ipc_buffer()->user_data;
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    CHECK_OK(ipc_thread_start(&t, child_tls));
    CHECK(wait_eq(&t.c->done, 1), "the child did not finish");
    CHECK(t.c->arg == t.child_page, "the child's buffer is %lx, expected %lx",
          (unsigned long)t.c->arg, (unsigned long)t.child_page);
    CHECK(t.buf->user_data == 0x715, "the child's buffer was not written");
    CHECK(bst_ipc_buffer()->user_data == before, "the child wrote the root's buffer");
}

/* ---- Send and Recv, blocking and not ------------------------------------------------ */

void test_ipc_send_to_waiting_receiver(void)
{
    static const unsigned lengths[] = {0, 1, BST_MSG_REGISTERS, BST_MSG_MAX_LENGTH};
    for (unsigned k = 0; k < 4; k++) {
        struct ipc_thread t;
        bst_cptr_t ep, reply;
        unsigned len = lengths[k];
        CHECK_OK(ep_new(&ep));
        CHECK_OK(reply_new(&reply));
        CHECK_OK(ipc_thread_new(k % 2 ? OTHER_SPACE : SAME_SPACE, HIGH_PRIO, 0, &t));
        t.c->ep = ep;
        t.c->reply = reply;
        CHECK_OK(ipc_thread_start(&t, child_receive_once));
        CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
        uint64_t mr[BST_MSG_REGISTERS] = {0};
        for (unsigned i = 0; i < len; i++) {
            if (i < BST_MSG_REGISTERS)
                mr[i] = pattern(k + 9, i);
            else
                bst_ipc_buffer()->msg[i] = pattern(k + 9, i);
        }
        CHECK_OK(bst_send(ep, bst_msginfo_make(0x55, len, 0, 0), mr));
        CHECK(wait_eq(&t.c->done, 1), "len %u: the receiver did not get the message", len);
        CHECK(t.c->err == BST_OK && bst_msginfo_label(t.c->info) == 0x55 &&
                  bst_msginfo_length(t.c->info) == len,
              "len %u: receiver err %lu label %lx length %u", len, (unsigned long)t.c->err,
              (unsigned long)bst_msginfo_label(t.c->info), bst_msginfo_length(t.c->info));
        for (unsigned i = 0; i < len; i++)
            CHECK(t.c->mr[i] == pattern(k + 9, i), "len %u: MR%u = %lx", len, i,
                  (unsigned long)t.c->mr[i]);
    }
}

void test_ipc_recv_from_waiting_sender(void)
{
    static const unsigned lengths[] = {0, 1, BST_MSG_REGISTERS, BST_MSG_MAX_LENGTH};
    for (unsigned k = 0; k < 4; k++) {
        struct ipc_thread t;
        bst_cptr_t ep, reply;
        unsigned len = lengths[k];
        CHECK_OK(ep_new(&ep));
        CHECK_OK(reply_new(&reply));
        CHECK_OK(ipc_thread_new(k % 2 ? SAME_SPACE : OTHER_SPACE, HIGH_PRIO, 0, &t));
        t.c->ep = ep;
        t.c->id = k + 20;
        t.c->length = len;
        t.c->label = 0x66;
        CHECK_OK(ipc_thread_start(&t, child_send));
        CHECK(wait_eq(&t.c->started, 1), "the sender never ran");
        CHECK(t.c->done == 0, "the send returned with nobody receiving");
        uint64_t mr[BST_MSG_REGISTERS], badge = 1;
        bst_msginfo_t info;
        CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
        CHECK(bst_msginfo_label(info) == 0x66 && bst_msginfo_length(info) == len && badge == 0,
              "len %u: got label %lx length %u badge %lx", len,
              (unsigned long)bst_msginfo_label(info), bst_msginfo_length(info),
              (unsigned long)badge);
        for (unsigned i = 0; i < len; i++) {
            uint64_t got = i < BST_MSG_REGISTERS ? mr[i] : bst_ipc_buffer()->msg[i];
            CHECK(got == pattern(k + 20, i), "len %u: MR%u = %lx", len, i, (unsigned long)got);
        }
        CHECK(wait_eq(&t.c->done, 1) && t.c->err == BST_OK, "the sender's Send returned %lu",
              (unsigned long)t.c->err);
    }
}

void test_ipc_nb_send_dropped(void)
{
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    uint64_t mr[BST_MSG_REGISTERS] = {1, 2, 3, 4}, badge = 9;
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(0x77, 4, 0, 0), mr));
    bst_msginfo_t info = 1;
    CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
    CHECK(info == 0 && badge == 0, "the dropped message arrived: info %lx badge %lx",
          (unsigned long)info, (unsigned long)badge);
}

void test_ipc_nb_send_delivered(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    CHECK_OK(ipc_thread_start(&t, child_receive_once));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    uint64_t mr[BST_MSG_REGISTERS] = {11, 12, 13, 14};
    CHECK_OK(bst_nb_send(ep, bst_msginfo_make(0x78, 3, 0, 0), mr));
    CHECK(wait_eq(&t.c->done, 1), "the waiting receiver got nothing");
    CHECK(bst_msginfo_label(t.c->info) == 0x78 && bst_msginfo_length(t.c->info) == 3 &&
              t.c->mr[0] == 11 && t.c->mr[2] == 13,
          "received info %lx, MR0 %lu MR2 %lu", (unsigned long)t.c->info, (unsigned long)t.c->mr[0],
          (unsigned long)t.c->mr[2]);
}

void test_ipc_nb_recv_empty(void)
{
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    uint64_t mr[BST_MSG_REGISTERS], badge = 0xdead;
    bst_msginfo_t info = 0xbeef;
    CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
    CHECK(info == 0 && badge == 0, "NB_Recv of nothing: info %lx badge %lx", (unsigned long)info,
          (unsigned long)badge);
}

void test_ipc_no_ipc_buffer_cut(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    CHECK_OK(bst_tcb_set_ipc_buffer(t.tcb, 0, 0));
    t.c->ep = ep;
    t.c->reply = reply;
    t.buf->msg[5] = 0x5a5a;
    CHECK_OK(ipc_thread_start(&t, child_receive_regs));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    uint64_t mr[BST_MSG_REGISTERS] = {21, 22, 23, 24};
    bst_ipc_buffer()->msg[5] = 0x1234;
    CHECK_OK(bst_send(ep, bst_msginfo_make(0x79, 10, 0, 0), mr));
    CHECK(wait_eq(&t.c->done, 1), "the receiver got nothing");
    CHECK(bst_msginfo_length(t.c->info) == BST_MSG_REGISTERS && t.c->mr[3] == 24,
          "a 10-word message to a thread without IPC buffer arrived with length %u",
          bst_msginfo_length(t.c->info));
    CHECK(t.buf->msg[5] == 0x5a5a, "the kernel wrote into the unconfigured buffer");
}

/* ---- Badges, replies ---------------------------------------------------------------- */

void test_ipc_badges(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply, b1, b2;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(cap_mint(ep, BST_RIGHTS_ALL, 0x11, &b1));
    CHECK_OK(cap_mint(ep, BST_RIGHTS_ALL, 0x22, &b2));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    CHECK_OK(ipc_thread_start(&t, child_receive_loop));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    bst_msginfo_t m = bst_msginfo_make(1, 0, 0, 0);
    CHECK_OK(bst_send(b1, m, NULL));
    CHECK_OK(bst_send(b2, m, NULL));
    CHECK_OK(bst_send(ep, m, NULL));
    CHECK(wait_eq(&t.c->count, 3), "the receiver got %lu messages", (unsigned long)t.c->count);
    CHECK(t.c->log[0] == 0x11 && t.c->log[1] == 0x22 && t.c->log[2] == 0,
          "badges %lx %lx %lx, expected 11 22 0", (unsigned long)t.c->log[0],
          (unsigned long)t.c->log[1], (unsigned long)t.c->log[2]);
    CHECK_OK(bst_tcb_suspend(t.tcb));

    /* A reply carries badge 0 whatever the Call's badge. */
    struct ipc_thread s;
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &s));
    bst_cptr_t ep2, b3;
    CHECK_OK(ep_new(&ep2));
    CHECK_OK(cap_mint(ep2, BST_RIGHTS_ALL, 0x33, &b3));
    s.c->ep = ep2;
    s.c->reply = reply;
    CHECK_OK(ipc_thread_start(&s, child_echo_server));
    struct bst_sysregs r = {.rax = BST_SYS_CALL, .rdi = b3, .rsi = bst_msginfo_make(5, 1, 0, 0)};
    bst_arch_syscall(&r);
    CHECK(r.rax == BST_OK && bst_msginfo_label(r.rsi) == 6, "Call returned %lu label %lx",
          (unsigned long)r.rax, (unsigned long)bst_msginfo_label(r.rsi));
    CHECK(s.c->badge == 0x33, "the server saw badge %lx", (unsigned long)s.c->badge);
    CHECK(r.rdi == 0, "the reply carried badge %lx", (unsigned long)r.rdi);
}

void test_ipc_reply_recv(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ipc_thread_new(SAME_SPACE, LOW_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    CHECK_OK(ipc_thread_start(&t, child_echo_server));
    for (unsigned i = 0; i < 5; i++) {
        uint64_t mr[BST_MSG_REGISTERS] = {i * 10};
        bst_msginfo_t ri;
        CHECK_OK(bst_call(ep, bst_msginfo_make(0x30, 1, 0, 0), mr, &ri));
        CHECK(mr[0] == i * 10 + 1 && bst_msginfo_label(ri) == 0x31, "call %u: reply %lu label %lx",
              i, (unsigned long)mr[0], (unsigned long)bst_msginfo_label(ri));
    }
    CHECK(t.c->count == 5, "the server handled %lu calls", (unsigned long)t.c->count);
}

void test_ipc_reply_nobody(void)
{
    bst_cptr_t reply;
    CHECK_OK(reply_new(&reply));
    uint64_t mr[BST_MSG_REGISTERS] = {1};
    CHECK_OK(bst_reply(reply, bst_msginfo_make(3, 1, 0, 0), mr));
    CHECK_OK(bst_nb_send(reply, bst_msginfo_make(3, 1, 0, 0), mr));
}

void test_ipc_reply_reuse(void)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->label = 0x40;
    CHECK_OK(ipc_thread_start(&t, child_call));
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    CHECK_OK(recv_bounded(ep, reply, &badge, &info, mr));
    CHECK(bst_msginfo_label(info) == 0x40, "received label %lx", (unsigned long)info);
    CHECK(t.c->done == 0, "the caller returned before the reply");
    /* A new receive with the same reply object: the caller loses its reply. */
    CHECK_OK(bst_nb_recv(ep, reply, &badge, &info, mr));
    CHECK(wait_eq(&t.c->done, 1), "the caller still waits on a reused reply object");
    CHECK(t.c->err == BST_OBJECT_DELETED, "the caller's Call returned %s",
          bst_error_name((bst_error_t)t.c->err));
}

/* ---- Errors ------------------------------------------------------------------------- */

void test_ipc_label_signal_rejected(void)
{
    bst_cptr_t ep, ntfn;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(ntfn_new(&ntfn));
    bst_msginfo_t m = bst_msginfo_make(BST_LABEL_SIGNAL, 0, 0, 0);
    CHECK_ERR(bst_nb_send(ep, m, NULL), BST_INVALID_ARGUMENT);
    CHECK_ERR(bst_nb_send(ntfn, m, NULL), BST_INVALID_ARGUMENT);
}

void test_ipc_bad_caps(void)
{
    bst_cptr_t ep, ntfn, reply, frame, empty = slot_alloc();
    uint64_t badge;
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    bst_msginfo_t m = bst_msginfo_make(1, 0, 0, 0);
    CHECK_ERR(bst_nb_send(empty, m, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_send(frame, m, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_nb_recv(frame, reply, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_nb_recv(reply, reply, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_nb_recv(empty, reply, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    /* Recv on an endpoint needs a reply object in r12. */
    CHECK_ERR(bst_nb_recv(ep, empty, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_nb_recv(ep, ntfn, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_recv(ep, ep, &badge, &info, NULL), BST_INVALID_CAPABILITY);
    /* Call is for endpoints and kernel objects. */
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    CHECK_ERR(bst_call(ntfn, m, mr, NULL), BST_ILLEGAL_OPERATION);
    CHECK_ERR(bst_call(reply, m, mr, NULL), BST_ILLEGAL_OPERATION);
}

void test_ipc_rights(void)
{
    bst_cptr_t ep, ntfn, reply, ep_r, ep_w, n_r, n_w, tcb;
    uint64_t badge, word;
    bst_msginfo_t info;
    CHECK_OK(ep_new(&ep));
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(cap_copy(ep, BST_RIGHT_READ, &ep_r));
    CHECK_OK(cap_copy(ep, BST_RIGHT_WRITE, &ep_w));
    CHECK_OK(cap_copy(ntfn, BST_RIGHT_READ, &n_r));
    CHECK_OK(cap_copy(ntfn, BST_RIGHT_WRITE, &n_w));
    bst_msginfo_t m = bst_msginfo_make(1, 0, 0, 0);
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    CHECK_ERR(bst_send(ep_r, m, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_nb_send(ep_r, m, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_call(ep_r, m, mr, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_recv(ep_w, reply, &badge, &info, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_nb_recv(ep_w, reply, &badge, &info, NULL), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_reply_recv(ep_w, reply, m, mr, &badge, &info), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_signal(n_r), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_wait(n_w, &word), BST_INSUFFICIENT_RIGHTS);
    CHECK_ERR(bst_poll(n_w, &word), BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(obj_alloc(BST_OBJ_TCB, 0, &tcb));
    CHECK_ERR(bst_tcb_bind_notification(tcb, n_w), BST_INSUFFICIENT_RIGHTS);
    /* The rights that are there work. */
    CHECK_OK(bst_signal(n_w));
    CHECK_OK(bst_poll(n_r, &word));
    CHECK_OK(bst_nb_send(ep_w, m, NULL));
    CHECK_OK(bst_nb_recv(ep_r, reply, &badge, &info, NULL));
}

/* ---- Capability transfer ------------------------------------------------------------ */

/* Receive once into the slot c->cap (the child names it in its own IPC buffer). */
static void child_receive_cap(struct ipc_child *c)
{
    struct bst_ipc_buffer *buf = bst_ipc_buffer();
    buf->receive_cnode = ROOT_CNODE;
    buf->receive_index = c->cap;
    buf->receive_depth = BST_ROOT_DEPTH;
    child_receive_once(c);
}

/* Send `rights` of an endpoint with a notification cap attached; returns the delivered
 * message info's extra_caps and whether the receive slot works as that notification. */
static void transfer(bst_rights_t rights, bool expect)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply, sender, ntfn, badged, dest = slot_alloc();
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 0x40, &badged));
    CHECK_OK(cap_copy(ep, rights, &sender));
    CHECK_OK(ipc_thread_new(OTHER_SPACE, HIGH_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    t.c->cap = dest;
    CHECK_OK(ipc_thread_start(&t, child_receive_cap));
    CHECK(wait_eq(&t.c->started, 1), "the receiver never ran");
    bst_ipc_buffer()->caps[0] = badged;
    CHECK_OK(bst_send(sender, bst_msginfo_make(0x50, 0, 1, 0), NULL));
    CHECK(wait_eq(&t.c->done, 1), "the receiver got nothing");
    CHECK(bst_msginfo_extra_caps(t.c->info) == (expect ? 1u : 0u),
          "delivered extra_caps %u, expected %u", bst_msginfo_extra_caps(t.c->info),
          expect ? 1u : 0u);
    uint64_t word = 0;
    if (expect) {
        CHECK_OK(bst_signal(dest));
        CHECK_OK(bst_poll(ntfn, &word));
        CHECK(word == 0x40, "the transferred cap signalled %lx (badge kept?)", (unsigned long)word);
    } else {
        CHECK_ERR(bst_signal(dest), BST_INVALID_CAPABILITY);
    }
}

void test_ipc_grant(void)
{
    transfer(BST_RIGHTS_RW | BST_RIGHT_GRANT, true);
}

void test_ipc_no_grant(void)
{
    transfer(BST_RIGHTS_RW, false);
}

/* Server that answers one Call with the cap c->cap attached. */
static void child_reply_cap(struct ipc_child *c)
{
    uint64_t mr[BST_MSG_REGISTERS], badge;
    bst_msginfo_t info;
    c->started = 1;
    bst_error_t e = bst_recv(c->ep, c->reply, &badge, &info, mr);
    record(c, e, badge, info, mr, true);
    bst_ipc_buffer()->caps[0] = c->cap;
    c->err = bst_reply(c->reply, bst_msginfo_make(0x61, 0, 1, 0), NULL);
    ipc_child_finish(c);
}

static void transfer_reply(bst_rights_t rights, bool expect)
{
    struct ipc_thread t;
    bst_cptr_t ep, reply, caller, ntfn, badged, dest = slot_alloc();
    CHECK_OK(ep_new(&ep));
    CHECK_OK(reply_new(&reply));
    CHECK_OK(ntfn_new(&ntfn));
    CHECK_OK(cap_mint(ntfn, BST_RIGHTS_ALL, 0x81, &badged));
    CHECK_OK(cap_copy(ep, rights, &caller));
    CHECK_OK(ipc_thread_new(SAME_SPACE, HIGH_PRIO, 0, &t));
    t.c->ep = ep;
    t.c->reply = reply;
    t.c->cap = badged;
    CHECK_OK(ipc_thread_start(&t, child_reply_cap));
    struct bst_ipc_buffer *buf = bst_ipc_buffer();
    buf->receive_cnode = ROOT_CNODE;
    buf->receive_index = dest;
    buf->receive_depth = BST_ROOT_DEPTH;
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    bst_msginfo_t ri = 0;
    bst_error_t e = bst_call(caller, bst_msginfo_make(0x60, 0, 0, 0), mr, &ri);
    buf->receive_depth = 0;
    CHECK_OK(e);
    CHECK(bst_msginfo_label(ri) == 0x61, "reply label %lx", (unsigned long)bst_msginfo_label(ri));
    CHECK(bst_msginfo_extra_caps(ri) == (expect ? 1u : 0u), "reply extra_caps %u, expected %u",
          bst_msginfo_extra_caps(ri), expect ? 1u : 0u);
    if (expect) {
        uint64_t word = 0;
        CHECK_OK(bst_signal(dest));
        CHECK_OK(bst_poll(ntfn, &word));
        CHECK(word == 0x81, "the granted cap signalled %lx", (unsigned long)word);
    } else {
        CHECK_ERR(bst_signal(dest), BST_INVALID_CAPABILITY);
    }
}

void test_ipc_grant_reply(void)
{
    transfer_reply(BST_RIGHTS_RW | BST_RIGHT_GRANT_REPLY, true);
}

void test_ipc_no_grant_reply(void)
{
    transfer_reply(BST_RIGHTS_RW | BST_RIGHT_GRANT, false);
}
