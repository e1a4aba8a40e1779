/*
 * The VMM protection domain (docs/virtualisation.md, "The VMM"): loads Linux into the
 * guest's RAM and runs the guest on its own thread, handing each exit to the library's
 * dispatcher (machine.h) and carrying out the action it returns.
 *
 * What the system description gives it (docs/system-description.md, "<virtual_machine>"):
 *   guest_ram, guest_ram_size        its mapping of guest-physical 0 and the size
 *   guest_kernel, guest_kernel_size  the bzImage (a region prefilled with it)
 *   guest_initrd, guest_initrd_size  the initramfs (likewise)
 *   tsc_khz                          the TSC rate the guest is told (CPUID and lpj)
 * and, from init, the VCPU bound to this PD's thread and the GSPACE in the CSpace slots
 * below.
 *
 * Run by the system vmm/tests/linux (make soak-linux-boot, and the bounded sample
 * system-linux-banner): init gives it the VCPU and GSPACE; Linux prints its banner and
 * reads the MP table, then oopses reading the APIC ID through the xAPIC page
 * (docs/virtualisation.md, "Linux under Bastion"). The guest's console goes to the debug
 * console; a halted guest is waited for by yielding (no timer client yet).
 */
#include <bastion/spec.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>
#include <libbastion/syscall.h>
#include <libbastion/vcpu.h>
#include <vmm/linux_boot.h>
#include <vmm/machine.h>
#include <vmm/run.h>
#include <vmm/vcpu_state.h>

/* Cap slots init gives a VMM PD (spec.h, init/vm.c). */
#define VMM_SLOT_VCPU   BASTION_SLOT_VCPU
#define VMM_SLOT_GSPACE BASTION_SLOT_GSPACE

/* Set by the tool (setvar). */
uintptr_t guest_ram, guest_kernel, guest_initrd;
uint64_t guest_ram_size, guest_kernel_size, guest_initrd_size;
uint64_t tsc_khz = 1000000;

static struct vmm_machine machine;

/* The host's CPUID: the policy starts from it. CPUID runs in user mode. */
static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
                     : "a"(leaf), "c"(subleaf));
}

/* Write the whole register file in calls of at most BST_VCPU_REGS_PER_CALL. */
static bool write_state(const struct vmm_cpu_state *state)
{
    uint64_t regs[BST_VCPU_REG_COUNT];
    vmm_vcpu_state_regs(state, regs);
    for (unsigned first = 0; first < BST_VCPU_REG_COUNT; first += BST_VCPU_REGS_PER_CALL) {
        unsigned n = BST_VCPU_REG_COUNT - first;
        n = n < BST_VCPU_REGS_PER_CALL ? n : BST_VCPU_REGS_PER_CALL;
        bst_error_t e = bst_vcpu_write_regs(VMM_SLOT_VCPU, first, n, regs + first);
        if (e != BST_OK) {
            bst_printf("vmm: VCPU_WRITE_REGS %u..%u refused: %d\n", first, first + n - 1, e);
            return false;
        }
    }
    return true;
}

static bool load_linux(void)
{
    static char cmdline[256];
    bst_snprintf(cmdline, sizeof(cmdline),
                 "console=ttyS0 earlyprintk=serial,ttyS0,115200 noapic acpi=off pci=off "
                 "io_delay=none tsc_early_khz=%llu lpj=%llu no_timer_check reboot=k panic=-1",
                 (unsigned long long)tsc_khz, (unsigned long long)(tsc_khz * 1000 / 250));
    struct vmm_guest_ram ram = {.base = (uint8_t *)guest_ram, .size = guest_ram_size};
    struct vmm_linux_layout layout;
    struct vmm_cpu_state state;
    struct vmm_error err = {{0}};
    if (!vmm_linux_load(&ram, (const uint8_t *)guest_kernel, guest_kernel_size,
                        (const uint8_t *)guest_initrd, guest_initrd_size, cmdline, &layout, &state,
                        &err)) {
        bst_printf("vmm: cannot load the guest: %s\n", err.msg);
        return false;
    }
    bst_printf("vmm: Linux at 0x%llx, entry 0x%llx, initrd %llu bytes at 0x%llx\n",
               (unsigned long long)layout.kernel_addr, (unsigned long long)layout.entry,
               (unsigned long long)layout.initrd_size, (unsigned long long)layout.initrd_addr);
    return write_state(&state);
}

/* The guest's console bytes to the debug console. */
static void console(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bst_debug_putc((char)bytes[i]);
}

void init(void)
{
    vmm_machine_init(&machine, host_cpuid, (uint32_t)tsc_khz);
    if (!load_linux())
        return;
    struct vmm_run_result result;
    vmm_run(VMM_SLOT_VCPU, &machine, UINT64_MAX, console, &result);
    bst_printf("vmm: guest stopped after %llu exits, %llu interrupts, %llu #GP, %llu #UD\n",
               (unsigned long long)result.exits, (unsigned long long)machine.interrupts_injected,
               (unsigned long long)machine.gp_injected, (unsigned long long)machine.ud_injected);
}

void notified(bst_channel_t ch)
{
    (void)ch; /* the guest loop never returns to the event loop: signals end VCPU_RUN */
}
