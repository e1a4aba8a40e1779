/*
 * The network class's receive handover (drivers/net/virt/rx_virt.c, protocol in
 * drivers/net/include/bastion/net/protocol.h), for Spin. Checked by
 * drivers/net/model/check.sh (suite net-model); docs/net-model.md is the prose.
 *
 * Four components: the driver, net_rx_virt ("virt") and two clients. virt owns NBUF
 * receive buffers. It gives empty ones to the driver on the driver connection's free ring
 * (dfree); the driver "receives" a frame into one (the device is folded into the driver:
 * it fills a buffer whenever the driver has one) and hands it back filled on the active
 * ring (dact). virt reads the frame's destination and *lends* the buffer to every client
 * the frame is for, on that client's active ring (cact[i]): a unicast frame to one client,
 * a broadcast frame to both at once, a frame for nobody straight back to the driver. Each
 * client takes what it is lent and returns it on its free ring (cfree[i]), in any order
 * and after any delay; virt gives the buffer back to the driver when the last holder
 * returned it (its per-buffer holder bitmask), and ignores a return from a client that
 * does not hold it. The driver receives FRAMES frames, each for a destination chosen
 * nondeterministically; then every buffer must come home.
 *
 * Every statement is one atomic step and Spin explores all interleavings (sequential
 * consistency, which the full fences of drivers/queue/include/bastion/queue/signal.h give
 * the store/load pairs that matter: docs/drivers.md, "Why no wake-up is lost"). Each
 * component is an event loop that waits on a binary notification (signals coalesce, a
 * signal sent before the wait is kept) and follows the library's sequences statement for
 * statement, as drivers/queue/model/queue.pml does:
 *
 *   sleeper (queue_ring_consumer_may_sleep): set the ring's consumer flag; re-check the
 *       ring; if it is not empty, clear the flag and work; otherwise wait.
 *   waker (queue_ring_should_notify_consumer), after an enqueue: load the flag; if set,
 *       clear it, then signal.
 *
 * virt follows serve() of rx_virt.c: a pass drains the driver's active ring (lending each
 * frame), then each client's free ring, then runs the sleeper sequence on every ring it
 * consumes (each client's free ring, then the driver's active ring: every flag set, each
 * re-checked, as `idle &= queue_ring_consumer_may_sleep(...)`); it goes round again if a
 * re-check found work. Its signals are deferred to the end of serve(), as in rx_virt.c
 * (the flag cleared when seen, the signal sent before it waits). The driver and the
 * clients signal at once.
 *
 * Capacities are those the real system relies on, scaled down: the driver's rings hold
 * every buffer (DCAP = NBUF, as NET_QUEUE_CAPACITY = NET_BUFFER_COUNT), and a client may
 * hold at most MAX_HELD <= CAP buffers (NET_RX_CLIENT_MAX_HELD; beyond it virt drops the
 * frame for that client). So no producer ever finds a ring full and nobody waits for room
 * (rx_virt.c never does): the producer flags are never set and are left out. That no ring
 * is full when someone enqueues is asserted, not assumed.
 *
 * Abstracted away: descriptors are buffer numbers (offsets, lengths, device addresses and
 * their checks are the queue library's and rx_virt's decoding, tested elsewhere); the
 * device, its virtqueue and interrupts; a frame's bytes, but for its destination (dest[b],
 * written while the driver holds the buffer, read by virt and the clients); multicast (a
 * broadcast takes the same several-holders path); statistics; the copier (a client here
 * is whatever sits on virt's client connection: a copier or a trusted client); clients
 * that misbehave; the bound on passes per wake-up (PASSES in rx_virt.c: -DPASSES=n models
 * it, see docs/net-model.md).
 *
 * Checked (check.sh):
 *   - assertions: a buffer is never given to the driver while a client may still read it,
 *     nor lent to a client while the driver has it; a client is only lent frames for it
 *     or broadcast, and they do not change while it holds them; no ring is full when
 *     someone enqueues (no overflow); at the end virt holds nothing;
 *   - no invalid end state: the driver and virt finish (all frames handled, all buffers
 *     home) and the clients end idle, waiting with nothing pending;
 *   - ltl no_lost_wakeup, exclusive_ownership, driver_wakes, virt_wakes, clients_wake,
 *     terminates.
 *
 * Broken on purpose (each must be caught, or the suite fails):
 *   -DBROKEN_RETURN_ON_FIRST   virt gives a buffer back to the driver at the first
 *                              client's return, even if another client still holds it;
 *   -DBROKEN_NO_RECHECK        virt's sleeper sets its flags and waits without the
 *                              re-check (the classic lost wake-up).
 */

