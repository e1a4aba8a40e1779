/*
 * Moving one descriptor from one ring to another so that a component restarted in the
 * middle finishes the move exactly once (docs/supervision.md, "Virtualisers").
 *
 * A component that forwards descriptors (a virtualiser: from a client's ring to the
 * driver's, or back) takes each off its source ring only *after* it enqueued it on the
 * destination ring. A crash between the two would leave the descriptor on both, and a
 * restarted run would forward it again. The move journal, in shared memory that outlives
 * the component's run, says how far the last move got:
 *
 *   tag             the caller's name for the move (which rings, which buffer); 0 when no
 *                   move is under way. Cleared, then written last when a move begins (the
 *                   commit: a crash before it leaves 0), cleared when the move is done.
 *   to_tail_before  the destination ring's tail when the move began: the enqueue is done
 *                   once the tail differs (only this component produces on that ring)
 *   from_head_after the source ring's head once the move is done: the pop is still to do
 *                   while the head is one less
 *   buffer          the descriptor to enqueue, as it goes on the destination ring
 *
 * A restarted run reads the tag; if it is not 0 it re-derives the rings from it and calls
 * queue_move_redo(), which enqueues the buffer if the tail has not moved and pops the
 * source if its head has not, then clears the tag (or the steps one by one, with its own
 * bookkeeping in between). So every move that began is finished, once. Either ring may
 * be absent (NULL): a move that only enqueues (a buffer given back from a table) or only
 * pops. The serial drivers return their peeked head buffers with it.
 *
 * What a peer can do to it: the journal lies where only trusted components write, or in
 * the client's own connection (serial_tx_virt's); a client that rewrites it or its ring's
 * indices can at worst make a move of its own buffer be done twice or not at all, which
 * harms only itself (its buffers are named by offsets into its own region).
 */
#ifndef BASTION_QUEUE_MOVE_H
#define BASTION_QUEUE_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/queue/ring.h>

struct queue_move_journal {
    uint64_t tag;
    uint32_t to_tail_before;
    uint32_t from_head_after;
    struct queue_buffer buffer;
};

_Static_assert(sizeof(struct queue_move_journal) == 16 + sizeof(struct queue_buffer),
               "queue_move_journal layout");

/* Begin moving `buf` onto `to` (and then the head of `from` off it) under `tag` (not 0).
 * The caller then enqueues, pops (or calls queue_move_finish_pop(): a run's pop and a
 * restarted run's can be one function) and calls queue_move_done(), in that order. */
static inline void queue_move_begin(volatile struct queue_move_journal *j, uint64_t tag,
                                    const struct queue_ring_handle *from,
                                    const struct queue_ring_handle *to, struct queue_buffer buf)
{
    __atomic_store_n(&j->tag, 0, __ATOMIC_RELEASE);
    j->to_tail_before = to != NULL ? __atomic_load_n(&to->shared->tail, __ATOMIC_RELAXED) : 0;
    j->from_head_after =
        from != NULL ? __atomic_load_n(&from->shared->head, __ATOMIC_RELAXED) + 1 : 0;
    j->buffer = buf;
    __atomic_store_n(&j->tag, tag, __ATOMIC_RELEASE);
}

/* The move is finished: nothing to redo after a restart. */
static inline void queue_move_done(volatile struct queue_move_journal *j)
{
    __atomic_store_n(&j->tag, 0, __ATOMIC_RELEASE);
}

/* The tag of a move a dead run began and did not finish, or 0. */
static inline uint64_t queue_move_pending(const volatile struct queue_move_journal *j)
{
    return __atomic_load_n(&j->tag, __ATOMIC_ACQUIRE);
}

/* Whether the enqueue of the pending move is done (`to` is the ring its tag names). */
static inline bool queue_move_enqueued(const volatile struct queue_move_journal *j,
                                       const struct queue_ring_handle *to)
{
    return __atomic_load_n(&to->shared->tail, __ATOMIC_ACQUIRE) != j->to_tail_before;
}

/* The journal's buffer (a private copy). */
static inline struct queue_buffer queue_move_buffer(const volatile struct queue_move_journal *j)
{
    return (struct queue_buffer){.offset = j->buffer.offset, .length = j->buffer.length};
}

/* After a restart: make sure the pending move's buffer is on `to` (its tag's ring):
 * enqueue it unless the tail moved already. True when it is there (before or now); false
 * when the ring was full (or a corrupt peer made it look so). */
static inline bool queue_move_finish_enqueue(volatile struct queue_move_journal *j,
                                             struct queue_ring_handle *to)
{
    return queue_move_enqueued(j, to) || queue_ring_enqueue(to, queue_move_buffer(j)) == QUEUE_OK;
}

/* Take the pending move's descriptor off `from` unless it is off (a restart, or its pop). */
static inline void queue_move_finish_pop(volatile struct queue_move_journal *j,
                                         struct queue_ring_handle *from)
{
    if (__atomic_load_n(&from->shared->head, __ATOMIC_ACQUIRE) + 1 == j->from_head_after)
        __atomic_store_n(&from->shared->head, j->from_head_after, __ATOMIC_RELEASE);
}

/*
 * After a restart: finish the pending move on the rings its tag names (either may be
 * NULL): enqueue unless done, pop unless done, clear the tag. The caller redoes its own
 * bookkeeping (idempotent) first, or uses the two calls above and queue_move_done() to
 * do it in between. Returns whether the buffer is on `to`.
 */
static inline bool queue_move_redo(volatile struct queue_move_journal *j,
                                   struct queue_ring_handle *from, struct queue_ring_handle *to)
{
    bool on_to = to != NULL && queue_move_finish_enqueue(j, to);
    if (from != NULL)
        queue_move_finish_pop(j, from);
    queue_move_done(j);
    return on_to;
}

#endif /* BASTION_QUEUE_MOVE_H */
