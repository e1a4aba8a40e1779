/*
 * init after start: the fault handler of last resort and the service that restarts and
 * re-initialises children for their parents.
 *
 * Every top-level PD's fault endpoint is init's endpoint, badged BST_PD_BADGE_FAULT | its
 * index. A fault is reported (PD name, fault, address, instruction pointer with its
 * symbol, a frame-pointer backtrace read from the PD's stack) and the PD is left stopped.
 * Parents call init's endpoint through BST_PD_SLOT_INIT (badge BST_PD_BADGE_SERVICE | the
 * parent's index) to restart or re-initialise one of their own children.
 */
#include "init.h"
#include "device.h"

#include <libbastion/ipc.h>
#include <libbastion/late_load.h>
#include <libbastion/pd.h>
#include <libbastion/pd_abi.h>
#include <libbastion/tcb.h>
#include <libbastion/untyped.h>

#define BACKTRACE_MAX 16

/* Print addr with its symbol. A return address is looked up one byte back: a call to a
 * function that does not return can be the last instruction of its caller. */
static void print_address(uint32_t p, uint64_t addr, bool return_address)
{
    uint64_t offset = 0;
    uint64_t at = return_address ? addr - 1 : addr;
    const char *sym = elf_symbol(pd_states[p].elf, pd_states[p].elf_size, at, &offset);
    offset += addr - at;
    if (sym)
        bst_printf("0x%lx <%s+0x%lx>", (unsigned long)addr, sym, (unsigned long)offset);
    else
        bst_printf("0x%lx", (unsigned long)addr);
}

/* Walk the frame-pointer chain: [rbp] is the caller's rbp, [rbp + 8] the return address. */
static void backtrace(uint32_t p, uint64_t rip, uint64_t rbp)
{
    bst_printf("init:   backtrace:\n");
    uint64_t pc = rip;
    for (unsigned depth = 0; depth < BACKTRACE_MAX && pc; depth++) {
        bst_printf("init:     #%u ", depth);
        print_address(p, pc, depth > 0);
        bst_printf("\n");
        uint64_t next_rbp = 0, ret = 0;
        if (rbp == 0 || !pd_read_u64(p, rbp, &next_rbp) || !pd_read_u64(p, rbp + 8, &ret))
            break;
        if (next_rbp != 0 && next_rbp <= rbp)
            break; /* frames go up the stack; anything else is not a frame chain */
        pc = ret;
        rbp = next_rbp;
    }
}

static void report_fault(uint32_t p, bst_msginfo_t info, const uint64_t mr[BST_MSG_REGISTERS])
{
    const char *name = spec_string(&the_spec, the_spec.pds[p].name);
    bst_printf("init: fault in PD '%s': %s at address 0x%lx (code 0x%lx)\n", name,
               bst_fault_name(bst_msginfo_label(info)), (unsigned long)mr[1], (unsigned long)mr[2]);
    bst_printf("init:   ip ");
    print_address(p, mr[0], false);
    bst_printf(", sp 0x%lx\n", (unsigned long)mr[3]);
    struct bst_tcb_regs regs = {0};
    if (bst_tcb_read_registers(object_slot(the_spec.pds[p].tcb, 0), 10, &regs) == BST_OK)
        backtrace(p, mr[0], regs.rbp);
    bst_printf("init: PD '%s' is stopped\n", name);
}

/* A parent's request about its child `id`. */
static bst_error_t serve_request(uint32_t parent, uint64_t label, uint64_t id)
{
    for (uint32_t q = 0; q < the_spec.n[BASTION_TABLE_PDS]; q++) {
        const struct bastion_spec_pd *pd = &the_spec.pds[q];
        if (pd->parent != parent || pd->child_id != id)
            continue;
        if (label == BST_INIT_REQ_RESTART)
            return pd_restart(q, false);
        if (label == BST_INIT_REQ_REINIT)
            return pd_restart(q, true);
        return BST_ILLEGAL_OPERATION;
    }
    return BST_INVALID_ARGUMENT;
}

_Noreturn void serve(void)
{
    uint64_t reply = slot_alloc(1);
    if (reply == 0 || untyped_alloc(BST_OBJ_REPLY, 0, reply, 1) != BST_OK)
        init_fatal("cannot make init's reply object");
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    bst_msginfo_t answer = 0;
    bool answering = false;
    for (;;) {
        uint64_t badge = 0;
        bst_msginfo_t info = 0;
        bst_error_t e = answering ? bst_reply_recv(init_endpoint, reply, answer, mr, &badge, &info)
                                  : bst_recv(init_endpoint, reply, &badge, &info, mr);
        answering = false;
        if (e != BST_OK) {
            bst_printf("init: receive failed: %s\n", bst_error_name(e));
            continue;
        }
        uint32_t who = (uint32_t)(badge & BST_PD_BADGE_ID_MASK);
        if (bst_msginfo_label(info) == BST_LABEL_SIGNAL) {
            iommu_report_faults(); /* the one notification bound to init: DMA faults */
        } else if ((badge & BST_PD_BADGE_FAULT) && who < the_spec.n[BASTION_TABLE_PDS]) {
            report_fault(who, info, mr);
            answer = bst_msginfo_make(BST_FAULT_REPLY_STOP, 0, 0, 0);
            answering = true;
        } else if ((badge & BST_PD_BADGE_SERVICE) && who < the_spec.n[BASTION_TABLE_PDS] &&
                   bst_msginfo_label(info) == BST_INIT_REQ_PASSIVE) {
            pd_make_passive(who); /* sent without waiting for a reply */
        } else if ((badge & BST_PD_BADGE_SERVICE) && who < the_spec.n[BASTION_TABLE_PDS] &&
                   bst_msginfo_label(info) == BST_INIT_REQ_LOAD) {
            mr[0] = late_serve_load(who, mr, &mr[1]);
            answer = bst_msginfo_make(0, 2, 0, 0);
            answering = true;
        } else if ((badge & BST_PD_BADGE_SERVICE) && who < the_spec.n[BASTION_TABLE_PDS]) {
            mr[0] = serve_request(who, bst_msginfo_label(info), mr[0]);
            answer = bst_msginfo_make(0, 1, 0, 0);
            answering = true;
        } else {
            bst_printf("init: message with unknown badge 0x%lx ignored\n", (unsigned long)badge);
        }
    }
}
