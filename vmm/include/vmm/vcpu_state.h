/*
 * The boot CPU state (linux_boot.h) as the vCPU ABI's register file
 * (include/bastion/vcpu.h, enum bst_vcpu_reg): what the VMM writes with
 * VCPU_WRITE_REGS before the first VCPU_RUN. Every register gets a value, so nothing of a
 * previous guest survives: general registers 0 but RSI and RSP, DR6/DR7 and PAT at
 * their reset values, XCR0 x87 only, no SYSCALL/SYSENTER targets, no interrupt shadow, TSC offset
 * 0.
 */
#ifndef VMM_VCPU_STATE_H
#define VMM_VCPU_STATE_H

#include <bastion/vcpu.h>
#include <stdint.h>
#include <vmm/linux_boot.h>

#define VMM_DR6_RESET  0xffff0ff0ull
#define VMM_DR7_RESET  0x400ull
#define VMM_PAT_RESET  0x0007040600070406ull
#define VMM_XCR0_RESET 0x1ull /* x87 only: XSAVE is hidden from the guest */

/* Fill regs[enum bst_vcpu_reg] from s. */
void vmm_vcpu_state_regs(const struct vmm_cpu_state *s, uint64_t regs[BST_VCPU_REG_COUNT]);

#endif