#ifndef NBUF
#define NBUF 3 /* receive buffers, 2 to 4 (RETURN, exclusive_ownership) */
#endif
#ifndef CAP
#define CAP 2 /* a client connection's rings */
#endif
#ifndef DCAP
#define DCAP NBUF /* the driver connection's rings: every buffer fits */
#endif
#ifndef MAX_HELD
#define MAX_HELD CAP /* buffers one client may hold (NET_RX_CLIENT_MAX_HELD) */
#endif
#ifndef FRAMES
#define FRAMES 3 /* frames the driver receives */
#endif
#define RCAP 4 /* slots in the ring type: at least CAP and DCAP */

/* A frame's destination: a client's number, or one of these. */
#define BCAST  2
#define NOBODY 3

typedef ring {
    byte head;          /* written by the consumer */
    byte tail;          /* written by the producer */
    byte slot[RCAP];    /* buffer numbers */
    bit consumer_signal /* the consumer sleeps until data arrives */
};

ring dfree, dact;       /* virt -> driver: empty buffers; driver -> virt: frames */
ring cact[2], cfree[2]; /* virt -> client i: frames lent; client i -> virt: returns */

bit driver_note, virt_note, client_note[2];       /* the four notifications */
bit driver_asleep, virt_asleep, client_asleep[2]; /* ghost: committed to waiting */
bit driver_done, virt_done;                       /* ghost: left the loop */

/* Ghost ownership. drv_side[b]: from virt's enqueue of b on dfree to its dequeue from dact
 * (the driver and the device may write it). lent[i][b]: from virt's enqueue of b on
 * cact[i] to its dequeue of the return from cfree[i] (client i may read it). drv_holds[b]
 * and holds[i][b]: the driver / client i has dequeued b and not yet enqueued it again. */
bit drv_side[NBUF];
bit drv_holds[NBUF];
bit lent[2 * NBUF];
bit holds[2 * NBUF];
#define LENT(i, b)  lent[(i) * NBUF + (b)]
#define HOLDS(i, b) holds[(i) * NBUF + (b)]
#define LENT_ANY(b) (LENT(0, b) || LENT(1, b))

byte dest[NBUF]; /* the frame in buffer b: its destination (NOBODY while it is empty) */

#define ring_len(r, cap)   ((r.tail + 2 * (cap) - r.head) % (2 * (cap)))
#define ring_empty(r, cap) (ring_len(r, cap) == 0)
#define ring_full(r, cap)  (ring_len(r, cap) == (cap))

/* Producer side: the slot write and the publishing store of tail, one step (the slot is
 * invisible to the consumer until tail moves). Overflow is an error: nobody in this
 * handover waits for room, so nobody may find a ring full. */
#define ENQUEUE(r, cap, b)                                                                   \
    assert(!ring_full(r, cap));                                                              \
    r.slot[r.tail % (cap)] = b;                                                              \
    r.tail = (r.tail + 1) % (2 * (cap))

/* Consumer side, as the guard of a d_step: the load of tail that finds the ring not empty,
 * the read of the slot and the publishing store of head, one step (the producer's steps
 * in between could only add descriptors behind this one). */
#define DEQUEUE(r, cap, b)                                                                   \
    !ring_empty(r, cap) ->                                                                   \
    b = r.slot[r.head % (cap)];                                                              \
    r.head = (r.head + 1) % (2 * (cap))

/* The waker (queue_ring_should_notify_consumer and the signal), after an enqueue: load the
 * flag (after the fence), clear it, then signal: three steps. */
inline wake_if_asked(flag, note) {
    if
    :: flag -> flag = 0; note = 1
    :: else -> skip
    fi
}

