/*
 * Raw system calls (x86_64), in the register convention of docs/syscalls.md.
 *
 * Everything here is a thin shell over one assembly stub, bst_arch_syscall(), which
 * loads a struct bst_sysregs into the CPU registers, executes `syscall`, and stores the
 * registers the kernel returns back into the same struct. Higher layers (invoke.h and
 * the per-object wrappers) never touch registers themselves.
 */
#ifndef LIBBASTION_SYSCALL_H
#define LIBBASTION_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/errors.h>
#include <bastion/ipcbuffer.h>
#include <bastion/msginfo.h>
#include <bastion/syscall.h>

/*
 * The debug system calls are numbered in include/bastion/syscall.h. Until that table
 * carries them, lib/lib.mk defines BST_LIB_PENDING_DEBUG_SYSCALLS and the numbers come
 * from here: the only place in the library that knows a system-call number of its own.
 */
#ifdef BST_LIB_PENDING_DEBUG_SYSCALLS
#define BST_SYS_DEBUG_DUMP_CAPS 10 /* PENDING: not yet in include/bastion/syscall.h */
#define BST_SYS_DEBUG_NAME      11 /* PENDING: not yet in include/bastion/syscall.h */
#define BST_SYS_DEBUG_EXIT      12 /* PENDING: not yet in include/bastion/syscall.h */
#endif

/* A capability address, resolved by the kernel in the caller's CSpace (all 64 bits). */
typedef uint64_t bst_cptr_t;

/* The registers a system call reads and writes, in the order the stub expects them. */
struct bst_sysregs {
    uint64_t rax;                   /* in: system call number; out: error code */
    uint64_t rdi;                   /* in: capability address; out: badge */
    uint64_t rsi;                   /* message info */
    uint64_t mr[BST_MSG_REGISTERS]; /* rdx, r8, r9, r10: MR0..MR3 */
    uint64_t r12;                   /* in: reply object (Recv, Reply-Recv); preserved */
};

_Static_assert(offsetof(struct bst_sysregs, rax) == 0, "stub layout");
_Static_assert(offsetof(struct bst_sysregs, rdi) == 8, "stub layout");
_Static_assert(offsetof(struct bst_sysregs, rsi) == 16, "stub layout");
_Static_assert(offsetof(struct bst_sysregs, mr) == 24, "stub layout");
_Static_assert(offsetof(struct bst_sysregs, r12) == 56, "stub layout");
_Static_assert(BST_MSG_REGISTERS == 4, "the stub moves exactly four register MRs");

/* Execute `syscall` with `r` loaded into the registers; `r` receives what comes back. */
void bst_arch_syscall(struct bst_sysregs *r);
/* The same with a second capability address in r13 (NB_SEND_RECV). */
void bst_arch_syscall_r13(struct bst_sysregs *r, uint64_t r13);

/*
 * Call `dest` (an endpoint, or a kernel object: an invocation) with a message: `info` is the
 * message info word, mr[0..3] the register MRs (in: the message, out: the reply's). MR4 and up are
 * in the IPC buffer. The reply's message info goes to *reply_info when it is not NULL. Returns the
 * kernel's error code.
 */
bst_error_t bst_call(bst_cptr_t dest, bst_msginfo_t info, uint64_t mr[BST_MSG_REGISTERS],
                     bst_msginfo_t *reply_info);

/* Let the next ready thread of the caller's priority run (the caller goes to the end of
 * its ready queue); returns at once when there is none. */
bst_error_t bst_yield(void);

/* Debug builds of the kernel: write one character to the kernel console. */
void bst_debug_putc(char c);

/* Debug builds: print the caller's CSpace (every non-empty slot of its root CNode). */
void bst_debug_dump_caps(void);

/*
 * Debug builds: name the thread `tcb` (shown in fault reports). The name is cut to
 * BST_DEBUG_NAME_MAX - 1 characters and passed in the caller's IPC buffer, which the
 * caller must have.
 */
bst_error_t bst_debug_name(bst_cptr_t tcb, const char *name);

/* Debug builds: end a test image, exiting QEMU with pass (status 0) or fail. */
_Noreturn void bst_debug_exit(int status);

/* What DEBUG_IDLE_CYCLES reports: the cycles the caller's CPU has spent halted in the
 * kernel's idle loop since boot, the cycle counter (the TSC) now, and its frequency. */
struct bst_idle_cycles {
    uint64_t halted;
    uint64_t now;
    uint64_t hz;
};

/* Debug builds: the idle account. Busy cycles between two reads a and b are
 * (b.now - a.now) - (b.halted - a.halted); under QEMU -icount shift=0 they are the
 * instructions executed (docs/performance.md, "Network: UDP echo against Linux"). */
bst_error_t bst_debug_idle_cycles(struct bst_idle_cycles *out);

#endif
