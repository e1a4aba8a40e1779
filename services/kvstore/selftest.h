/*
 * The store PD's self-test (setvar kv_selftest): the dump of what a boot recovered and a
 * workload that prints every operation it begins and every acknowledgement, in the line
 * formats of bastion/kvstore.h, for the power-cut test's checker (tests/check_acks.py).
 */
#ifndef KVSTORE_SELFTEST_H
#define KVSTORE_SELFTEST_H

#include <stdint.h>

#include "store.h"

/* Print one line per key held and "dump end"; a value that fails a check is "corrupt". */
void selftest_dump(struct kv_store *s);

/* Bump the boot counter, then run `ops` operations in batches; prints "selftest done". */
void selftest_run(struct kv_store *s, uint64_t ops);

#endif /* KVSTORE_SELFTEST_H */
