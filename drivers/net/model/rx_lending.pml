/*
 * The network class's receive handover (drivers/net/virt/rx_virt.c, protocol in
 * drivers/net/include/bastion/net/protocol.h), for Spin. Checked by
 * drivers/net/model/check.sh (suite net-model); docs/net-model.md is the prose.
 *
 * Four components: the driver, net_rx_virt ("virt") and two clients. virt owns NBUF
 * receive buffers. It gives empty ones to the driver on the driver connection's free ring
 * (dfree); the driver posts them to its device, which writes a frame into each, and hands
 * them back filled on the active ring (dact). virt reads each frame's destination and
 * *lends* the buffer to every client the frame is for, on that client's active ring
 * (cact[i]): a unicast frame to one client, a broadcast frame to both at once, a frame for
 * nobody straight back to the driver. Each client takes what it is lent and returns it on
 * its free ring (cfree[i]); virt gives the buffer back to the driver when the last holder
 * has returned it (its per-buffer holder bitmask). The device receives FRAMES frames, each
 * for a destination chosen nondeterministically (client 0, client 1, broadcast, nobody);
 * then every buffer must come home.
 *
 * Every step is atomic and Spin explores all interleavings: sequential consistency, which
 * the full fences of drivers/queue/include/bastion/queue/signal.h give the store/load pairs
 * that matter (docs/drivers.md, "Why no wake-up is lost"). Each component is an event loop
 * that waits on a binary notification (signals coalesce; a signal sent before the wait is
 * kept) and sleeps by the library's protocol:
 *
 *   sleeper (queue_ring_consumer_may_sleep), having found the ring empty: set the ring's
 *       consumer flag; re-check the ring; if it is not empty, clear the flag and work;
 *       otherwise wait.
 *   waker (queue_ring_should_notify_consumer), after an enqueue: load the flag; if set,
 *       clear it, then signal.
 *
 * virt, the component under test, follows serve() of rx_virt.c statement for statement:
 * a pass drains the driver's active ring (lending each frame), then each client's free
 * ring; then `idle &= queue_ring_consumer_may_sleep(...)` on each client's free ring and
 * on the driver's active ring, each a flag store, a re-check and, if it found work, the
 * clear: three steps, after the drain's "found empty" load; another pass if a re-check found
 * work. Its waker is the flag's load, then the clear; its signals are deferred to the end
 * of serve() and sent before it waits, as in rx_virt.c.
 *
 * The driver and the clients run the same sequences in coarser steps (the queue library's
 * own sequences are checked statement for statement by drivers/queue/model/queue.pml):
 *   - a peer's sleep decision (found empty, flag set, re-check) is one step: under
 *     sequential consistency a store to the flag followed by a load of the ring can be made
 *     adjacent without losing an outcome (the producer's enqueue commutes with the store,
 *     its flag load with the re-check), and a peer that sees work in the re-check ends as
 *     if it had seen it in the first look (a spurious signal at most, which virt cannot tell
 *     from a real one);
 *   - a peer's waker (load the flag, clear it, signal) is one step: the only other accesses
 *     to the flag are its sleeper's stores, which commute with the load and the clear, and
 *     no step touches both the flag and the notification;
 *   - a client takes a frame and returns it in one step (the copier and net_client.c copy
 *     it out and give it back at once). A client that waits before taking a frame is a
 *     client that holds it: a frame is lent (virt may not give it back, the driver may not
 *     write it) from virt's enqueue on cact[i] to virt's dequeue of the return, and the
 *     client runs after any delay.
 * -DFINE_PEERS gives the peers virt's granularity (statement for statement), for small
 * configurations.
 *
 * Capacities are those the real system relies on, scaled down: the driver's rings hold
 * every buffer (DCAP = NBUF, as NET_QUEUE_CAPACITY = NET_BUFFER_COUNT), and a client may
 * hold at most MAX_HELD <= CAP buffers (NET_RX_CLIENT_MAX_HELD; beyond it virt drops the
 * frame for that client). So no producer ever finds a ring full and nobody waits for room
 * (rx_virt.c never does): producer flags are never set and are left out. That no ring is
 * full when someone enqueues is asserted, not assumed.
 *
 * Abstracted away: rings are Spin channels (FIFOs of buffer numbers: the ring's indices
 * and wrap-around are queue.pml's); descriptors are buffer numbers (offsets, lengths,
 * device addresses and their checks are the queue library's and rx_virt's decoding,
 * tested elsewhere); the device's virtqueue and interrupts (the device writes a frame into
 * the oldest buffer the driver posted, whenever it likes); a frame's bytes but for its
 * destination (dest[b], written while the driver has the buffer, read by virt and the
 * clients); multicast (a broadcast takes the same several-holders path); statistics;
 * clients that misbehave, but for one kind: with -DHOSTILE client 1 returns, once, a
 * buffer of its choosing (lent to it or not), which takes virt's path that ignores a
 * return of a buffer the client does not hold; the bound on passes per wake-up (PASSES in
 * rx_virt.c: -DPASSES=n models it, its last pass setting the flags before it works;
 * -DBROKEN_FLAGS_AFTER_LAST the order that lost a wake-up, see docs/net-model.md).
 *
 * Checked (check.sh):
 *   - assertions: a buffer is never given to the driver while a client may still read it,
 *     nor lent while the driver has it, nor written by the device while lent; a client is
 *     only lent frames for it or broadcast; no ring is full when someone enqueues; at the
 *     end virt lends nothing and every buffer is with the driver;
 *   - no invalid end state: the driver and virt finish (all frames handled, all buffers
 *     home) and the clients end waiting with nothing pending;
 *   - ltl no_lost_wakeup, exclusive_ownership, driver_wakes, virt_wakes, clients_wake,
 *     terminates.
 *
 * Broken on purpose (each must be caught, or the suite fails):
 *   -DBROKEN_RETURN_ON_FIRST   virt gives a buffer back to the driver at the first
 *                              client's return, even if another client still holds it;
 *   -DBROKEN_NO_RECHECK        virt's sleeper sets its flags and waits without the
 *                              re-checks (the classic lost wake-up);
 *   -DBROKEN_TRUST_RETURNS     virt counts every return, whether it lent the buffer to
 *                              that client or not (caught with -DHOSTILE).
 */