/* The end of a sleep: one step that blocks until the notification is signalled and
 * consumes the signal. */
#define WAKE_UP(note, asleep) d_step { note == 1 -> note = 0; asleep = 0 }

/* ---- The driver (and its device) ----------------------------------------------------- */

/* The device writes a frame for `to` into the lowest buffer the driver has, which goes to
 * virt on the active ring: one step (the data, then the descriptor). */
#define RECEIVE(to)                                                                          \
    d_step {                                                                                 \
        held > 0 && received < FRAMES ->                                                     \
        b = 0;                                                                               \
        do                                                                                   \
        :: b < NBUF - 1 && !drv_holds[b] -> b++                                              \
        :: else -> break                                                                     \
        od;                                                                                  \
        assert(drv_holds[b] && drv_side[b] && !LENT_ANY(b)); /* nobody else reads it */      \
        dest[b] = to;                                                                        \
        drv_holds[b] = 0;                                                                    \
        ENQUEUE(dact, DCAP, b);                                                              \
        held--;                                                                              \
        received++;                                                                          \
        b = 0                                                                                \
    };                                                                                       \
    wake_if_asked(dact.consumer_signal, virt_note)

active proctype driver() {
    byte held = 0, received = 0, b;
    do
    :: d_step {
           /* an empty buffer from virt: posted to the device */
           DEQUEUE(dfree, DCAP, b);
           assert(drv_side[b] && !LENT_ANY(b));
           drv_holds[b] = 1;
           held++;
           b = 0
       }
    :: RECEIVE(0)
    :: RECEIVE(1)
    :: RECEIVE(BCAST)
    :: RECEIVE(NOBODY)
    :: received == FRAMES && held == NBUF -> break
    :: else ->
        /* nothing to do: the sleeper's sequence on the free ring */
        dfree.consumer_signal = 1;
        if
        :: !ring_empty(dfree, DCAP) -> dfree.consumer_signal = 0
        :: atomic { ring_empty(dfree, DCAP) -> driver_asleep = 1 };
           WAKE_UP(driver_note, driver_asleep)
        fi
    od;
    driver_done = 1
}

/* ---- net_rx_virt --------------------------------------------------------------------- */

/* give_to_driver(b), if `giving`: enqueue on the driver's free ring (which holds every
 * buffer: never full), then the waker's test; the signal is deferred (notify_d). */
inline give_to_driver(b) {
    d_step {
        if
        :: giving ->
            assert(!LENT_ANY(b) && !drv_side[b]); /* no client can still read it */
            ENQUEUE(dfree, DCAP, b);
            dest[b] = NOBODY; /* ghost: forget the frame, so that fewer states differ */
            drv_side[b] = 1;
            at_driver++
        :: else -> skip
        fi
    }
    if
    :: giving && dfree.consumer_signal -> d_step { dfree.consumer_signal = 0; notify_d = 1 }
    :: else -> skip
    fi;
    giving = 0
}

/* deliver(), for client i: lend b if the frame is for i (or broadcast) and i holds fewer
 * than MAX_HELD buffers (otherwise the frame is dropped for i), then the waker's test. */
inline lend(i, b, d) {
    d_step {
        lending = (d == i || d == BCAST) && held[i] < MAX_HELD;
        if
        :: lending ->
            assert(!drv_side[b] && !LENT(i, b));
            ENQUEUE(cact[i], CAP, b);
            holders[b] = holders[b] | (1 << i);
            held[i]++;
            LENT(i, b) = 1
        :: else -> skip
        fi
    }
    if
    :: lending && cact[i].consumer_signal -> d_step { cact[i].consumer_signal = 0; notify_c[i] = 1 }
    :: else -> skip
    fi;
    lending = 0
}

/* from_client(i): every return on client i's free ring; one that is not a buffer lent to
 * i is ignored; the last holder's return sends the buffer back to the driver. */
inline from_client(i) {
    do
    :: d_step {
           DEQUEUE(cfree[i], CAP, b);
           if
           :: holders[b] & (1 << i) ->
               holders[b] = holders[b] & ~(1 << i);
               held[i]--;
               LENT(i, b) = 0;
#ifndef BROKEN_RETURN_ON_FIRST
               giving = (holders[b] == 0)
#else
               giving = 1 /* broken: back to the driver whoever else still holds it */
#endif
           :: else -> skip /* not lent to i: ignored */
           fi
       }
       give_to_driver(b);
       b = 0
    :: else -> break
    od
}

