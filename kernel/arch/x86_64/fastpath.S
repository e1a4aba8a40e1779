/*
 * The assembly IPC fastpath: Call to a waiting passive server, and Reply-Recv that
 * returns the caller's scheduling context, in the common case, straight from the
 * SYSCALL entry without a stack. It makes exactly the checks and the changes of the C
 * fastpath (kernel/ipc/fastpath.c, which documents the case; the full path is
 * kernel/ipc/endpoint.c), so the observable behaviour is the same; anything else,
 * before anything is changed, goes back to syscall_save_rest (syscall.S), which takes
 * the C fastpath or the full path. Three cases it leaves to them besides: a thread to
 * resume whose registers were written (restore_all) or whose RIP is not a user address,
 * an address-space switch into or out of a space that holds I/O ports (iomap.c: the
 * I/O permission map follows), and an address-space switch with PCID (the C path keeps
 * the identifiers' flush state). Under page-table isolation (arch/kpti.h) the entry is
 * syscall_entry_kpti and the version assembled for it runs (FASTPATH 1 below). It is
 * not entered while a limited scheduling context runs (ipc/fastpath.h): it reads no
 * clock, so it could not tell that context's budget had run out.
 *
 * On entry (syscall_entry): GS is the kernel's, RSP points at the current thread's TCB
 * (its context is the TCB's start), the user's RIP, RFLAGS, RSP and every register are
 * saved in that context, and RAX, RDI, RSI, RDX, R8-R10, R12 still hold the system
 * call's number and arguments. RBX, RBP, R11, R13-R15 and RCX are free.
 *
 * The message stays in RDX, R8, R9, R10 throughout: the other thread gets it there,
 * with RAX = 0 (OK), RDI = the badge and RSI = the message info, as the slow path
 * leaves them. Interrupts are off (SYSCALL's mask) and nothing here uses the stack.
 */
#include <arch/context.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <asm_offsets.h>
#include <bastion/syscall.h>
#include <klock.h>
#include <kpercpu.h>

.if (RIGHT_GRANT_REPLY >> 1) != IPC_FLAG_GRANT_REPLY
.error "the grant-reply right shifted by one must be the grant-reply IPC flag"
.endif

/* The slot `cptr` names in the current thread's CSpace when that CSpace is one CNode
 * whose guard and radix take all 64 bits (cached in the TCB), else go to `fail`.
 * Result in `out`; clobbers RAX, RCX. */
.macro LOOKUP cptr, out, fail
    movq TCB_CSPACE_SLOTS(%rsp), \out
    testq \out, \out
    jz \fail
    movzbl TCB_CSPACE_RADIX(%rsp), %ecx
    movq \cptr, %rax
    shrq %cl, %rax
    cmpq TCB_CSPACE_GUARD(%rsp), %rax
    jne \fail
    movq $-1, %rax
    shlq %cl, %rax
    notq %rax
    andq \cptr, %rax
    jz \fail
    shlq $CTE_SHIFT, %rax
    addq %rax, \out
.endm

/* LOOKUP through the TCB's memory of its last lookup of this kind (`entry`: 0 for the
 * endpoint, 1 for the reply object): the same CPtr in the same cached root names the
 * same slot. A miss looks up and remembers. */
.macro LOOKUP_CACHED cptr, entry, out, fail
    cmpq TCB_FP_CPTR+8*\entry(%rsp), \cptr
    jne 91f
    movq TCB_FP_SLOT+8*\entry(%rsp), \out
92:
    .pushsection .text.fastpath_miss, "ax"
91: LOOKUP \cptr, \out, \fail
    movq \cptr, TCB_FP_CPTR+8*\entry(%rsp)
    movq \out, TCB_FP_SLOT+8*\entry(%rsp)
    jmp 92b
    .popsection
.endm

/* A simple message: at most MSG_REGISTERS words, no capabilities, no unwrap bits (so
 * the info goes through unchanged), not the signal label. (The entry comes here only
 * while the fastpath is enabled.) Clobbers RAX. The caller's CSpace needs no check: a
 * thread runs only with a CNode in its CSpace slot (tcb_can_run() at every resume;
 * emptying the slot suspends it and empties the lookup memory: tcb_slot_emptied()). */
.macro SIMPLE_MESSAGE fail
    movl %esi, %eax
    andl $MSGINFO_LOW_MASK, %eax
    cmpl $MSG_REGISTERS, %eax
    ja \fail
    cmpq $MSGINFO_SIGNAL_MIN, %rsi
    jae \fail
