/*
 * Host test support for the object layer: "physical memory", the kernel hooks
 * (kmem_*, kpreempt_pending, kassert_fail), a tiny test runner, and a booted world.
 */
#ifndef BASTION_TESTS_HOST_SUPPORT_H
#define BASTION_TESTS_HOST_SUPPORT_H

#include "kassert.h"
#include "kmem.h"
#include "kpreempt.h"
#include "object/boot.h"
#include "object/cdt.h"
#include "object/cnode.h"
#include "object/cspace.h"
#include "object/delete.h"
#include "object/objects.h"
#include "object/untyped.h"
#include <bastion/capdata.h>
#include <bastion/errors.h>

#include <stdio.h>

/* Host "physical memory": PHYS_SIZE bytes at physical address PHYS_BASE. */
#define PHYS_BASE UINT64_C(0x40000000)
#define PHYS_SIZE (64u << 20)
/* A device range: addresses only, never backed by memory. */
#define DEV_BASE  UINT64_C(0x100000000)

void phys_fill(paddr_t base, uint64_t size, uint8_t byte);
bool phys_is(paddr_t base, uint64_t size, uint8_t byte);

/* Preemption schedule: kpreempt_pending() is true on every nth call (0: never). */
void preempt_every(unsigned long n);
unsigned long preempt_calls(void);

/* ---- Test runner: one "PASS: name" / "FAIL: name: why" line per test. ---- */
struct test {
    const char *name;
    void (*fn)(void);
};

void test_fail(const char *file, int line, const char *what);
bool test_failed(void);
int run_tests(const char *suite, const struct test *tests, size_t n);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, #cond);                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(expr, want)                                                                      \
    do {                                                                                           \
        bst_error_t got_ = (expr);                                                                 \
        if (got_ != (want)) {                                                                      \
            char msg_[256];                                                                        \
            snprintf(msg_, sizeof(msg_), "%s returned %s, expected %s", #expr,                     \
                     bst_error_name(got_), bst_error_name(want));                                  \
            test_fail(__FILE__, __LINE__, msg_);                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INVARIANTS()                                                                         \
    do {                                                                                           \
        struct invariant_result inv_ = objects_check_invariants();                                 \
        if (!inv_.ok) {                                                                            \
            test_fail(__FILE__, __LINE__, inv_.why);                                               \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* ---- A booted world: root CNode of 2^radix slots over RAM and one device range. ---- */
struct world {
    struct boot_result boot;
    const struct cap *root; /* the root CNode cap (slot 1) */
};

#define WORLD_RADIX 8

/* Boot over `ram_bytes` of dirty RAM at PHYS_BASE and `dev_bytes` at DEV_BASE. */
void world_boot(struct world *w, uint64_t ram_bytes, uint64_t dev_bytes);

/* Address root CNode slot `index` (depth 64). */
struct slot_ref world_ref(const struct world *w, uint64_t index);
struct cte *world_slot(const struct world *w, uint64_t index);

/* The first boot untyped slot whose block is RAM (device) and at least 2^bits. */
uint64_t world_untyped(const struct world *w, bool device, unsigned bits);

/* Retype into root CNode slots, returning the status. */
bst_error_t world_retype(const struct world *w, uint64_t ut_slot, bst_objtype_t type,
                         unsigned size_bits, uint64_t dest_slot, uint64_t count);

#endif