/* queue_ring_consumer_may_sleep on one ring, as `idle &= ...`: set the flag, re-check,
 * and clear it again if the ring is not empty. */
#ifndef BROKEN_NO_RECHECK
#define MAY_SLEEP(r, cap)                                                                    \
    r.consumer_signal = 1;                                                                   \
    if                                                                                       \
    :: !ring_empty(r, cap) -> d_step { r.consumer_signal = 0; idle = 0 }                     \
    :: else -> skip                                                                          \
    fi
#else
#define MAY_SLEEP(r, cap) r.consumer_signal = 1 /* broken: no re-check */
#endif

/* The end of serve(): the deferred signals; then finished, or committed to wait. */
#define SIGNAL_DEFERRED()                                                                    \
    if                                                                                       \
    :: notify_c[0] -> client_note[0] = 1; notify_c[0] = 0                                    \
    :: else -> skip                                                                          \
    fi;                                                                                      \
    if                                                                                       \
    :: notify_c[1] -> client_note[1] = 1; notify_c[1] = 0                                    \
    :: else -> skip                                                                          \
    fi;                                                                                      \
    if                                                                                       \
    :: notify_d -> driver_note = 1; notify_d = 0                                             \
    :: else -> skip                                                                          \
    fi;                                                                                      \
    if                                                                                       \
    :: dispatched == FRAMES && at_driver == NBUF -> finished = 1                             \
    :: else -> virt_asleep = 1                                                               \
    fi

active proctype virt() {
    byte holders[NBUF];  /* bit i: client i holds the buffer */
    byte held[2];        /* buffers lent to client i and not yet returned */
    byte at_driver = 0;  /* buffers on the driver's side */
    byte dispatched = 0; /* frames taken from the driver */
    byte b, d;
#ifdef PASSES
    byte pass;
#endif
    bit notify_c[2], notify_d, idle, lending, giving, finished;

    /* init(): every buffer to the driver, then serve() */
    do
    :: b < NBUF -> giving = 1; give_to_driver(b); b++
    :: else -> b = 0; break
    od;

    do
    :: true ->
        /* serve(): passes until every ring is idle */
#ifdef PASSES
        pass = 1;
#endif
        do
        :: true ->
            /* from_driver(): every frame, lent to whoever it is for */
            do
            :: d_step {
                   DEQUEUE(dact, DCAP, b);
                   assert(drv_side[b] && !LENT_ANY(b));
                   drv_side[b] = 0;
                   at_driver--;
                   dispatched++;
                   d = dest[b]
               }
               lend(0, b, d);
               lend(1, b, d);
               giving = (holders[b] == 0);
               give_to_driver(b);
               d_step { b = 0; d = 0 }
            :: else -> break
            od;
            from_client(0);
            from_client(1);
#ifdef PASSES
            /* rx_virt.c's bound on passes: at the last, the flags set without the
             * re-check, and wait */
            if
            :: pass == PASSES ->
                cfree[0].consumer_signal = 1;
                cfree[1].consumer_signal = 1;
                dact.consumer_signal = 1;
                d_step { pass = 0; SIGNAL_DEFERRED() }
                break
            :: else -> pass++
            fi;
#endif
            /* may_sleep(true): every ring's sleeper sequence; round again if a re-check
             * found work */
            idle = 1;
            MAY_SLEEP(cfree[0], CAP);
            MAY_SLEEP(cfree[1], CAP);
            MAY_SLEEP(dact, DCAP);
            if
            :: idle ->
                /* The deferred signals, in one step: each touches only its receiver's
                 * notification, so sending them one by one would only add interleavings
                 * equivalent to these. Then finish (all frames handled, all buffers
                 * home) or wait. */
                d_step {
#ifdef PASSES
                    pass = 0;
#endif
                    idle = 0;
                    SIGNAL_DEFERRED()
                }
                break
            :: else -> skip
            fi
        od;
        if
        :: finished ->
            d_step {
                /* everything is home: virt holds nothing, lends nothing */
                b = 0;
                do
                :: b < NBUF -> assert(holders[b] == 0 && drv_side[b]); b++
                :: else -> break
                od;
                b = 0;
                virt_done = 1
            }
            break
        :: else -> WAKE_UP(virt_note, virt_asleep)
        fi
    od
}