.endm

/* `to` (a TCB) may run now: in the current domain, of a priority above that of every
 * ready thread (the full path would queue it behind those of its own priority), returning by SYSRET to a user address; and the address-space
 * switch needs nothing the C path does (I/O port grants, PCID). Leaves to's PML4 in
 * R14. Clobbers RAX, RCX, R11, R14. */
.macro CAN_SWITCH_TO to, fail
    movzbl TCB_DOMAIN(\to), %eax
    cmpb %al, KCPU_REF(sched_state, KCPU_SCHED_STATE, SCHED_DOMAIN)
    jne \fail
    movq KCPU_REF(sched_state, KCPU_SCHED_STATE, SCHED_READY), %r11
    bsrq READY_WORDS(%r11), %rcx            /* ZF: no thread is ready */
    jz 1f
    bsrq READY_BITMAP(%r11,%rcx,8), %rax
    shlq $6, %rcx
    addq %rax, %rcx
    movzbl TCB_PRIORITY(\to), %eax
    cmpq %rax, %rcx                         /* a ready thread of its priority runs first */
    jae \fail
1:  cmpq $0, CTX_RESTORE_ALL(\to)          /* SYSRET-able: saved by SYSCALL, so its RIP */
    jne \fail                               /* is a user address (BST_USER_MAP_TOP) */
    movq TCB_VSPACE_PADDR(\to), %r14
    cmpq KCPU_REF(arch_active_pml4, KCPU_ACTIVE_PML4, 0), %r14
    je 2f
    cmpq $0, arch_switch_slow(%rip)         /* PCID, or some space holds ports */
    jne 3f
2:
    .pushsection .text.fastpath_miss, "ax"
3:  /* PCID, or some space holds ports: the C path's switch must run only if the incoming
     * space holds ports or the outgoing one did (the map is open; arch/iomap.h). */
    cmpb $0, arch_vspace_pcid(%rip)
    jne \fail
    movabsq $PHYSMAP_BASE, %rax
    movq PT_ID_SLOT_OFFSET(%rax,%r14), %rax
    orq arch_iomap_open(%rip), %rax
    btq $PT_ID_PORTS_BIT, %rax
    jc \fail
    jmp 2b
    .popsection
.endm

/* Nothing to charge or release, no domain schedule, no timer armed
 * (budget_still_unarmed(); no limited context runs, or the entry would not have come
 * here): switching to a thread whose own context is configured and unlimited (checked
 * by UNLIMITED) then needs no charge, no timer and no domain check, as the full path's
 * exit would do none. Limited contexts that other threads hold change nothing here. */
.macro QUIET fail
    cmpq $0, KCPU_REF(budget_state, KCPU_BUDGET_STATE, BUDGET_RELEASE_HEAD)
    jne \fail
    cmpq $0, KCPU_REF(budget_state, KCPU_BUDGET_STATE, BUDGET_ARMED)
    jne \fail
    cmpb $0, domain_state+DOMAIN_COUNT(%rip)
    jne \fail
.endm

/* Call's commit: the receiver (R13) leaves the endpoint's (R12) queue, and the caller
 * (RSP) waits on the receiver's reply object, left in R15; RBX is the endpoint cap's
 * slot. Clobbers RAX. */
/* `sc` (a scheduling context) is configured and unlimited, and (the SMP kernel) on this
 * CPU. Clobbers RCX. */
.macro UNLIMITED sc, fail
    cmpq $0, SC_BUDGET(\sc)
    je \fail
    KLOCK_SC_UNLIMITED_HERE \sc, \fail
.endm

.macro CALL_COMMIT
    movq TCB_IPC_NEXT(%r13), %rax
    movq %rax, EP_HEAD(%r12)
    testq %rax, %rax
    jnz 71f
    movq %rax, EP_TAIL(%r12)
    movq $EP_STATE_IDLE, EP_STATE(%r12)
72: movq TCB_REPLY(%r13), %r15
    movq $0, TCB_REPLY(%r13)
    movq $0, REPLY_RECEIVER(%r15)
    movq %rsp, REPLY_CALLER(%r15)
    movb $STATE_BLOCKED_REPLY, TCB_STATE(%rsp)
    movq %r15, TCB_BLOCKED_ON(%rsp)
    movzbl CAP_RIGHTS(%rbx), %eax
    movb fastpath_call_flags(%rax), %al     /* IPC_FLAG_CALL, and grant-reply if the cap has it */
    movb %al, TCB_IPC_FLAGS(%rsp)
    .pushsection .text.fastpath_miss, "ax"
