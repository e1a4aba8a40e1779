/*
 * Kernel images per domain (docs/kernel.md, "The kernel image per domain"): a
 * KERNEL_IMAGE object is one domain's copy of the kernel's code and read-only data, so
 * that under cache colouring the kernel code a domain's system calls run lies in the
 * domain's own colours (Ge et al., EuroSys 2019).
 *
 * The object (32 KiB, retyped from the domain's coloured untyped) holds a record and one
 * capability slot per page of the copy (page 0), the copy's translation tables (pages 1
 * to 3; arch/kimage.h), and the domain's kernel stack (pages 4 to 7): the domain's
 * entries from user mode run on it while the CPU runs on the copy. The copy's pages are
 * 4 KiB frames of the domain, given one at a time (KERNEL_IMAGE_ADD_FRAME): the kernel
 * copies the next page of its code into the frame and moves the frame's cap into the
 * object's next slot, out of every CSpace, so nobody can map or write it again. A revoke
 * that reaches such a frame (through its untyped) reverts that page to the shared one
 * and unbinds the copy.
 *
 * A complete copy is bound to a domain (DOMAIN_SET_IMAGE); at each entry of a slot of
 * that domain the kernel runs on it (kimage_enter_domain()). Deleting a copy in use
 * first puts its domain back on the shared image.
 */
#ifndef BASTION_VM_KIMAGE_H
#define BASTION_VM_KIMAGE_H

#include <object/cap.h>

#define KIMAGE_SLOTS     63 /* pages a copy can hold: 252 KiB of code and read-only data */
#define KIMAGE_NO_DOMAIN 0xff

/* Page 0 of a KERNEL_IMAGE object. Retype zeroes it: `pages` 0 means not prepared. */
struct kimage {
    uint16_t pages;  /* pages of the copy (arch_kimage_pages()) once prepared */
    uint16_t filled; /* pages copied so far, in order */
    uint8_t domain;  /* the domain it is bound to, or KIMAGE_NO_DOMAIN */
    uint8_t reserved[59];
    struct cte slots[KIMAGE_SLOTS]; /* the frames of pages 0 .. filled - 1 */
};
_Static_assert(sizeof(struct kimage) == 4096, "the record and slots fill page 0");

struct invocation;
/* KERNEL_IMAGE_ADD_FRAME (docs/syscalls.md, "Kernel images"). */
bst_error_t kimage_invoke(struct invocation *inv);
/* The domain control cap's DOMAIN_SET_IMAGE and DOMAIN_IMAGE_PAGE. */
bst_error_t kimage_domain_invoke(struct invocation *inv);

/* Which copy each domain runs on (its object's physical address; 0: the shared image),
 * and the one the CPU runs on now. Only kimage.c changes them. */
#define KIMAGE_DOMAINS 16 /* = NUM_DOMAINS (thread/domain.h; checked in kimage.c) */
struct kimage_state {
    paddr_t domain_image[KIMAGE_DOMAINS];
    paddr_t active;
};
extern struct kimage_state kimage_state;

/* Run on `obj` (0: the shared image) from now on: the slow part of the switch. It
 * flushes the whole TLB (global entries and every PCID) unless `caller_flushes`, the
 * BST_DOMAIN_FLUSH_* flushes its caller makes before any user code runs, has the TLB's:
 * then one flush serves both (until it, the CPU may use translations to the copy it
 * left, whose bytes are the same). */
void kimage_activate(paddr_t obj, unsigned caller_flushes);

/* A slot of domain `domain` (< KIMAGE_DOMAINS) begins (thread/domain.c): run on its copy,
 * or on the shared image if it has none. Inline: a switch between domains that run the
 * same image pays one load and one compare. */
static inline void kimage_enter_domain_flushing(uint8_t domain, unsigned caller_flushes)
{
    paddr_t want = kimage_state.domain_image[domain % KIMAGE_DOMAINS];
    if (want != kimage_state.active) {
        kimage_activate(want, caller_flushes);
    }
}

static inline void kimage_enter_domain(uint8_t domain)
{
    kimage_enter_domain_flushing(domain, 0);
}

/* Before an idle wait (kernel_exit): the wait, and every interrupt taken in it, must
 * run on the stack of the domain whose slot it is (or the CPU's own), not on the one the
 * kernel entered on, which after a domain switch is the previous domain's. When the
 * stack pointer lies outside the stack that the next entry from user mode would use,
 * kernel_exit() starts again at that stack's top (it keeps nothing on the stack between
 * its rounds, and nothing below it is ever returned to); else nothing. Nothing either
 * while no copy was ever bound (the SMP kernel: it refuses copies). */
void kimage_idle_stack(void);

/* For the kernel's benchmark of the domain switch (arch/x86_64/bench/domain_bench.c):
 * let `domain` run on the tables of the 32 KiB object at `obj` (0: none), which
 * arch_kimage_prepare() built, without a KERNEL_IMAGE cap. Returns the binding before. */
paddr_t kimage_bench_bind(uint8_t domain, paddr_t obj);

#endif
