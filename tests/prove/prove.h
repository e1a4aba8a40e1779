/*
 * SPECIFICATION, not code: what the proofs (`make prove`, docs/testing.md "Proofs") take
 * as given. Frama-C reads it before every proved file (-include); no build ever does.
 *
 * 1. The __atomic builtins as single plain accesses. Frama-C knows no C11 atomics; the
 *    proofs are sequential. That is sound for what they show of the queue library
 *    (absence of run-time errors, and each result's checks) because no proved property
 *    depends on what shared memory holds: each atomic load may return anything, and
 *    every value the library uses is a private copy read once. What the orderings
 *    (acquire, release, fences) achieve is the Spin model's part (drivers/queue/model).
 * 2. Two facts of arithmetic that WP's provers (without Alt-Ergo, which Debian 12 lacks)
 *    do not find: masking a non-negative number with a non-negative mask gives at most
 *    the mask; 1 << n, for n in 0 .. 63, lies in 1 .. 2^63.
 */
#ifndef BASTION_PROVE_H
#define BASTION_PROVE_H

#define __atomic_load_n(p, order)     (*(p))
#define __atomic_store_n(p, v, order) ((void)(*(p) = (v)))
#define __atomic_thread_fence(order)  ((void)0)

/* Frama-C 25 does not parse _Alignas. Alignment is not modelled: where the code relies on
 * it (the CDT's 64-byte slots), the contract says so as a precondition. */
#define _Alignas(n)

/*@ axiomatic Bits {
      axiom land_mask_bound:
        \forall integer a, m; 0 <= a && 0 <= m ==> 0 <= (a & m) <= m;
      axiom shift_one_range:
        \forall integer n; 0 <= n <= 63 ==> 1 <= (1 << n) <= 0x8000000000000000;
    }
 */

#endif