71: movq $0, TCB_IPC_PREV(%rax)             /* more receivers wait */
    movq $0, TCB_IPC_NEXT(%r13)
    jmp 72b
    .popsection
.endm

/* Reply-Recv's commit, with RAX = 0: the reply goes to the caller (R13), and the replier
 * (RSP) waits at the tail of the endpoint's (R12) queue with the reply object (R15). */
.macro REPLY_COMMIT
    movq %rax, REPLY_CALLER(%r15)
    movb %al, TCB_IPC_FLAGS(%r13)
    movq EP_TAIL(%r12), %rcx
    movq %rcx, TCB_IPC_PREV(%rsp)
    movq %rax, TCB_IPC_NEXT(%rsp)
    testq %rcx, %rcx
    jz 73f
    movq %rsp, TCB_IPC_NEXT(%rcx)
    jmp 74f
73: movq %rsp, EP_HEAD(%r12)
74: movq %rsp, EP_TAIL(%r12)
    movq $EP_STATE_RECEIVING, EP_STATE(%r12)
    movq %r15, TCB_REPLY(%rsp)
    movq %rsp, REPLY_RECEIVER(%r15)
    movb $STATE_BLOCKED_RECV, TCB_STATE(%rsp)
    movq %r12, TCB_BLOCKED_ON(%rsp)
    xorl %edi, %edi                         /* a reply carries badge 0 */
.endm

/* Switch from the current thread (RSP) to r13 and return to it by SYSRET. Expanded
 * twice in each FASTPATH, so that the passive Call and the passive Reply-Recv both run
 * straight into it. */
.macro SWITCH kpti
    movb $STATE_RUNNABLE, TCB_STATE(%r13)
    movq $0, TCB_BLOCKED_ON(%r13)
    movq %r13, KCPU_REF(sched_state, KCPU_SCHED_STATE, SCHED_CURRENT)
    movq %r13, KCPU_REF(sched_state, KCPU_SCHED_STATE, SCHED_LAST_ON_CPU)
    /* FPU state: save the caller's, load the callee's, by XSAVE (the assembly fastpath
     * runs only where there is XSAVE: ipc/fastpath.c). The components are EDX:EAX and
     * XCR0; XCR0's high half is zero (fpu.c), so EAX all ones asks for every enabled
     * one whatever RDX (MR0) holds. */
    movl $-1, %eax
    xsave64 TCB_FPU(%rsp)
    xrstor64 TCB_FPU(%r13)
    /* The user FS and GS bases (GS becomes the user's at SWAPGS), written where they
     * differ from the CPU's. */
    movq CTX_FS_BASE(%r13), %rax
    cmpq %gs:CPU_FS_BASE, %rax
    jne 9f
6:  movq CTX_GS_BASE(%r13), %rax
    cmpq %gs:CPU_GS_BASE, %rax
    jne 10f
7:  movq %r13, %gs:CPU_CURRENT_CTX
    /* The address space (CAN_SWITCH_TO left its PML4 in R14; no PCID here). Under
     * isolation its user view goes in CR3 last, from RAX (fastpath_leave_kpti). */
.if \kpti
    movq %r14, KCPU_REF(arch_active_pml4, KCPU_ACTIVE_PML4, 0)
    leaq KPTI_USER_VIEW(%r14), %rax
.else
    cmpq KCPU_REF(arch_active_pml4, KCPU_ACTIVE_PML4, 0), %r14
    je 8f
    movq %r14, KCPU_REF(arch_active_pml4, KCPU_ACTIVE_PML4, 0)
    movq %r14, %cr3
.endif
8:  /* Leave into r13: its preserved registers, RIP, RFLAGS and stack; RAX = OK. */
    movq CTX_RIP(%r13), %rcx
    movq CTX_RFLAGS(%r13), %r11
    movq CTX_RBX(%r13), %rbx
    movq CTX_RBP(%r13), %rbp
    movq CTX_R12(%r13), %r12
    movq CTX_R14(%r13), %r14
    movq CTX_R15(%r13), %r15
    movq CTX_RSP(%r13), %rsp
    movq CTX_R13(%r13), %r13
.if \kpti
    jmp fastpath_leave_kpti
.else
    KLOCK_RELEASE                           /* the SMP build's kernel lock (klock.h) */
    xorl %eax, %eax
    swapgs
    sysretq
