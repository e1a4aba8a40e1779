/*
 * SPECIFICATION, not code: the kernel helpers that the proved object-layer files call
 * but that are not themselves proved, as Frama-C reads them (`make prove`,
 * docs/testing.md "Proofs"). Included after tests/prove/prove.h for kernel files only.
 *
 * A kassert() that fails calls kassert_fail(). Its contract says it may never be called:
 * so for every kassert in a proved function WP must show that it holds.
 */
#ifndef BASTION_PROVE_KERNEL_H
#define BASTION_PROVE_KERNEL_H

/*@ requires \false;
    assigns \nothing;
    ensures \false;
 */
void kassert_fail(const char *expr, const char *file, int line, const char *func);

#endif
