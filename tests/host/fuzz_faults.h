/*
 * Faulting threads keep their registers (fuzz_faults.c): a thread that took an exception,
 * or that the kernel made wait to deliver a fault message or for the reply to it, is in
 * no system call, so when it next runs its registers must be exactly as they were then
 * (docs/testing.md), unless something since may have written them on purpose.
 */
#ifndef BASTION_TESTS_HOST_FUZZ_FAULTS_H
#define BASTION_TESTS_HOST_FUZZ_FAULTS_H

#include "fuzz_world.h"

/* Forget every remembered thread (a new input). */
void fuzz_faults_forget(void);
/* Thread t is about to take an exception: remember its registers. */
void fuzz_faults_remember(const struct tcb *t);
/* After a kernel entry: remember the threads the kernel made wait with a fault message. */
void fuzz_faults_remember_kernel(void);
/* After system call n on cptr with message info `info`: forget them all if it may have
 * written registers on purpose (WRITE_REGISTERS, a reply, a retype). */
void fuzz_faults_after_call(struct fuzz_world *fw, uint64_t n, uint64_t cptr, uint64_t info);
/* The kernel returned to t: NULL if t was not remembered or kept its registers (it is
 * forgotten now), else what changed. */
const char *fuzz_faults_check(const struct tcb *t);

#endif