/* The configuration check.sh calls "main"; it passes others with -D. */
#ifndef NBUF
#define NBUF 2 /* receive buffers, 1 to 4 (exclusive_ownership names 4) */
#endif
#ifndef CAP
#define CAP 1 /* a client connection's rings */
#endif
#ifndef DCAP
#define DCAP NBUF /* the driver connection's rings: every buffer fits */
#endif
#ifndef MAX_HELD
#define MAX_HELD CAP /* buffers one client may hold (NET_RX_CLIENT_MAX_HELD) */
#endif
#ifndef FRAMES
#define FRAMES 4 /* frames the device receives */
#endif

/* A frame's destination: a client's number, or one of these. */
#define BCAST  2
#define NOBODY 3

chan dfree = [DCAP] of { byte };  /* virt -> driver: empty buffers */
chan dact = [DCAP] of { byte };   /* driver -> virt: frames */
chan cact[2] = [CAP] of { byte }; /* virt -> client i: frames lent */
chan cfree[2] = [CAP] of { byte }; /* client i -> virt: frames returned */
/* Each ring's consumer_signal: its consumer sleeps until data arrives. */
bit dfree_sig, dact_sig, cact_sig[2], cfree_sig[2];

bit driver_note, virt_note, client_note[2];       /* the four notifications */
bit driver_asleep, virt_asleep, client_asleep[2]; /* ghost: committed to waiting */
bit driver_done, virt_done;                       /* ghost: left the loop */

