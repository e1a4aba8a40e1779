/*
 * The fuzzer's input decoding (fuzz_calls.c): bytes to argument words and to whole system
 * calls of the current thread.
 */
#ifndef BASTION_TESTS_HOST_FUZZ_CALLS_H
#define BASTION_TESTS_HOST_FUZZ_CALLS_H

#include "fuzz_world.h"

struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
};

/* The next byte (0 past the end), and the next n bytes as a big-endian word. */
uint8_t fuzz_byte(struct fuzz_input *in);
uint64_t fuzz_bytes(struct fuzz_input *in, unsigned n);
/* An argument word (a tag byte says of which kind, see fuzz_calls.c). */
uint64_t fuzz_value(struct fuzz_input *in);
/* Before decoding a call by `t`: take note of which of fw's root CNode slots hold caps,
 * and of how t's CSpace addresses them (its guard). */
void fuzz_calls_refresh(struct fuzz_world *fw, const struct tcb *t);
/* The current thread `t`'s code before its next SYSCALL: the call number, cap, message
 * info, message registers, IPC buffer words, extra caps and receive slot. */
void fuzz_prepare_call(struct fuzz_input *in, struct tcb *t);

#endif
