/*
 * The benchmark root task (bench/roottask): measures the kernel's system calls from
 * user space under QEMU with -icount (docs/performance.md) and prints one line per
 * benchmark in the format of the in-kernel benchmarks (kernel/include/kbench.h).
 */
#ifndef BENCH_ROOTTASK_H
#define BENCH_ROOTTASK_H

#include <stdbool.h>

#include <bastion/bootinfo.h>
#include <bastion/errors.h>
#include <bastion/objtype.h>
#include <libbastion/syscall.h>

#define BENCH_WARMUP  32
#define BENCH_SAMPLES 200

/* ipc.S */
extern const char bench_server[], bench_server_end[];
extern const char bench_waiter[], bench_waiter_end[];
extern const char bench_yielder[];
void bench_call(uint64_t ep, uint64_t info, uint64_t out[2]);
uint64_t bench_syscall_cost(uint64_t number, uint64_t cptr);
uint64_t bench_timestamp_cost(void);
/* The timestamp taken just before a system call (number, cptr, empty message). */
uint64_t bench_timestamped_syscall(uint64_t number, uint64_t cptr);

/* main.c: the measured figure less the timestamp overhead; print one BENCH line. */
uint64_t bench_less_overhead(uint64_t c);
void bench_report(const char *name, uint64_t *samples, uint64_t subtracted);

/* ports.c: I/O port access by invocation and direct (granted), and what ports cost an
 * IPC round trip between address spaces. irq.c: interrupt delivery latency. Both take
 * the timestamp overhead to subtract. */
void bench_ports(uint64_t overhead);
void bench_irq_latency(uint64_t overhead);
/* iommu.c: FRAME_IO_MAP and its FRAME_UNMAP, when QEMU has an Intel VT-d unit. */
void bench_iommu(const struct bst_bootinfo *bi, uint64_t overhead);
/* vm.c: the VM exit round trip (guest exit to the VMM and back), where SVM is emulated. */
void bench_vm_exit(uint64_t overhead);

/* devices.S */
uint64_t bench_port_in8_cost(uint64_t port);
uint64_t bench_port_out8_cost(uint64_t port);
uint64_t bench_invoke_cost(uint64_t cptr, uint64_t info, uint64_t mr0, uint64_t mr1);
/* Wait on the notification; the timestamp taken as soon as the Wait returned. */
uint64_t bench_wait_timestamp(uint64_t ntfn);
/* DEBUG_IRQ_STAMP: on (1) or off (0); the kernel's last interrupt-entry timestamp. */
uint64_t bench_irq_stamp(uint64_t on);

/* setup.c: objects for the benchmarks, from the boot untyped memory. */
void setup_init(const struct bst_bootinfo *bi);
bst_cptr_t setup_object(bst_objtype_t type);
/* An empty root-CNode slot. */
bst_cptr_t setup_slot(void);
/* A new address space with `code` (a position-independent blob) mapped executable at
 * SPACE_CODE, an IPC buffer at SPACE_IPC and, if shared_frame != 0, that frame (a copy
 * of the cap) at SPACE_SHARED. Returns the VSpace cap. */
bst_cptr_t setup_space(const char *code, const char *code_end, bst_cptr_t shared_frame,
                       bst_cptr_t *ipc_frame);
/* A frame mapped writable in the root's address space at a fresh address. */
bst_cptr_t setup_root_frame(uint64_t *vaddr);
/* A thread in `vspace` at `prio` starting at rip with rbx, r12 and rbp set, with an
 * unlimited scheduling context of its own, resumed; returns its TCB cap. */
bst_cptr_t setup_thread(bst_cptr_t vspace, uint64_t ipc_vaddr, bst_cptr_t ipc_frame, uint64_t prio,
                        uint64_t rip, uint64_t rbx, uint64_t r12, uint64_t rbp);
/* Take the scheduling context of a thread setup_thread() made (it must be waiting in Recv
 * by then): it becomes a passive server, running on its callers' contexts. */
void setup_make_passive(bst_cptr_t tcb);
/* Stop with a message (the benchmark image cannot go on). */
void setup_fail(const char *what, bst_error_t e) __attribute__((noreturn));

#define SPACE_CODE   0x400000ull
#define SPACE_IPC    0x401000ull
#define SPACE_SHARED 0x402000ull

#endif
