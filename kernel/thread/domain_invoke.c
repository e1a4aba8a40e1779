/*
 * Domain control invocations (thread/domain.h): put a thread in a domain, install the
 * schedule.
 */
#include <bastion/domain.h>
#include <syscall/invocation.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <timer.h>
#include <vm/kimage.h>

static uint64_t us_to_ticks(uint64_t us)
{
    return us * (arch_counter_hz() / 1000000);
}

/* Decode one slot of DOMAIN_SCHEDULE: the slot word (bastion/domain.h) and the length in
 * microseconds. A domain or length out of range is RANGE_ERROR; a flush flag the kernel
 * does not know, a reserved bit, or a pad that leaves the slot less than its minimum
 * length is INVALID_ARGUMENT. */
static bst_error_t decode_slot(uint64_t word, uint64_t us, struct domain_slot *out)
{
    uint64_t d = word & 0xff, flush = (word >> BST_DOMAIN_SLOT_FLUSH_SHIFT) & 0xff;
    uint64_t pad_us = (word >> BST_DOMAIN_SLOT_PAD_SHIFT) & BST_DOMAIN_SLOT_PAD_MAX;
    if (d >= NUM_DOMAINS || us < DOMAIN_MIN_LENGTH_US || us > 1000000000ull) {
        return BST_RANGE_ERROR;
    }
    if ((word >> 48) != 0 || (flush & ~(uint64_t)BST_DOMAIN_FLUSH_ALL) != 0 ||
        pad_us > DOMAIN_MAX_PAD_US || pad_us + DOMAIN_MIN_LENGTH_US > us) {
        return BST_INVALID_ARGUMENT;
    }
    *out = (struct domain_slot){
        .domain = (uint8_t)d,
        .flush = (uint8_t)flush,
        .length = us_to_ticks(us),
        .pad = us_to_ticks(pad_us),
    };
    return BST_OK;
}

/* DOMAIN_OBJECT_ADDRESS: MR0 a cap to an object with memory (any kernel object, frame
 * or untyped). Replies its physical address and log2 of its size: what init's boot check
 * reads to see that a coloured domain's kernel objects lie in its colours. Only the
 * holder of the domain control cap (init) learns where objects lie. */
static bst_error_t object_address(struct invocation *inv)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct lookup_result l = invocation_lookup_cap(inv, invocation_arg(inv, 0));
    if (l.status != BST_OK) {
        return l.status;
    }
    if (!cap_has_memory(&l.slot->cap)) {
        return BST_INVALID_CAPABILITY; /* a null cap, a control cap, an IRQ handler, ... */
    }
    invocation_reply(inv, 0, l.slot->cap.paddr);
    invocation_reply(inv, 1, l.slot->cap.size_bits);
    return BST_OK;
}

/* DOMAIN_SET: MR0 TCB cap, MR1 domain. DOMAIN_SCHEDULE: MR0 count n (0 to
 * DOMAIN_SCHEDULE_MAX), then n pairs (slot word, length in microseconds). */
bst_error_t domain_control_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case BST_INV_DOMAIN_SET: {
        if (inv->length < 2) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct cte *tcb;
        bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_TCB, &tcb);
        if (e != BST_OK) {
            return e;
        }
        if (invocation_arg(inv, 1) >= NUM_DOMAINS) {
            return BST_RANGE_ERROR;
        }
        sched_set_domain(tcb_of(&tcb->cap), (uint8_t)invocation_arg(inv, 1));
        return BST_OK;
    }
    case BST_INV_DOMAIN_SCHEDULE: {
        if (inv->length < 1) {
            return BST_TRUNCATED_MESSAGE;
        }
        uint64_t n = invocation_arg(inv, 0);
        if (n > DOMAIN_SCHEDULE_MAX) {
            return BST_RANGE_ERROR;
        }
        if (inv->length < 1 + 2 * n) {
            return BST_TRUNCATED_MESSAGE;
        }
        struct domain_slot slots[DOMAIN_SCHEDULE_MAX];
        for (unsigned i = 0; i < n; i++) {
            bst_error_t e = decode_slot(invocation_arg(inv, 1 + 2 * i),
                                        invocation_arg(inv, 2 + 2 * i), &slots[i]);
            if (e != BST_OK) {
                return e;
            }
        }
        domain_set_schedule(slots, (unsigned)n, arch_counter_read());
        return BST_OK;
    }
    case BST_INV_DOMAIN_SET_IMAGE:
    case BST_INV_DOMAIN_IMAGE_PAGE:
        return kimage_domain_invoke(inv); /* vm/kimage.c */
    case BST_INV_DOMAIN_OBJECT_ADDRESS:
        return object_address(inv);
    default:
        return BST_ILLEGAL_OPERATION;
    }
}
