/* The VMM thread's loop (run.h). */
#include <libbastion/printf.h>
#include <libbastion/syscall.h>
#include <vmm/run.h>

uint64_t vmm_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Carry out the register move a register-backed MSR asks for. */
static void move_register(bst_cptr_t vcpu, struct vmm_machine *m, struct vmm_action *act)
{
    if (act->reg_op == VMM_REG_READ) {
        uint64_t value = 0;
        if (bst_vcpu_read_reg(vcpu, act->reg, &value) == BST_OK)
            vmm_reg_read_done(act, value);
        else
            vmm_reg_write_refused(m, act);
    } else if (act->reg_op == VMM_REG_WRITE &&
               bst_vcpu_write_reg(vcpu, act->reg, act->reg_value) != BST_OK) {
        vmm_reg_write_refused(m, act);
    }
}

static void drain_console(struct vmm_machine *m, const struct vmm_run_hooks *hooks)
{
    static uint8_t buf[VMM_VCON_TX_BUFFER];
    unsigned n = vmm_uart_take_tx(&m->com1, buf, VMM_UART_TX);
    if (n && hooks->console)
        hooks->console(buf, n);
    n = vmm_vcon_take_tx(&m->vcon, buf, sizeof(buf));
    if (n && hooks->virtio_console)
        hooks->virtio_console(buf, n);
}

/* A halted guest: wait until its timer's deadline or a notification (without a wait
 * hook: yield until the deadline; a notification then ends the next VCPU_RUN at once
 * with a SIGNAL exit), then wake it. */
static void wait_for(struct vmm_machine *m, const struct vmm_run_hooks *hooks,
                     const struct bst_vm_exit_msg *x, struct vmm_action *act)
{
    while (vmm_rdtsc() < act->wait_until) {
        if (!hooks->wait) {
            bst_yield();
            continue;
        }
        uint64_t word = hooks->wait(act->wait_until);
        if (word) {
            if (hooks->signalled)
                hooks->signalled(m, word);
            break;
        }
    }
    vmm_wake(m, x, vmm_rdtsc(), act);
}

void vmm_run(bst_cptr_t vcpu, struct vmm_machine *m, uint64_t max_exits, vmm_console_fn console,
             struct vmm_run_result *result)
{
    struct vmm_run_hooks hooks = {.console = console};
    vmm_run_with(vcpu, m, max_exits, &hooks, result);
}

void vmm_run_with(bst_cptr_t vcpu, struct vmm_machine *m, uint64_t max_exits,
                  const struct vmm_run_hooks *hooks, struct vmm_run_result *result)
{
    struct bst_vcpu_resume resume = {0};
    *result = (struct vmm_run_result){.error = BST_OK};
    while (result->exits < max_exits) {
        struct bst_vm_exit_msg x;
        result->error = bst_vcpu_run(vcpu, &resume, &x);
        uint64_t exited = vmm_rdtsc(), waited = 0;
        if (result->error != BST_OK) {
            bst_printf("vmm: VCPU_RUN failed: %d\n", result->error);
            return;
        }
        result->exits++;
        if (x.reason == BST_VM_EXIT_SIGNAL && hooks->signalled)
            hooks->signalled(m, x.info0);
        if (hooks->before_dispatch)
            hooks->before_dispatch(m);
        struct vmm_action act;
        vmm_dispatch(m, &x, vmm_rdtsc(), &act);
        move_register(vcpu, m, &act);
        drain_console(m, hooks);
        if (act.report.msg[0])
            bst_printf("vmm: %s\n", act.report.msg);
        if (act.verdict == VMM_STOP) {
            result->stop = act.report;
            return;
        }
        if (act.verdict == VMM_WAIT) {
            uint64_t wait_start = vmm_rdtsc();
            wait_for(m, hooks, &x, &act);
            waited = vmm_rdtsc() - wait_start;
        }
        if (act.inject && bst_vcpu_inject(vcpu, act.event, act.error_code) != BST_OK)
            bst_printf("vmm: VCPU_INJECT refused event 0x%llx\n", (unsigned long long)act.event);
        resume = (struct bst_vcpu_resume){.flags = act.run_flags,
                                          .rax = act.gprs[0],
                                          .rbx = act.gprs[1],
                                          .rcx = act.gprs[2],
                                          .rdx = act.gprs[3]};
        uint64_t spent = vmm_rdtsc() - exited - waited;
        result->vmm_cycles += spent;
        if (x.reason == BST_VM_EXIT_IO)
            result->io_cycles += spent, result->io_exits++;
    }
}
