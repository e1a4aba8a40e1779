/*
 * User faults: report and suspend (thread/fault.h).
 */
#include <bastion/fault.h>
#include <ipc/ipc.h>
#include <kprintf.h>
#include <thread/fault.h>

const char *user_fault_name(enum user_fault_kind k)
{
    switch (k) {
    case USER_FAULT_PAGE:
        return "page fault";
    case USER_FAULT_PROTECTION:
        return "general protection fault";
    case USER_FAULT_UNDEFINED_INSN:
        return "invalid instruction";
    case USER_FAULT_DIVIDE:
        return "divide error";
    case USER_FAULT_UNKNOWN_SYSCALL:
        return "unknown system call";
    case USER_FAULT_BAD_IP:
        return "invalid instruction pointer";
    case USER_FAULT_OTHER:
        return "exception";
    case USER_FAULT_CAPABILITY:
        return "capability fault";
    case USER_FAULT_TIMEOUT:
        return "timeout";
    }
    return "?";
}

uint64_t user_fault_abi_label(enum user_fault_kind k)
{
    switch (k) {
    case USER_FAULT_PAGE:
        return BST_FAULT_PAGE;
    case USER_FAULT_PROTECTION:
        return BST_FAULT_PROTECTION;
    case USER_FAULT_UNDEFINED_INSN:
        return BST_FAULT_UNDEFINED_INSTRUCTION;
    case USER_FAULT_DIVIDE:
        return BST_FAULT_DIVIDE;
    case USER_FAULT_UNKNOWN_SYSCALL:
        return BST_FAULT_UNKNOWN_SYSCALL;
    case USER_FAULT_BAD_IP:
        return BST_FAULT_BAD_INSTRUCTION_POINTER;
    case USER_FAULT_CAPABILITY:
        return BST_FAULT_CAPABILITY;
    case USER_FAULT_TIMEOUT:
        return BST_FAULT_TIMEOUT;
    case USER_FAULT_OTHER:
        break;
    }
    return BST_FAULT_OTHER_EXCEPTION;
}

static void report(const struct tcb *t, const struct user_fault *f)
{
    kprintf("*** user fault: thread '%s' (tcb %#lx): %s (vector %u, code %#lx)\n",
            t->name[0] ? t->name : "?", tcb_paddr(t), user_fault_name(f->kind), f->vector, f->code);
    kprintf("    ip %#lx", f->ip);
    if (f->kind == USER_FAULT_PAGE) {
        kprintf(" address %#lx", f->address);
    }
    kprintf(" sp %#lx; no fault handler: thread suspended\n", arch_tcb_get_reg(&t->arch, 1));
}

void thread_fault(struct tcb *t, const struct user_fault *f)
{
    if (ipc_send_fault(t, f)) {
        return; /* its handler decides */
    }
    report(t, f);
    tcb_suspend(t);
}

bool thread_timeout_fault(struct tcb *t)
{
    struct user_fault f = {USER_FAULT_TIMEOUT, 0, 0, 0, arch_tcb_get_reg(&t->arch, 0)};
    return ipc_send_fault_to(t, &t->slots[TCB_SLOT_TIMEOUT_EP].cap, &f);
}

void thread_fault_bad_ip(struct tcb *t)
{
    uint64_t ip = arch_tcb_get_reg(&t->arch, 0);
    struct user_fault f = {USER_FAULT_BAD_IP, 0, ip, 0, ip};
    thread_fault(t, &f);
}