/* Ghost ownership. drv_side[b]: from virt's enqueue of b on dfree to its dequeue of b from
 * dact (the driver and its device may write it). lent[i][b]: from virt's enqueue of b on
 * cact[i] to its dequeue of the return from cfree[i] (client i may read it). */
bit drv_side[NBUF];
bit lent[2 * NBUF];
#define LENT(i, b)  lent[(i) * NBUF + (b)]
#define LENT_ANY(b) (LENT(0, b) || LENT(1, b))

byte dest[NBUF]; /* the frame in buffer b: its destination (NOBODY while it is empty) */

/* An enqueue; a full ring is an error (nobody here waits for room). */
#define ENQUEUE(r, b) assert(nfull(r)); r!b

/* The end of a sleep: one step that blocks until the notification is signalled and
 * consumes the signal. */
#define WAKE_UP(note, asleep) d_step { note == 1 -> note = 0; asleep = 0 }

/* A peer's waker after an enqueue: load the flag, clear it, signal. */
#ifdef FINE_PEERS
#define PEER_WAKER(flag, note) if :: flag -> flag = 0; note = 1 :: else fi
#else
#define PEER_WAKER(flag, note) d_step { if :: flag -> flag = 0; note = 1 :: else fi }
#endif

/* ---- The driver (and its device) ----------------------------------------------------- */

/* The device writes a frame for `to` into the oldest buffer posted to it, and the driver
 * hands it to virt: one step (the data, then the descriptor); then the waker. */
#define RECEIVE(to)                                                                          \
    d_step {                                                                                 \
        nempty(posted) && received < FRAMES ->                                               \
        posted?b;                                                                            \
        assert(drv_side[b] && !LENT_ANY(b)); /* the device writes only what nobody reads */  \
        dest[b] = to;                                                                        \
        ENQUEUE(dact, b);                                                                    \
        received++;                                                                          \
        b = 0                                                                                \
    };                                                                                       \
    PEER_WAKER(dact_sig, virt_note)

/* Nothing to do: no empty buffer to take, and none posted or no frame left to receive. */
#define DRIVER_IDLE                                                                          \
    (empty(posted) || received == FRAMES) && !(received == FRAMES && len(posted) == NBUF)

active proctype driver() {
    chan posted = [NBUF] of { byte }; /* the buffers the device may write, oldest first */
    byte received = 0, b;
    do
    :: d_step { dfree?b; assert(drv_side[b] && !LENT_ANY(b)); posted!b; b = 0 }
    :: RECEIVE(0)
    :: RECEIVE(1)
    :: RECEIVE(BCAST)
    :: RECEIVE(NOBODY)
    :: d_step { received == FRAMES && len(posted) == NBUF -> driver_done = 1 };
       break
#ifdef FINE_PEERS
    :: else ->
        dfree_sig = 1;
        if
        :: nempty(dfree) -> dfree_sig = 0
        :: d_step { empty(dfree) -> driver_asleep = 1 };
           WAKE_UP(driver_note, driver_asleep)
        fi
#else
    :: d_step { empty(dfree) && DRIVER_IDLE -> dfree_sig = 1; driver_asleep = 1 };
       WAKE_UP(driver_note, driver_asleep)
#endif
    od
}

/* ---- net_rx_virt --------------------------------------------------------------------- */

/* The waker (queue_ring_should_notify_consumer): load the flag, then clear it; the signal
 * is deferred to the end of serve() (`pending`, virt's own). */
#define VIRT_WAKER(flag, pending) if :: flag -> d_step { flag = 0; pending = 1 } :: else fi

/* give_to_driver(): the driver's free ring holds every buffer, so it is never full. */
#define GIVE(b)                                                                              \
    d_step {                                                                                 \
        assert(!LENT_ANY(b) && !drv_side[b]); /* no client may still read it */              \
        ENQUEUE(dfree, b);                                                                   \
        dest[b] = NOBODY; /* ghost: forget the frame, so that fewer states differ */         \
        drv_side[b] = 1;                                                                     \
        at_driver++;                                                                         \
        giving = 0                                                                           \
    };                                                                                       \
    VIRT_WAKER(dfree_sig, notify_d)

