/*
 * I/O port benchmarks (docs/drivers.md has the choice they informed):
 *
 *   ioport.invoke.in8 / out8     one IN/OUT as an invocation on an I/O port cap
 *   ioport.direct.in8 / out8     the same instruction executed by the thread itself, its
 *                                address space granted the range (IOPORT_GRANT)
 *   ipc.round_trip.inter_as.ports_elsewhere.len0   Call + Reply-Recv to a passive server
 *                                in another address space; neither space holds ports,
 *                                a third one does
 *   ipc.round_trip.inter_as.ports_client.len0   the same, but
 *                                the client's space holding ports (the
 *                                map is switched off and on again: one store each way)
 *   ipc.round_trip.inter_as.ports_both.len0     both spaces hold (different) ports: the
 *                                map is rewritten on every switch
 *
 * and ipc.round_trip.inter_as.no_ports.len0, the same round trip measured the same way
 * before any space holds ports (the baseline of the two above). The
 * port is 0x80 (the POST diagnostic port: reads and writes have no effect on q35; the
 * kernel keeps none of 0x80-0x8f); the server's space gets 0x84-0x87, the third space
 * 0x88-0x8b.
 */
#include "bench.h"

#include <libbastion/invoke.h>
#include <libbastion/syscall.h>
#include <libbastion/tcb.h>

#define ROOT_CNODE ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define ROOT_VS    ((bst_cptr_t)BST_SLOT_ROOT_VSPACE)
#define PRIO_ROOT  100
#define PORT       0x80

static uint64_t samples[BENCH_SAMPLES];

static bst_cptr_t issue(uint64_t first, uint64_t last)
{
    bst_cptr_t slot = setup_slot();
    uint64_t args[4] = {first, last, ROOT_CNODE, slot};
    bst_error_t e = bst_invoke((bst_cptr_t)BST_SLOT_IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE,
                               args, 4, NULL, 0);
    if (e != BST_OK) {
        setup_fail("issue an I/O port cap", e);
    }
    return slot;
}

static void grant(bst_cptr_t port_cap, bst_cptr_t vspace)
{
    uint64_t arg = vspace;
    bst_error_t e = bst_invoke(port_cap, BST_INV_IOPORT_GRANT, &arg, 1, NULL, 0);
    if (e != BST_OK) {
        setup_fail("grant I/O ports", e);
    }
}

static void bench_invoke(const char *name, bst_cptr_t cap, bst_invocation_t label, unsigned length,
                         uint64_t overhead)
{
    uint64_t info = bst_msginfo_make(label, length, 0, 0);
    for (int i = 0; i < BENCH_WARMUP; i++) {
        bench_invoke_cost(cap, info, PORT, 0);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        samples[i] = bench_less_overhead(bench_invoke_cost(cap, info, PORT, 0));
    }
    bench_report(name, samples, overhead);
}

static void bench_direct(const char *name, uint64_t (*cost)(uint64_t), uint64_t overhead)
{
    for (int i = 0; i < BENCH_WARMUP; i++) {
        cost(PORT);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        samples[i] = bench_less_overhead(cost(PORT));
    }
    bench_report(name, samples, overhead);
}

/* Round trips to a passive server in a new address space (the IPC fastpath's case); the
 * server's space is granted `server_ports` first (0: none). */
static void bench_round_trip(const char *name, bst_cptr_t server_ports, uint64_t overhead)
{
    bst_cptr_t ep = setup_object(BST_OBJ_ENDPOINT), reply = setup_object(BST_OBJ_REPLY);
    uint64_t shared_vaddr;
    bst_cptr_t shared = setup_root_frame(&shared_vaddr), ipc_frame;
    bst_cptr_t vs = setup_space(bench_server, bench_server_end, shared, &ipc_frame);
    if (server_ports != 0) {
        grant(server_ports, vs);
    }
    bst_cptr_t tcb =
        setup_thread(vs, SPACE_IPC, ipc_frame, PRIO_ROOT, SPACE_CODE, ep, reply, SPACE_SHARED);
    bst_yield(); /* the server gets to its first Recv */
    setup_make_passive(tcb);
    uint64_t info = bst_msginfo_make(0, 0, 0, 0), t[2];
    for (int i = 0; i < BENCH_WARMUP; i++) {
        bench_call(ep, info, t);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        bench_call(ep, info, t);
        samples[i] = bench_less_overhead(t[1] - t[0]);
    }
    bench_report(name, samples, overhead);
    bst_tcb_suspend(tcb);
}

void bench_ports(uint64_t overhead)
{
    bst_cptr_t mine = issue(PORT, PORT + 3), theirs = issue(PORT + 4, PORT + 7);
    bst_cptr_t elsewhere = issue(PORT + 8, PORT + 11);
    bench_invoke("ioport.invoke.in8", mine, BST_INV_IOPORT_IN8, 1, overhead);
    bench_invoke("ioport.invoke.out8", mine, BST_INV_IOPORT_OUT8, 2, overhead);
    bench_round_trip("ipc.round_trip.inter_as.no_ports.len0", 0, overhead);
    grant(elsewhere, setup_object(BST_OBJ_VSPACE));
    bench_round_trip("ipc.round_trip.inter_as.ports_elsewhere.len0", 0, overhead);
    grant(mine, ROOT_VS);
    bench_direct("ioport.direct.in8", bench_port_in8_cost, overhead);
    bench_direct("ioport.direct.out8", bench_port_out8_cost, overhead);
    bench_round_trip("ipc.round_trip.inter_as.ports_client.len0", 0, overhead);
    bench_round_trip("ipc.round_trip.inter_as.ports_both.len0", theirs, overhead);
}