.endif
    .pushsection .text.fastpath_miss, "ax"
9:  /* WRMSR takes EDX (MR0), which comes back from the context saved at entry. */
    movq %rax, %gs:CPU_FS_BASE
    movq %rax, %rdx
    shrq $32, %rdx
    movl $0xc0000100, %ecx                  /* IA32_FS_BASE */
    wrmsr
    movq CTX_RDX(%rsp), %rdx
    jmp 6b
10: movq %rax, %gs:CPU_GS_BASE
    movq %rax, %rdx
    shrq $32, %rdx
    movl $0xc0000102, %ecx                  /* IA32_KERNEL_GS_BASE */
    wrmsr
    movq CTX_RDX(%rsp), %rdx
    jmp 7b
    .popsection
.endm

/* The fastpath itself, assembled twice: `kpti` 0 for the entry without page-table
 * isolation, 1 for syscall_entry_kpti's (arch/kpti.h), whose exit differs only in how
 * the address space is switched: to the user view, last, in .kpti.text. Neither
 * version pays for the other. */
.macro FASTPATH kpti
/* ---- Call ------------------------------------------------------------------------- */
    .balign 16
.if \kpti
fastpath_call_entry_kpti:
.else
fastpath_call_entry:
.endif
    SIMPLE_MESSAGE .Lbail\kpti
    LOOKUP_CACHED %rdi, 0, %rbx, .Lbail\kpti  /* rbx = the endpoint cap's slot */
    cmpb $OBJ_ENDPOINT, CAP_TYPE(%rbx)
    jne .Lbail\kpti
    testb $RIGHT_WRITE, CAP_RIGHTS(%rbx)
    jz .Lbail\kpti
    movabsq $PHYSMAP_BASE, %r12
    addq CAP_PADDR(%rbx), %r12              /* r12 = the endpoint */
    cmpq $EP_STATE_RECEIVING, EP_STATE(%r12)
    jne .Lbail\kpti
    movq EP_HEAD(%r12), %r13                /* r13 = the receiver */
    cmpq $0, TCB_SC(%r13)                   /* passive: it runs on the caller's context */
    jne .Lcall_active\kpti
    CAN_SWITCH_TO %r13, .Lbail\kpti
    CALL_COMMIT
    /* Lend the caller's scheduling context (donation_lend). */
    movq TCB_SC(%rsp), %rax
    movq $0, TCB_SC(%rsp)
    movq %rax, TCB_SC(%r13)
    movq %r13, SC_TCB(%rax)
    movq %rax, REPLY_SC(%r15)
    movq SC_REPLY(%rax), %rcx
    movq %rcx, REPLY_SC_PREV(%r15)
    movq %r15, SC_REPLY(%rax)
    /* The receiver gets the message: badge and info; the words stay in registers. */
    movq CAP_BADGE(%rbx), %rdi
    addq $1, fastpath_hits+FP_CALL_PASSIVE(%rip)
    SWITCH \kpti                             /* its own copy: no jump on the way */

/* An active receiver (a context of its own, configured and unlimited): the switch is a
 * scheduling decision, which the full path would take the same way when nothing about
 * budgets, releases, timers or domains is in play (QUIET, UNLIMITED) and the receiver
 * outranks every ready thread (CAN_SWITCH_TO). Each keeps its own context: nothing to lend or charge. */
.Lcall_active\kpti:
    QUIET .Lbail\kpti
    movq TCB_SC(%r13), %rax
    UNLIMITED %rax, .Lbail\kpti
    CAN_SWITCH_TO %r13, .Lbail\kpti
    CALL_COMMIT
    movq CAP_BADGE(%rbx), %rdi
    addq $1, fastpath_hits+FP_CALL_ACTIVE(%rip)
    jmp .Lswitch\kpti

/* ---- Reply-Recv ------------------------------------------------------------------- */
    .balign 16
