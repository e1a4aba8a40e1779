/*
 * The signalling protocol of the queue library (drivers/queue/include/bastion/queue/
 * signal.h), for Spin. Checked by drivers/queue/model/check.sh in `make test`.
 *
 * Two components share a queue: a pair of rings of CAP slots. The client owns NBUF
 * buffers, sends ITEMS of them to the driver on the `active` ring and gets them back on
 * the `free` ring; then both stop. Each component is an event loop with one notification
 * (a binary semaphore, like the kernel's notification word: signals coalesce, a signal
 * sent before the wait is kept) and sleeps on it when it has nothing to do, following
 * the protocol of signal.h statement for statement:
 *
 *   sleeper (queue_ring_*_may_sleep): set its flag; re-check the ring; if there is work,
 *       clear the flag and work; otherwise wait.
 *   waker (queue_ring_should_notify_*), after enqueue or dequeue: if the flag is set,
 *       clear it, then signal.
 *
 * NBUF > CAP, so both rings fill up and both flags of both rings are used. Every
 * statement is one atomic step and Spin explores all interleavings: sequential
 * consistency, which the full fences in signal.h provide for the store/load pairs that
 * matter (the ordering argument is in docs/drivers.md).
 *
 * Checked (check.sh):
 *   - no invalid end state: neither side ever waits forever (no lost wake-up, no
 *     deadlock): both always reach the end of their loop;
 *   - assertions: a descriptor is never overwritten before it is consumed, descriptors
 *     arrive in order, a side only takes a buffer the other does not hold;
 *   - ltl no_lost_wakeup, exclusive_ownership, client_wakes, driver_wakes, terminates.
 *
 * Broken on purpose (each must be caught, or the suite fails):
 *   -DBROKEN_NO_RECHECK            the sleeper waits without re-checking after setting
 *                                  its flag (the classic lost wake-up);
 *   -DBROKEN_SIGNAL_BEFORE_CLEAR   the waker signals before clearing the flag (it can
 *                                  then clear a flag the sleeper has set again).
 */

#ifndef CAP
#define CAP 2
#endif
#ifndef NBUF
#define NBUF 3
#endif
#ifndef ITEMS
#define ITEMS 6
#endif
#define IDX (2 * CAP) /* free-running indices, modulo 2*CAP: full and empty differ */

typedef ring {
    byte head;           /* written by the consumer */
    byte tail;           /* written by the producer */
    byte slot[CAP];      /* buffer numbers */
    byte seq[CAP];       /* ghost: the order in which descriptors were sent */
    bit used[CAP];       /* ghost: the slot holds a descriptor not yet consumed */
    bit consumer_signal; /* the consumer sleeps until data arrives */
    bit producer_signal  /* the producer sleeps until room frees up */
};

ring activeq; /* client -> driver: filled buffers */
ring freeq;  /* driver -> client: buffers given back */

bit client_note, driver_note;     /* the two notifications */
bit client_asleep, driver_asleep; /* ghost: committed to waiting */
bit client_done, driver_done;     /* ghost: left the loop */
#define CLIENT 0
#define DRIVER 1
bit holds[2 * NBUF]; /* ghost: holds[side * NBUF + b]: side holds buffer b */
#define HOLDS(side, b) holds[(side) * NBUF + (b)]

#define ring_len(r)   ((r.tail + IDX - r.head) % IDX)
#define ring_empty(r) (ring_len(r) == 0)
#define ring_full(r)  (ring_len(r) == CAP)

/* Producer side of a ring: the slot write and the publishing store of tail (the slot is
 * invisible to the consumer until tail moves, so one step loses no interleaving). The
 * producer gives up the buffer when it publishes it. */
inline enqueue(r, b, s, producer) {
    d_step {
        assert(!r.used[r.tail % CAP]);
        r.slot[r.tail % CAP] = b;
        r.seq[r.tail % CAP] = s;
        r.used[r.tail % CAP] = 1;
        HOLDS(producer, b) = 0;
        r.tail = (r.tail + 1) % IDX
    }
}

/* Consumer side: read the slot, take the buffer (which its peer must not hold), publish
 * head. */
inline dequeue(r, b, s, consumer) {
    d_step {
        assert(r.used[r.head % CAP]);
        b = r.slot[r.head % CAP];
        s = r.seq[r.head % CAP];
        r.used[r.head % CAP] = 0;
        assert(!HOLDS(CLIENT, b) && !HOLDS(DRIVER, b));
        HOLDS(consumer, b) = 1;
        r.head = (r.head + 1) % IDX
    }
}