/* ---- The clients --------------------------------------------------------------------- */

/* Return buffer k, if client i holds it, on its free ring: one step, then the waker. */
#define RETURN(i, k)                                                                         \
    d_step {                                                                                 \
        NBUF > k && HOLDS(i, k) ->                                                           \
        assert(dest[k] == i || dest[k] == BCAST); /* its frame, unchanged */                 \
        ENQUEUE(cfree[i], CAP, k);                                                           \
        HOLDS(i, k) = 0;                                                                     \
        held--                                                                               \
    };                                                                                       \
    wake_if_asked(cfree[i].consumer_signal, virt_note)

/* A client's event loop: take what it is lent, return what it holds, in any order and
 * interleaving (so after any delay); sleep on its active ring when it holds nothing and
 * nothing came. A client never stops: it ends waiting, a valid end state (end_idle) only
 * because the driver and virt cannot finish while it has work (it holds their buffers). */
inline client_loop(i) {
    byte held = 0, b;
    do
    :: d_step {
           DEQUEUE(cact[i], CAP, b);
           assert(dest[b] == i || dest[b] == BCAST); /* only its frames */
           assert(LENT(i, b) && !drv_side[b] && !HOLDS(i, b));
           HOLDS(i, b) = 1;
           held++;
           b = 0
       }
    :: RETURN(i, 0)
    :: RETURN(i, 1)
    :: RETURN(i, 2)
    :: RETURN(i, 3)
    :: else ->
        /* nothing to do: the sleeper's sequence on the active ring */
        cact[i].consumer_signal = 1;
        if
        :: !ring_empty(cact[i], CAP) -> cact[i].consumer_signal = 0
        :: atomic { ring_empty(cact[i], CAP) -> client_asleep[i] = 1 };
end_idle:  WAKE_UP(client_note[i], client_asleep[i])
        fi
    od
}

active proctype client0() { client_loop(0) }
active proctype client1() { client_loop(1) }

/* ---- Properties ---------------------------------------------------------------------- */

#define rings_idle                                                                           \
    (ring_empty(dfree, DCAP) && ring_empty(dact, DCAP) && ring_empty(cact[0], CAP) &&        \
     ring_empty(cfree[0], CAP) && ring_empty(cact[1], CAP) && ring_empty(cfree[1], CAP))
#define quiescent                                                                            \
    ((driver_asleep || driver_done) && (virt_asleep || virt_done) && client_asleep[0] &&     \
     client_asleep[1] && !driver_note && !virt_note && !client_note[0] && !client_note[1])
#define clash(b) (drv_side[b] && LENT_ANY(b))

/* Never everybody committed to wait (or finished) with no signal on its way while work is
 * pending: a descriptor in a ring, or the run not over. */
ltl no_lost_wakeup { [] !(quiescent && !(rings_idle && driver_done && virt_done)) }
/* No buffer is ever on the driver's side while a client may read it. */
ltl exclusive_ownership {
    [] !(clash(0) || clash(1) || (NBUF > 2 && clash(2)) || (NBUF > 3 && clash(3)))
}
/* Whoever sleeps is woken (driver, virt), or sleeps only with nothing pending (clients). */
ltl driver_wakes { [] (driver_asleep -> <> !driver_asleep) }
ltl virt_wakes { [] (virt_asleep -> <> !virt_asleep) }
ltl clients_wake {
    [] ((client_asleep[0] && !ring_empty(cact[0], CAP)) -> <> !client_asleep[0]) &&
    [] ((client_asleep[1] && !ring_empty(cact[1], CAP)) -> <> !client_asleep[1])
}
/* Every run ends with all frames handled and all buffers home with the driver (so every
 * frame lent was taken and returned). */
ltl terminates { <> (driver_done && virt_done) }
