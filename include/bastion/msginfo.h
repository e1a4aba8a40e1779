/*
 * The message info word: the header of every message, passed in a register.
 *
 *   bits  0..6   length      number of message words (0 .. BST_MSG_MAX_LENGTH)
 *   bits  7..8   extra_caps  capabilities sent with the message (0 .. 3)
 *   bits  9..11  unwrapped   mask: which received caps were unwrapped to their badge
 *   bits 12..63  label       user-defined; for kernel objects an invocation label
 *
 * Encoders and decoders below are the only code that should know the bit positions.
 */
#ifndef BASTION_ABI_MSGINFO_H
#define BASTION_ABI_MSGINFO_H

#include <stdint.h>

typedef uint64_t bst_msginfo_t;

#define BST_MSGINFO_LENGTH_SHIFT     0
#define BST_MSGINFO_LENGTH_BITS      7
#define BST_MSGINFO_EXTRA_CAPS_SHIFT 7
#define BST_MSGINFO_EXTRA_CAPS_BITS  2
#define BST_MSGINFO_UNWRAPPED_SHIFT  9
#define BST_MSGINFO_UNWRAPPED_BITS   3
#define BST_MSGINFO_LABEL_SHIFT      12
#define BST_MSGINFO_LABEL_BITS       52

#define BST_MSG_MAX_LENGTH     120 /* message words; the first few travel in registers */
#define BST_MSG_MAX_EXTRA_CAPS 3

_Static_assert(BST_MSGINFO_LENGTH_SHIFT + BST_MSGINFO_LENGTH_BITS == BST_MSGINFO_EXTRA_CAPS_SHIFT,
               "msginfo fields are contiguous");
_Static_assert(BST_MSGINFO_EXTRA_CAPS_SHIFT + BST_MSGINFO_EXTRA_CAPS_BITS ==
                   BST_MSGINFO_UNWRAPPED_SHIFT,
               "msginfo fields are contiguous");
_Static_assert(BST_MSGINFO_UNWRAPPED_SHIFT + BST_MSGINFO_UNWRAPPED_BITS == BST_MSGINFO_LABEL_SHIFT,
               "msginfo fields are contiguous");
_Static_assert(BST_MSGINFO_LABEL_SHIFT + BST_MSGINFO_LABEL_BITS == 64, "msginfo fills a word");
_Static_assert(BST_MSG_MAX_LENGTH < (1 << BST_MSGINFO_LENGTH_BITS), "length fits its field");
_Static_assert(BST_MSG_MAX_EXTRA_CAPS < (1 << BST_MSGINFO_EXTRA_CAPS_BITS), "caps fit");
_Static_assert(BST_MSG_MAX_EXTRA_CAPS == BST_MSGINFO_UNWRAPPED_BITS, "one unwrap bit per cap");

#define BST_MSGINFO_FIELD(w, f)                                                                    \
    (((w) >> BST_MSGINFO_##f##_SHIFT) & ((UINT64_C(1) << BST_MSGINFO_##f##_BITS) - 1))

/* Build a message info word; fields wider than their slot are truncated. */
static inline bst_msginfo_t bst_msginfo_make(uint64_t label, unsigned length, unsigned extra_caps,
                                             unsigned unwrapped)
{
    bst_msginfo_t w = 0;
    w |= ((uint64_t)length & ((1u << BST_MSGINFO_LENGTH_BITS) - 1)) << BST_MSGINFO_LENGTH_SHIFT;
    w |= ((uint64_t)extra_caps & ((1u << BST_MSGINFO_EXTRA_CAPS_BITS) - 1))
         << BST_MSGINFO_EXTRA_CAPS_SHIFT;
    w |= ((uint64_t)unwrapped & ((1u << BST_MSGINFO_UNWRAPPED_BITS) - 1))
         << BST_MSGINFO_UNWRAPPED_SHIFT;
    w |= label << BST_MSGINFO_LABEL_SHIFT;
    return w;
}

static inline uint64_t bst_msginfo_label(bst_msginfo_t w)
{
    return BST_MSGINFO_FIELD(w, LABEL);
}

static inline unsigned bst_msginfo_length(bst_msginfo_t w)
{
    return (unsigned)BST_MSGINFO_FIELD(w, LENGTH);
}

static inline unsigned bst_msginfo_extra_caps(bst_msginfo_t w)
{
    return (unsigned)BST_MSGINFO_FIELD(w, EXTRA_CAPS);
}

static inline unsigned bst_msginfo_unwrapped(bst_msginfo_t w)
{
    return (unsigned)BST_MSGINFO_FIELD(w, UNWRAPPED);
}

#endif