/* queue_ring_should_notify_*: test the flag, clear it, signal: three steps. */
#ifndef BROKEN_SIGNAL_BEFORE_CLEAR
inline notify_if_asked(flag, note) {
    if
    :: flag -> flag = 0; note = 1
    :: else -> skip
    fi
}
#else
inline notify_if_asked(flag, note) {
    if
    :: flag -> note = 1; flag = 0
    :: else -> skip
    fi
}
#endif

/* queue_ring_*_may_sleep after the flag is set: the re-check. */
#ifndef BROKEN_NO_RECHECK
#define RECHECK(work, flag) if :: work -> flag = 0; sleep = 0 :: else -> skip fi
#else
#define RECHECK(work, flag) skip
#endif

/* Wait on a notification: block until it is signalled, consume the signal. */
inline wait(note, asleep) {
    asleep = 1;
    note == 1;
    d_step { note = 0; asleep = 0 }
}

/* The lowest-numbered buffer that side holds. */
inline pick(side, b) {
    d_step {
        b = 0;
        do
        :: b < NBUF - 1 && !HOLDS(side, b) -> b++
        :: else -> break
        od;
        assert(HOLDS(side, b))
    }
}

active proctype client() {
    byte sent = 0, held = NBUF, b, s;
    bit sleep;
    d_step {
        b = 0;
        do
        :: b < NBUF -> HOLDS(CLIENT, b) = 1; b++
        :: else -> break
        od;
        b = 0
    }
    do
    :: sent < ITEMS && held > 0 && !ring_full(activeq) ->
        pick(CLIENT, b);
        enqueue(activeq, b, sent, CLIENT);
        d_step { held--; sent++; b = 0 }
        notify_if_asked(activeq.consumer_signal, driver_note)
    :: !ring_empty(freeq) ->
        dequeue(freeq, b, s, CLIENT);
        d_step { held++; b = 0; s = 0 }
        notify_if_asked(freeq.producer_signal, driver_note)
    :: sent == ITEMS && held == NBUF -> break
    :: else ->
        /* nothing to do: sleep, waiting for buffers back and, with one to send, room */
        sleep = 1;
        freeq.consumer_signal = 1;
        RECHECK(!ring_empty(freeq), freeq.consumer_signal);
        if
        :: sleep && sent < ITEMS && held > 0 ->
            activeq.producer_signal = 1;
            RECHECK(!ring_full(activeq), activeq.producer_signal)
        :: else -> skip
        fi;
        if
        :: sleep -> sleep = 0; wait(client_note, client_asleep)
        :: else -> skip
        fi
    od;
    client_done = 1
}

active proctype driver() {
    byte received = 0, held = 0, b, s;
    bit sleep;
    do
    :: !ring_empty(activeq) ->
        dequeue(activeq, b, s, DRIVER);
        assert(s == received);
        d_step { received++; held++; b = 0; s = 0 }
        notify_if_asked(activeq.producer_signal, client_note)
    :: held > 0 && !ring_full(freeq) ->
        pick(DRIVER, b);
        enqueue(freeq, b, 0, DRIVER);
        d_step { held--; b = 0 }
        notify_if_asked(freeq.consumer_signal, client_note)
    :: received == ITEMS && held == 0 -> break
    :: else ->
        /* nothing to do: sleep, waiting for requests and, with buffers to return, room */
        sleep = 1;
        activeq.consumer_signal = 1;
        RECHECK(!ring_empty(activeq), activeq.consumer_signal);
        if
        :: sleep && held > 0 ->
            freeq.producer_signal = 1;
            RECHECK(!ring_full(freeq), freeq.producer_signal)
        :: else -> skip
        fi;
        if
        :: sleep -> sleep = 0; wait(driver_note, driver_asleep)
        :: else -> skip
        fi
    od;
    driver_done = 1
}

#define holds_both(i) (HOLDS(CLIENT, i) && HOLDS(DRIVER, i))

/* Never both committed to sleep, no signal on its way, while a ring holds a descriptor. */
ltl no_lost_wakeup {
    [] !(client_asleep && driver_asleep && !client_note && !driver_note &&
         (!ring_empty(activeq) || !ring_empty(freeq)))
}
/* No buffer is ever held by both sides. */
ltl exclusive_ownership { [] !(holds_both(0) || holds_both(1) || holds_both(2)) }
/* Whoever sleeps is woken: nobody sleeps forever (the run ends with both done). */
ltl client_wakes { [] (client_asleep -> <> !client_asleep) }
ltl driver_wakes { [] (driver_asleep -> <> !driver_asleep) }
/* Every run ends with all ITEMS delivered and all buffers home. */
ltl terminates { <> (client_done && driver_done) }