.if \kpti
fastpath_reply_recv_entry_kpti:
.else
fastpath_reply_recv_entry:
.endif
    SIMPLE_MESSAGE .Lbail_rr\kpti
    LOOKUP_CACHED %r12, 1, %rbx, .Lbail_rr\kpti  /* rbx = the reply cap's slot */
    cmpb $OBJ_REPLY, CAP_TYPE(%rbx)
    jne .Lbail_rr\kpti
    LOOKUP_CACHED %rdi, 0, %rbp, .Lbail_rr\kpti  /* rbp = the endpoint cap's slot */
    cmpb $OBJ_ENDPOINT, CAP_TYPE(%rbp)
    jne .Lbail_rr\kpti
    testb $RIGHT_READ, CAP_RIGHTS(%rbp)
    jz .Lbail_rr\kpti
    movabsq $PHYSMAP_BASE, %r12
    movq %r12, %r15
    addq CAP_PADDR(%rbx), %r15              /* r15 = the reply object */
    addq CAP_PADDR(%rbp), %r12              /* r12 = the endpoint */
    movq REPLY_CALLER(%r15), %r13           /* r13 = the caller */
    testq %r13, %r13
    jz .Lbail_rr\kpti
    testb $IPC_FLAG_FAULT, TCB_IPC_FLAGS(%r13)
    jnz .Lbail_rr\kpti
    cmpq $EP_STATE_SENDING, EP_STATE(%r12)
    je .Lbail_rr\kpti
    movq TCB_BOUND(%rsp), %rax              /* no signal pending on a bound notification */
    testq %rax, %rax
    jz 1f
    cmpq $0, NTFN_WORD(%rax)
    jne .Lbail_rr\kpti
1:  movq TCB_SC(%rsp), %rbx                 /* rbx = the context it runs on: the caller's, */
    cmpq %rbx, REPLY_SC(%r15)               /* lent through this reply, the newest loan */
    jne .Lreply_active\kpti
    cmpq %r15, SC_REPLY(%rbx)
    jne .Lbail_rr\kpti
    CAN_SWITCH_TO %r13, .Lbail_rr\kpti

    /* Commit. The context goes back to the caller (donation_return). */
    movq REPLY_SC_PREV(%r15), %rax
    movq %rax, SC_REPLY(%rbx)
    xorl %eax, %eax
    movq %rax, REPLY_SC(%r15)
    movq %rax, REPLY_SC_PREV(%r15)
    movq %r13, SC_TCB(%rbx)
    movq %rbx, TCB_SC(%r13)
    movq %rax, TCB_SC(%rsp)
    REPLY_COMMIT
    addq $1, fastpath_hits+FP_REPLY_PASSIVE(%rip)
    /* fall through */

.Lswitch\kpti:
    SWITCH \kpti

/* A caller with a context of its own (nothing was lent through this reply, and the
 * replier has no loan to give back when it waits): as for Call, a scheduling decision. */
.Lreply_active\kpti:
    cmpq $0, REPLY_SC(%r15)
    jne .Lbail_rr\kpti
    cmpq $0, SC_REPLY(%rbx)
    jne .Lbail_rr\kpti
    movq TCB_SC(%r13), %rax
    testq %rax, %rax
    jz .Lbail_rr\kpti
    UNLIMITED %rax, .Lbail_rr\kpti
    QUIET .Lbail_rr\kpti
    CAN_SWITCH_TO %r13, .Lbail_rr\kpti
    xorl %eax, %eax
    REPLY_COMMIT
    addq $1, fastpath_hits+FP_REPLY_ACTIVE(%rip)
    jmp .Lswitch\kpti

/* Not the common case: nothing was changed; the registers the checks used are saved
 * in the context. Back to the entry, which goes on with the C paths. */
.Lbail\kpti:
.Lbail_rr\kpti:
    jmp syscall_save_rest
.endm

/* A Call's IPC flags by its endpoint cap's rights byte: IPC_FLAG_CALL, and
 * IPC_FLAG_GRANT_REPLY when the cap has the grant-reply right (CALL_COMMIT). */
    .section .rodata
    .balign 64
fastpath_call_flags:
    .set rights, 0
    .rept 256
    .byte IPC_FLAG_CALL | ((rights >> 1) & IPC_FLAG_GRANT_REPLY)
    .set rights, rights + 1
    .endr

    .section .text
    .globl fastpath_call_entry, fastpath_reply_recv_entry
    .globl fastpath_call_entry_kpti, fastpath_reply_recv_entry_kpti
    FASTPATH 0
    FASTPATH 1

/* Isolation's last steps (RAX = the incoming space's user view), where the user view
 * maps them. */
    .section .kpti.text, "ax"
    .balign 16
fastpath_leave_kpti:
    KLOCK_RELEASE                           /* before the user view, which lacks the lock */
    movq %rax, %cr3
    xorl %eax, %eax
    swapgs
    sysretq

    .section .note.GNU-stack, "", @progbits
