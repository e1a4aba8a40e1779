/*
 * What user threads could observe of the kernel's state, as one digest (fuzz_observe.c):
 * for comparing two runs of one input that must be indistinguishable, such as the IPC
 * fastpaths on and off ("the fastpath changes nothing observable", ipc/fastpath.h).
 */
#ifndef BASTION_TESTS_HOST_FUZZ_OBSERVE_H
#define BASTION_TESTS_HOST_FUZZ_OBSERVE_H

#include <ktypes.h>

#include <stdio.h>

/* A digest of every live thread's observable state (its registers, but message
 * registers past the length its message info word gives, which are undefined; its
 * state, what it waits on, its priority, domain, scheduling context and binding), which
 * thread runs, every endpoint's queue in order, every notification's word and every
 * reply object's and scheduling context's links. With `dump`, the same printed there. */
uint64_t fuzz_observe_digest(FILE *dump);

#endif
