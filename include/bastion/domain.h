/*
 * The domain scheduler's ABI (DOMAIN_SCHEDULE, docs/syscalls.md): how one slot of the
 * schedule is written, and the time-protection policy a slot may carry (docs/kernel.md,
 * "Time protection").
 *
 * A slot is two words: the slot word, then its length in microseconds. The slot word:
 *
 *   bits  0-7   the domain (0 .. 15)
 *   bits  8-15  BST_DOMAIN_FLUSH_* flags: what the kernel flushes when the slot ends
 *   bits 16-47  the pad in microseconds (0: none): the kernel takes the CPU this long
 *               before the slot's end, switches and flushes, and starts the next slot
 *               exactly at the end, whatever the slot's domain did
 *   bits 48-63  zero
 *
 * A plain domain number is a slot word with no flush and no pad.
 */
#ifndef BASTION_DOMAIN_H
#define BASTION_DOMAIN_H

#define BST_DOMAIN_FLUSH_L1D    0x01u /* L1 data cache (IA32_FLUSH_CMD where present) */
#define BST_DOMAIN_FLUSH_IBPB   0x02u /* branch predictors (IBPB where present) */
#define BST_DOMAIN_FLUSH_TLB    0x04u /* every TLB entry, global and all PCIDs */
#define BST_DOMAIN_FLUSH_WBINVD 0x08u /* write back and invalidate every cache level */
#define BST_DOMAIN_FLUSH_ALL    0x0fu /* every flag the kernel knows */
/* The on-core state: what a domain switch under time protection normally flushes. */
#define BST_DOMAIN_FLUSH_CORE   (BST_DOMAIN_FLUSH_L1D | BST_DOMAIN_FLUSH_IBPB | BST_DOMAIN_FLUSH_TLB)

#define BST_DOMAIN_SLOT_FLUSH_SHIFT 8
#define BST_DOMAIN_SLOT_PAD_SHIFT   16
#define BST_DOMAIN_SLOT_PAD_MAX     0xffffffffull /* microseconds */

#define BST_DOMAIN_SLOT(domain, flush, pad_us)                                                     \
    ((unsigned long long)(domain) | ((unsigned long long)(flush) << BST_DOMAIN_SLOT_FLUSH_SHIFT) | \
     ((unsigned long long)(pad_us) << BST_DOMAIN_SLOT_PAD_SHIFT))

#endif
