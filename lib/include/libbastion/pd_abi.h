/*
 * The contract between init and the PD runtime (lib/src/pd_*.c): what init puts where
 * when it starts a protection domain, and how a parent asks init for child control.
 * Only init and the runtime include this; PD code uses <libbastion/pd.h>.
 *
 * Start registers (set by init with TCB_WRITE_REGISTERS):
 *   rip  the image's entry (pd_crt0.S: _start)    rsp  the PD's stack top
 *   rdi  the start info (below)                    rsi  the IPC buffer
 *
 * The start info lives in the PD's IPC buffer page, after the IPC buffer itself (which
 * takes at most BST_IPC_BUFFER_ALIGN bytes): init writes it once at boot, read-only to
 * the runtime by convention; a restart or re-initialisation leaves it as it is.
 *
 * Slots and badges beyond include/bastion/spec.h (proposed there; until then here):
 *   BST_PD_SLOT_INIT     a cap to init's service endpoint, only in PDs with children or
 *                        passive ones,
 *                        badged BST_PD_BADGE_SERVICE | pd index: restart / re-initialise
 *                        a child (init alone holds a pristine copy of every image)
 *   BST_PD_BADGE_FAULT   the badge of a child's fault endpoint (the parent's endpoint)
 *                        and of a top-level PD's fault endpoint (init's), | the child id
 *                        or PD index. Notification bits (1 << id) arrive with the label
 *                        BST_LABEL_SIGNAL and PPC badges carry BASTION_BADGE_PPCALL, so
 *                        the three never meet.
 */
#ifndef LIBBASTION_PD_ABI_H
#define LIBBASTION_PD_ABI_H

#include <stdint.h>

#include <bastion/ipcbuffer.h>
#include <bastion/spec.h>
#include <libbastion/pd.h>

#define BST_PD_STARTINFO_MAGIC  0x4f464e4954524154ULL /* "TARTINFO" */
#define BST_PD_STARTINFO_OFFSET 2048u                 /* in the IPC buffer's page */
#define BST_PD_NAME_MAX         64u

#define BST_PD_SLOT_INIT     8u
#define BST_PD_BADGE_FAULT   (1ULL << 62)
#define BST_PD_BADGE_SERVICE (1ULL << 61)
#define BST_PD_BADGE_ID_MASK 0xffffULL

/* BST_PD_PEER_RESTARTED_BIT: <libbastion/pd.h>. */

enum bst_pd_start_flags {
    BST_PD_HAS_ENDPOINT = 1u, /* BASTION_SLOT_ENDPOINT holds the PD's endpoint */
    BST_PD_HAS_INIT = 2u,     /* BST_PD_SLOT_INIT holds init's service endpoint */
    BST_PD_PASSIVE = 4u,      /* after init(), become passive: tell init (REQ_PASSIVE) */
};

struct bst_pd_startinfo {
    uint64_t magic;       /* BST_PD_STARTINFO_MAGIC */
    uint64_t flags;       /* enum bst_pd_start_flags */
    uint64_t notify_mask; /* bit id: BASTION_SLOT_NOTIFY_BASE + id holds a cap */
    uint64_t ppcall_mask; /* bit id: BASTION_SLOT_PPCALL_BASE + id holds a cap */
    uint64_t child_mask;  /* bit id: BASTION_SLOT_CHILD_TCB_BASE + id holds a cap */
    uint64_t irq_mask;    /* bit id: BASTION_SLOT_IRQ_BASE + id holds the IRQ handler of the
                             IRQ on channel id, bound to the PD's notification (1 << id) */
    uint64_t ioport_mask; /* bit id: BASTION_SLOT_IOPORT_BASE + id holds an I/O port cap */
    uint32_t pd_index;    /* the PD's index in the spec */
    uint32_t counter_khz; /* the cycle counter's (TSC's) frequency, from boot info */
    char name[BST_PD_NAME_MAX];
    /* Written by init at boot and kept current by it (docs/supervision.md): */
    uint32_t generation; /* how many times init restarted or re-initialised this PD */
    uint32_t peer_generation[BASTION_MAX_ID + 1]; /* channel id: its peer's generation,
                                                     updated before the peer-restarted bit */
    uint32_t supervision[BASTION_MAX_ID + 1];     /* child id: the child's supervision word
                                                     (bastion/spec.h), 0 for none */
};

_Static_assert(BST_PD_STARTINFO_OFFSET >= sizeof(struct bst_ipc_buffer),
               "the start info follows the IPC buffer");
_Static_assert(BST_PD_STARTINFO_OFFSET + sizeof(struct bst_pd_startinfo) <= BASTION_PAGE_SIZE,
               "the start info fits in the IPC buffer's page");
_Static_assert(BST_PD_SLOT_INIT > BASTION_SLOT_SCHED_CONTEXT &&
                   BST_PD_SLOT_INIT < BASTION_SLOT_NOTIFY_BASE,
               "init's slot is free in the spec's CSpace layout");

/* Requests on BST_PD_SLOT_INIT: label, MR0 = child id; reply MR0 = bst_error_t. */
enum bst_init_request {
    BST_INIT_REQ_RESTART = 1, /* stop the child, start it again at its entry */
    BST_INIT_REQ_REINIT = 2,  /* stop it, reset its memory from the image, start it */
    BST_INIT_REQ_PASSIVE = 3, /* from a passive PD itself, sent with NB_SEND_RECV once it
                                 waits for calls: init unbinds its scheduling context; no
                                 reply */
};

#endif
