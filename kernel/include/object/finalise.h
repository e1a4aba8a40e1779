/*
 * Finalisers: what happens to an object when its last capability is deleted.
 *
 * Each object type has one named hook, called with a copy of the deleted cap. Most are
 * empty until the object is implemented (endpoint_finalise() will wake the endpoint's
 * waiters with OBJECT_DELETED once IPC exists); each then moves to the object's own
 * file. Finalisers must be O(1) or queue their work (as CNodes do) for a preemptible
 * pass: they run inside a single delete.
 */
#ifndef BASTION_OBJECT_FINALISE_H
#define BASTION_OBJECT_FINALISE_H

#include "object/cap.h"

/* Run the finaliser of the object `cap` names. */
void cap_finalise(const struct cap *cap);

void endpoint_finalise(const struct cap *cap);
void notification_finalise(const struct cap *cap);
void tcb_finalise(const struct cap *cap);
void reply_finalise(const struct cap *cap);
void sched_context_finalise(const struct cap *cap);
void frame_finalise(const struct cap *cap);
void page_table_finalise(const struct cap *cap);
void irq_handler_finalise(const struct cap *cap);
void ioport_finalise(const struct cap *cap);

/* Called for every frame or page-table cap that is deleted, final or not, while it is
 * still in its slot: undo the mapping the cap made (vm/vspace.c). */
void vm_unmap_cap(struct cap *cap);

/* The same for an IOPT cap or a frame cap mapped into an I/O space (vm/iospace.c). */
void iospace_unmap_cap(struct cap *cap);

/* The same for I/O port caps: withdraw the grant of the cap's range from the VSpace it
 * was granted to, if any (arch I/O port code). */
void ioport_ungrant_cap(struct cap *cap);

/* The same for a GPT cap or a frame cap mapped into a guest-physical space
 * (vm/gspace.c). */
void guest_unmap_cap(struct cap *cap);

/* Virtualisation's finalisers (vm/vcpu.c, vm/gspace.c), and the hook a deleted thread
 * runs so that no VCPU stays bound to it. */
void vcpu_finalise(const struct cap *cap);
void gspace_finalise(const struct cap *cap);
struct tcb;
void vcpu_forget_thread(const struct tcb *t);

/* A cap in a TCB's slot (CAP_F_THREAD) was deleted, final or not, and its slot is empty
 * now: a thread without its CSpace or VSpace cannot run, so it is suspended
 * (thread/tcb.c). */
void tcb_slot_emptied(struct cte *slot);

/* A kernel image's finaliser, and the hook of a frame cap in one of its slots
 * (CAP_F_KIMAGE) that was deleted (vm/kimage.c): the page goes back to the shared image
 * and no domain runs on the copy any more. */
void kimage_finalise(const struct cap *cap);
void kimage_slot_emptied(struct cte *slot);

/* Undo the binding of a cap for which cap_records_binding() holds (delete.c). */
static inline void cap_unbind(struct cap *cap)
{
    if (cap_type(cap) == BST_OBJ_IOPORT)
        ioport_ungrant_cap(cap);
    else if (cap_type(cap) == BST_OBJ_IOPT || cap_is_io_mapped(cap))
        iospace_unmap_cap(cap);
    else if (cap_type(cap) == BST_OBJ_GPT || cap_is_guest_mapped(cap))
        guest_unmap_cap(cap);
    else
        vm_unmap_cap(cap);
}

/* The finalisers of threads, IPC objects and memory mappings live with their objects
 * (kernel/thread, kernel/ipc, kernel/vm); host tests of this layer provide empty ones. */

#endif
