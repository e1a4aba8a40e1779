/*
 * Every invariant checker of the kernel, and the thread and IPC invariants over every
 * live object (fuzz_check.c), for the system-call fuzzer to run after every kernel entry.
 */
#ifndef BASTION_TESTS_HOST_FUZZ_CHECK_H
#define BASTION_TESTS_HOST_FUZZ_CHECK_H

#include <ktypes.h>

/* NULL when everything holds; else the first invariant found broken. Checks the object
 * layer (objects_check_invariants()), the ready queues (sched_check_invariants()), the
 * VSpaces (vspace_check_mappings()), and, for every live TCB, endpoint, notification,
 * reply object and scheduling context found through the derivation tree: every pointer
 * between them names a live object of the right type that points back as it must, every
 * IPC queue is well linked and holds exactly the threads blocked on it, and a thread that
 * can run is exactly one that is queued or current; every thread's decoded CSpace root
 * and fastpath lookups match its CSpace cap. With `left_to_user` (the kernel has just
 * returned to the current thread), that thread can run and its VSpace is the active one
 * (no user code runs in a deleted or unprepared address space). */
const char *fuzz_check_all(bool left_to_user);

#endif