/* deliver(), for client i, once it is decided that i takes the frame. */
#define LEND(i, b)                                                                           \
    d_step {                                                                                 \
        assert(!drv_side[b] && !LENT(i, b));                                                 \
        ENQUEUE(cact[i], b);                                                                 \
        holders[b] = holders[b] | (1 << i);                                                  \
        held[i]++;                                                                           \
        LENT(i, b) = 1;                                                                      \
        lend[i] = 0                                                                          \
    };                                                                                       \
    VIRT_WAKER(cact_sig[i], notify_c[i])

#ifndef BROKEN_TRUST_RETURNS
#define TRUSTED(lent_to_it) (lent_to_it)
#else
#define TRUSTED(lent_to_it) 1 /* broken: any return counts, lent to the client or not */
#endif

#ifndef BROKEN_RETURN_ON_FIRST
#define LAST_HOLDER(b) (holders[b] == 0)
#else
#define LAST_HOLDER(b) 1 /* broken: back to the driver whoever else still holds it */
#endif

/* from_client(i): every return on client i's free ring; one that is not a buffer lent to
 * i is ignored; the last holder's return sends the buffer back to the driver. */
#define FROM_CLIENT(i)                                                                       \
    do                                                                                       \
    :: d_step {                                                                              \
           cfree[i]?b;                                                                       \
           if                                                                                \
           :: TRUSTED(holders[b] & (1 << i)) ->                                              \
               holders[b] = holders[b] & ~(1 << i);                                          \
               held[i]--;                                                                    \
               LENT(i, b) = 0;                                                               \
               giving = LAST_HOLDER(b)                                                       \
           :: else                                                                           \
           fi                                                                                \
       };                                                                                    \
       if                                                                                    \
       :: giving -> GIVE(b)                                                                  \
       :: else                                                                               \
       fi                                                                                    \
    :: empty(cfree[i]) -> break                                                              \
    od

/* The rest of queue_ring_consumer_may_sleep after the flag store: the re-check, and the
 * clear if the ring is not empty. */
#ifndef BROKEN_NO_RECHECK
#define RECHECK(r, flag) if :: nempty(r) -> d_step { flag = 0; idle = 0 } :: empty(r) fi
#else
#define RECHECK(r, flag) skip /* broken: wait without looking again */
#endif

/* The end of serve(): the deferred signals, in one step (each touches only its receiver's
 * notification, so sending them one by one only adds interleavings equivalent to these);
 * then finished (every frame handled, every buffer home), or committed to wait. */
#define SIGNAL_DEFERRED()                                                                    \
    d_step {                                                                                 \
        idle = 0;                                                                            \
        b = 0;                                                                               \
        if :: notify_c[0] -> client_note[0] = 1; notify_c[0] = 0 :: else fi;                 \
        if :: notify_c[1] -> client_note[1] = 1; notify_c[1] = 0 :: else fi;                 \
        if :: notify_d -> driver_note = 1; notify_d = 0 :: else fi;                          \
        if                                                                                   \
        :: dispatched == FRAMES && at_driver == NBUF ->                                      \
            b = 0;                                                                           \
            do                                                                               \
            :: b < NBUF -> assert(holders[b] == 0 && drv_side[b] && !LENT_ANY(b)); b++       \
            :: else -> break                                                                 \
            od;                                                                              \
            b = 0;                                                                           \
            virt_done = 1                                                                    \
        :: else -> virt_asleep = 1                                                           \
        fi                                                                                   \
    }

