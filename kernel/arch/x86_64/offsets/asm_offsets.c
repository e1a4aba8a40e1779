/*
 * Structure offsets and constants for the assembly (fastpath.S, syscall.S), generated
 * at build time: this file is compiled to assembly only, and kernel.mk turns each
 * "->NAME value" marker into `#define NAME value` in asm_offsets.h. So the assembly can
 * never disagree with the C layout of the structures it walks.
 */
#include <arch/fpu.h>
#include <arch/pagetable.h>
#include <arch/percpu.h>
#include <arch/physmap.h>
#include <arch/vspace.h>
#include <bastion/fault.h>
#include <bastion/msginfo.h>
#include <bastion/vmattr.h>
#include <ipc/fastpath.h>
#include <ipc/ipc.h>
#include <thread/budget.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>

#define DEFINE(name, value)        __asm__ volatile("\n.ascii \"->" #name " %c0\"" : : "i"(value))
#define OFFSET(name, type, member) DEFINE(name, offsetof(type, member))

_Static_assert(PT_ID_PORTS == 1ull << 62, "PT_ID_PORTS_BIT below");

void asm_offsets(void);
void asm_offsets(void)
{
    OFFSET(TCB_FPU, struct tcb, arch.fpu);
    OFFSET(TCB_CSPACE_CAP_TYPE, struct tcb, slots[TCB_SLOT_CSPACE].cap.type);
    OFFSET(TCB_VSPACE_PADDR, struct tcb, slots[TCB_SLOT_VSPACE].cap.paddr);
    OFFSET(TCB_STATE, struct tcb, state);
    OFFSET(TCB_PRIORITY, struct tcb, priority);
    OFFSET(TCB_DOMAIN, struct tcb, domain);
    OFFSET(TCB_IPC_NEXT, struct tcb, ipc_next);
    OFFSET(TCB_IPC_PREV, struct tcb, ipc_prev);
    OFFSET(TCB_BLOCKED_ON, struct tcb, blocked_on);
    OFFSET(TCB_REPLY, struct tcb, reply);
    OFFSET(TCB_BOUND, struct tcb, bound);
    OFFSET(TCB_IPC_FLAGS, struct tcb, ipc_flags);
    OFFSET(TCB_CSPACE_SLOTS, struct tcb, cspace_slots);
    OFFSET(TCB_CSPACE_GUARD, struct tcb, cspace_guard);
    OFFSET(TCB_CSPACE_RADIX, struct tcb, cspace_radix);
    OFFSET(TCB_SC, struct tcb, sc);
    OFFSET(TCB_FP_CPTR, struct tcb, fp_cptr);
    OFFSET(TCB_FP_SLOT, struct tcb, fp_slot);
    DEFINE(CTE_SHIFT, CTE_SIZE_BITS);
    OFFSET(CAP_TYPE, struct cap, type);
    OFFSET(CAP_RIGHTS, struct cap, rights);
    OFFSET(CAP_PADDR, struct cap, paddr);
    OFFSET(CAP_BADGE, struct cap, u.ipc.badge);
    OFFSET(EP_HEAD, struct endpoint, queue.head);
    OFFSET(EP_TAIL, struct endpoint, queue.tail);
    OFFSET(EP_STATE, struct endpoint, state);
    OFFSET(NTFN_WORD, struct notification, word);
    OFFSET(REPLY_CALLER, struct reply, caller);
    OFFSET(REPLY_RECEIVER, struct reply, receiver);
    OFFSET(REPLY_SC, struct reply, sc);
    OFFSET(REPLY_SC_PREV, struct reply, sc_prev);
    OFFSET(SC_TCB, struct sched_context, tcb);
    OFFSET(SC_REPLY, struct sched_context, reply);
    OFFSET(SC_BUDGET, struct sched_context, budget);
    OFFSET(SC_LIMITED, struct sched_context, limited);
    OFFSET(SC_FASTPATH_CPU, struct sched_context, fastpath_cpu);
    OFFSET(BUDGET_RELEASE_HEAD, struct budget_state, release_head);
    OFFSET(BUDGET_ARMED, struct budget_state, armed);
    OFFSET(DOMAIN_COUNT, struct domain_state, count);
    DEFINE(FP_CALL_PASSIVE, 8 * FASTPATH_CALL_PASSIVE);
    DEFINE(FP_CALL_ACTIVE, 8 * FASTPATH_CALL_ACTIVE);
    DEFINE(FP_REPLY_PASSIVE, 8 * FASTPATH_REPLY_PASSIVE);
    DEFINE(FP_REPLY_ACTIVE, 8 * FASTPATH_REPLY_ACTIVE);
    OFFSET(SCHED_CURRENT, struct sched_state, current);
    OFFSET(SCHED_LAST_ON_CPU, struct sched_state, last_on_cpu);
    OFFSET(SCHED_READY, struct sched_state, ready);
    OFFSET(SCHED_DOMAIN, struct sched_state, domain);
#ifdef KCPU_ID_GS /* the SMP build's per-CPU block (kpercpu.h) */
    OFFSET(KCPU_SCHED_STATE, struct kcpu_hot, sched_state);
    OFFSET(KCPU_BUDGET_STATE, struct kcpu_hot, budget_state);
    OFFSET(KCPU_ACTIVE_PML4, struct kcpu_hot, arch_active_pml4);
    OFFSET(KCPU_FASTPATH_SYSCALLS, struct kcpu_hot, fastpath_syscalls);
#endif
    OFFSET(READY_WORDS, struct ready_map, words);
    OFFSET(READY_BITMAP, struct ready_map, bitmap);
    OFFSET(CPU_FS_BASE, struct cpu_local, fs_base);
    OFFSET(CPU_GS_BASE, struct cpu_local, gs_base);
    OFFSET(CPU_ENTRY_RSP, struct cpu_local, entry_rsp);
    OFFSET(CPU_EXIT_SCRATCH, struct cpu_local, exit_scratch);
    OFFSET(CPU_KPTI_MISSES, struct cpu_local, kpti_misses);
    OFFSET(CPU_ID, struct cpu_local, id);
    OFFSET(CPU_CALL_ASKED, struct cpu_local, call_asked);
    OFFSET(CPU_CALL_SERVED, struct cpu_local, call_served);
    OFFSET(FPU_XSAVE, struct fpu_config, xsave);
    OFFSET(FPU_XCR0, struct fpu_config, xcr0);
    DEFINE(OBJ_ENDPOINT, BST_OBJ_ENDPOINT);
    DEFINE(OBJ_REPLY, BST_OBJ_REPLY);
    DEFINE(OBJ_NULL, BST_OBJ_NULL);
    DEFINE(RIGHT_READ, BST_RIGHT_READ);
    DEFINE(RIGHT_WRITE, BST_RIGHT_WRITE);
    DEFINE(RIGHT_GRANT_REPLY, BST_RIGHT_GRANT_REPLY);
    DEFINE(EP_STATE_IDLE, EP_IDLE);
    DEFINE(EP_STATE_SENDING, EP_SENDING);
    DEFINE(EP_STATE_RECEIVING, EP_RECEIVING);
    DEFINE(STATE_RUNNABLE, THREAD_RUNNABLE);
    DEFINE(STATE_BLOCKED_RECV, THREAD_BLOCKED_RECV);
    DEFINE(STATE_BLOCKED_REPLY, THREAD_BLOCKED_REPLY);
    DEFINE(IPC_FLAG_CALL, IPC_CALL);
    DEFINE(IPC_FLAG_GRANT_REPLY, IPC_GRANT_REPLY);
    DEFINE(IPC_FLAG_FAULT, IPC_FAULT);
    DEFINE(MSGINFO_LOW_MASK, (1ull << BST_MSGINFO_LABEL_SHIFT) - 1);
    DEFINE(MSGINFO_SIGNAL_MIN, BST_LABEL_SIGNAL << BST_MSGINFO_LABEL_SHIFT);
    DEFINE(MSG_REGISTERS, BST_MSG_REGISTERS);
    DEFINE(PT_ID_SLOT_OFFSET, PT_ID_SLOT * 8);
    DEFINE(PT_ID_PORTS_BIT, 62); /* (PHYSMAP_BASE comes from arch/layout.h) */
}