active proctype virt() {
    byte holders[NBUF];  /* bit i: client i holds the buffer */
    byte held[2];        /* buffers lent to client i and not yet returned */
    byte at_driver = 0;  /* buffers on the driver's side */
    byte dispatched = 0; /* frames taken from the driver */
    byte b, d;
#ifdef PASSES
    byte pass = 1;
    bit last = 0;
#endif
    bit notify_c[2], notify_d, idle, giving, lend[2];

    /* init(): every buffer to the driver, then serve() */
    do
    :: d_step { b < NBUF -> ENQUEUE(dfree, b); drv_side[b] = 1; at_driver++; b++ };
       VIRT_WAKER(dfree_sig, notify_d)
    :: d_step { b == NBUF -> b = 0 };
       break
    od;

    do
    :: /* serve(), one pass */
#ifdef PASSES
       /* rx_virt.c's bound on passes: the last pass sets every flag (may_sleep(false), no
        * re-checks) *before* it works, so whatever is queued from then on signals */
       if
       :: pass == PASSES ->
#ifndef BROKEN_FLAGS_AFTER_LAST
           atomic { last = 1; cfree_sig[0] = 1 };
           cfree_sig[1] = 1;
           dact_sig = 1
#else
           last = 1
#endif
       :: else
       fi;
#endif
       /* returns first (from_client), then from_driver(): every frame, lent to whoever
        * it is for */
       FROM_CLIENT(0);
       FROM_CLIENT(1);
       do
       :: d_step {
              dact?b;
              assert(drv_side[b] && !LENT_ANY(b));
              drv_side[b] = 0;
              at_driver--;
              dispatched++;
              d = dest[b];
              lend[0] = (d == 0 || d == BCAST) && held[0] < MAX_HELD;
              lend[1] = (d == 1 || d == BCAST) && held[1] < MAX_HELD;
              giving = !lend[0] && !lend[1];
              d = 0
          };
          if
          :: lend[0] -> LEND(0, b)
          :: else
          fi;
          if
          :: lend[1] -> LEND(1, b)
          :: else
          fi;
          if
          :: giving -> GIVE(b)
          :: else
          fi
       :: empty(dact) -> break
       od;
#ifdef PASSES
       if
       :: last ->
#ifdef BROKEN_FLAGS_AFTER_LAST
           /* the order rx_virt.c had: the flags after the last pass's work, no re-check:
            * a frame queued in between is not signalled (Spin: an invalid end state) */
           atomic { cfree_sig[0] = 1 };
           cfree_sig[1] = 1;
           dact_sig = 1;
#endif
           atomic { pass = 1; last = 0 };
           SIGNAL_DEFERRED();
           if
           :: virt_done -> break
           :: WAKE_UP(virt_note, virt_asleep)
           fi
       :: else -> pass++;
#endif
       /* may_sleep(true): every ring's sleeper sequence; another pass if any found work */
       atomic { idle = 1; cfree_sig[0] = 1 };
       RECHECK(cfree[0], cfree_sig[0]);
       cfree_sig[1] = 1;
       RECHECK(cfree[1], cfree_sig[1]);
       dact_sig = 1;
       RECHECK(dact, dact_sig);
       if
       :: idle ->
#ifdef PASSES
           pass = 1;
#endif
           SIGNAL_DEFERRED();
           if
           :: virt_done -> break
           :: WAKE_UP(virt_note, virt_asleep)
           fi
       :: else
       fi
#ifdef PASSES
       fi
#endif
    od
}

/* ---- The clients --------------------------------------------------------------------- */

/* -DHOSTILE: client 1 misbehaves once, at any moment: it returns a buffer number of its
 * choosing, whether it holds that buffer or not (so also one lent to client 0 only, one on
 * the driver's side, or one it will return again later). virt must ignore what is not
 * lent to it, so client 0 and the driver keep every guarantee; what client 1 reads after
 * it gave a buffer back early is its own affair, so its own assertions are off. Its rings
 * need room for the extra descriptor: CAP > MAX_HELD. */
#ifdef HOSTILE
#define HONEST(i) ((i) == 0)
#define BOGUS_RETURN(i, k)                                                                   \
    d_step {                                                                                 \
        !HONEST(i) && !bogus && NBUF > k ->                                                  \
        assert(CAP > MAX_HELD);                                                              \
        ENQUEUE(cfree[i], k);                                                                \
        bogus = 1                                                                            \
    };                                                                                       \
    PEER_WAKER(cfree_sig[i], virt_note)
#else
#define HONEST(i) 1
#endif

/* A client's event loop: take a frame it was lent, read it, return it (one step: see the
 * top), then the waker; when its active ring is empty, sleep on it. A client never stops:
 * it ends waiting, a valid end state (end_idle) only because the driver and virt cannot
 * finish while it has work (it holds their buffers). */
inline client_loop(i) {
    byte b;
#ifdef HOSTILE
    bit bogus; /* client 1 has returned a buffer out of turn */
#endif
    do
    :: d_step {
           cact[i]?b;
           assert(!HONEST(i) || dest[b] == i || dest[b] == BCAST); /* only its frames */
           assert(!HONEST(i) || (LENT(i, b) && !drv_side[b]));
           ENQUEUE(cfree[i], b);
           b = 0
       };
       PEER_WAKER(cfree_sig[i], virt_note)
#ifdef HOSTILE
    :: BOGUS_RETURN(i, 0)
    :: BOGUS_RETURN(i, 1)
    :: BOGUS_RETURN(i, 2)
    :: BOGUS_RETURN(i, 3)
#endif
#ifdef FINE_PEERS
    :: empty(cact[i]) ->
        cact_sig[i] = 1;
        if
        :: nempty(cact[i]) -> cact_sig[i] = 0
        :: d_step { empty(cact[i]) -> client_asleep[i] = 1 };
end_idle:  WAKE_UP(client_note[i], client_asleep[i])
        fi
#else
    :: d_step { empty(cact[i]) -> cact_sig[i] = 1; client_asleep[i] = 1 };
end_idle:
       WAKE_UP(client_note[i], client_asleep[i])
#endif
    od
}

active proctype client0() { client_loop(0) }
active proctype client1() { client_loop(1) }

/* ---- Properties ---------------------------------------------------------------------- */

#define rings_idle                                                                           \
    (len(dfree) == 0 && len(dact) == 0 && len(cact[0]) == 0 && len(cfree[0]) == 0 &&         \
     len(cact[1]) == 0 && len(cfree[1]) == 0)
#define quiescent                                                                            \
    ((driver_asleep || driver_done) && (virt_asleep || virt_done) && client_asleep[0] &&     \
     client_asleep[1] && !driver_note && !virt_note && !client_note[0] && !client_note[1])
#define clash(b) (drv_side[b] && LENT_ANY(b))

/* Never everybody committed to wait (or finished) with no signal on its way while work is
 * pending: a descriptor in a ring, or the run not over. */
ltl no_lost_wakeup { [] !(quiescent && !(rings_idle && driver_done && virt_done)) }
/* No buffer is ever on the driver's side while a client may read it. */
ltl exclusive_ownership {
    [] !(clash(0) || (NBUF > 1 && clash(1)) || (NBUF > 2 && clash(2)) || (NBUF > 3 && clash(3)))
}
/* Whoever sleeps is woken (driver, virt), or sleeps only with nothing pending (clients). */
ltl driver_wakes { [] (driver_asleep -> <> !driver_asleep) }
ltl virt_wakes { [] (virt_asleep -> <> !virt_asleep) }
ltl clients_wake {
    [] ((client_asleep[0] && len(cact[0]) > 0) -> <> !client_asleep[0]) &&
    [] ((client_asleep[1] && len(cact[1]) > 0) -> <> !client_asleep[1])
}
/* Every run ends with all frames handled and all buffers home with the driver (so every
 * frame lent was taken and returned). */
ltl terminates { <> (driver_done && virt_done) }
