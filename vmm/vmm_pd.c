/*
 * The VMM protection domain (docs/virtualisation.md, "The VMM"): loads Linux into the
 * guest's RAM and runs the guest on its own thread, handing each exit to the library's
 * dispatcher (machine.h) and carrying out the action it returns.
 *
 * What the system description gives it (docs/system-description.md, "<virtual_machine>"):
 *   guest_ram, guest_ram_size        its mapping of guest-physical 0 and the size
 *   guest_kernel, guest_kernel_size  the bzImage (a region prefilled with it)
 *   guest_initrd, guest_initrd_size  the initramfs (likewise)
 *   console_link                     the page shared with the guest console's native
 *                                    partner (console_link.h; 0: none)
 *   guest_hostile                    non-zero: the guest's /init misbehaves after its
 *                                    echo (bastion.hostile on its command line)
 * channels: TIMER_CH (0) to the timer driver (pp), LINK_CH (1) to the console partner;
 * and, from init, the VCPU bound to this PD's thread and the GSPACE in the CSpace slots
 * below.
 *
 * Time: before loading Linux the VMM measures the TSC's rate against the timer driver's
 * clock over CALIBRATE_MS and tells the guest that rate (tsc_early_khz, lpj, CPUID
 * 0x40000010), so the guest's clock runs at the real rate. A halted guest is waited for
 * with a timeout of the timer driver set for its next timer event, ended early by a
 * notification from the console partner.
 *
 * The guest's serial console goes to the debug console. Its virtio console (the legacy
 * virtio-pci device of the library, /dev/hvc0 in the guest) goes there too, each line
 * marked "hvc0| ", and its BASTION-GUEST-* lines go to the partner; the partner's input
 * is fed into the virtio console's receive buffers as the guest posts them. So the
 * exchange with the partner travels through virtio only. Run by the system vmm/tests/linux (make
 * soak-linux-boot, the bounded sample system-linux-banner; docs/virtualisation.md, "Linux under
 * Bastion").
 */
#include <bastion/spec.h>
#include <bastion/timer/client.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>
#include <libbastion/syscall.h>
#include <libbastion/vcpu.h>
#include <vmm/console_link.h>
#include <vmm/linux_boot.h>
#include <vmm/machine.h>
#include <vmm/run.h>
#include <vmm/vcpu_state.h>

/* Cap slots init gives a VMM PD (spec.h, init/vm.c). */
#define VMM_SLOT_VCPU   BASTION_SLOT_VCPU
#define VMM_SLOT_GSPACE BASTION_SLOT_GSPACE

#define TIMER_CH     0
#define LINK_CH      1
#define CALIBRATE_MS 50

/* Set by the tool (setvar). */
uintptr_t guest_ram, guest_kernel, guest_initrd, console_link;
uint64_t guest_ram_size, guest_kernel_size, guest_initrd_size;
uint64_t tsc_khz = 1000000; /* replaced by the measured rate */
/* Set by the tool: non-zero asks the guest's /init to misbehave after its echo
 * (bastion.hostile on the command line; vmm/tests/linux/hostile). */
uint64_t guest_hostile;

static struct vmm_machine machine;

/* The VMM's end of the console link (console_link.h). */
static struct vmm_link_end link_end;

/* The TSC's rate against the timer driver's clock (ns). */
static void calibrate_tsc(void)
{
    uint64_t t0 = timer_now(), c0 = vmm_rdtsc();
    timer_sleep_ms(CALIBRATE_MS);
    uint64_t t1 = timer_now(), c1 = vmm_rdtsc();
    if (t1 > t0 && c1 > c0)
        tsc_khz = (c1 - c0) * 1000000 / (t1 - t0);
    bst_printf("vmm: TSC at %llu kHz (measured against the timer over %llu us)\n",
               (unsigned long long)tsc_khz, (unsigned long long)((t1 - t0) / 1000));
}

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
                 "console=ttyS0 earlyprintk=serial,ttyS0,115200 noapic "
                 "io_delay=none tsc_early_khz=%llu lpj=%llu no_timer_check reboot=k panic=-1%s",
                 (unsigned long long)tsc_khz, (unsigned long long)(tsc_khz * 1000 / 250),
                 guest_hostile ? " bastion.hostile" : "");
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

/* The guest's serial console (the kernel's console) to the debug console. */
static void console(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bst_debug_putc((char)bytes[i]);
}

/* The virtio console's output (the guest's /dev/hvc0) to the debug console, each line
 * marked "hvc0| ", and its BASTION-GUEST-* lines to the partner. */
static void virtio_console(const uint8_t *bytes, unsigned n)
{
    static bool line_start = true;
    for (unsigned i = 0; i < n; i++) {
        if (line_start)
            bst_printf("hvc0| ");
        if (bytes[i] != '\r')
            bst_debug_putc((char)bytes[i]);
        line_start = bytes[i] == '\n';
    }
    if (vmm_link_console(&link_end, bytes, n))
        bst_notify(LINK_CH);
}

/* A notification: the partner may have written input; it goes into the guest's receive
 * buffers at once if they have room (and otherwise at the next exits). */
static void signalled(struct vmm_machine *m, uint64_t word)
{
    struct vmm_error err = {{0}};
    if ((word & (1ull << LINK_CH)) && !vmm_link_take_input(&link_end, &err))
        bst_printf("vmm: %s\n", err.msg);
    vmm_link_feed(&link_end, m);
}

/* The guest's frames on its virtio-net device: taken as it notifies the transmit queue
 * and counted; the first frame and the first ARP request are reported, so that a test
 * sees frames cross the device. (No network virtualiser is connected yet: the frames
 * go no further, docs/virtualisation.md, "The virtio-net device".) */
static uint64_t net_frames, net_arps;

static void report_arp(const uint8_t *f, unsigned len)
{
    if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != 1 || net_arps++ != 0)
        return;
    bst_printf("vmm: virtio-net: the guest's first ARP request: who has %u.%u.%u.%u, tell "
               "%u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x\n",
               f[38], f[39], f[40], f[41], f[28], f[29], f[30], f[31], f[22], f[23], f[24], f[25],
               f[26], f[27]);
}

static void net_output(struct vmm_machine *m)
{
    static uint8_t frame[VMM_VNET_FRAME_MAX];
    if (!m->vnet.tx_kicked)
        return;
    for (unsigned len; (len = vmm_net_take_frame(m, frame)) != 0;) {
        if (net_frames++ == 0)
            bst_printf("vmm: virtio-net: first frame from the guest: %u bytes, "
                       "%02x:%02x:%02x:%02x:%02x:%02x to %02x:%02x:%02x:%02x:%02x:%02x, type "
                       "0x%02x%02x\n",
                       len, frame[6], frame[7], frame[8], frame[9], frame[10], frame[11], frame[0],
                       frame[1], frame[2], frame[3], frame[4], frame[5], frame[12], frame[13]);
        report_arp(frame, len);
    }
    const char *problem = vmm_net_problem(m);
    if (problem)
        bst_printf("vmm: %s\n", problem);
}

/* Before each exit's dispatch: pending input into the virtio console's receive buffers
 * as far as they have room, and the guest's transmitted frames out. */
static void feed_input(struct vmm_machine *m)
{
    vmm_link_feed(&link_end, m);
    net_output(m);
}

/* The guest halted until TSC `until`: a timeout of the timer, or the partner's signal. */
static uint64_t wait_until(uint64_t until)
{
    uint64_t now = vmm_rdtsc();
    uint64_t ns = 1000000000ull; /* no timer event: look again in a second */
    if (until != UINT64_MAX) {
        uint64_t cycles = until > now ? until - now : 0;
        ns = cycles >= UINT64_MAX / 1000000 ? ns : cycles * 1000000 / tsc_khz + 1;
    }
    timer_set_timeout(ns);
    uint64_t word = 0;
    bst_wait(BASTION_SLOT_NOTIFICATION, &word);
    return word & ~(1ull << TIMER_CH);
}

void init(void)
{
    timer_init(TIMER_CH);
    vmm_link_init(&link_end, (struct vmm_console_link *)console_link);
    link_end.virtio = true;
    calibrate_tsc();
    vmm_machine_init(&machine, host_cpuid, (uint32_t)tsc_khz);
    vmm_machine_attach_ram(&machine, (uint8_t *)guest_ram, guest_ram_size);
    if (!load_linux())
        return;
    struct vmm_run_hooks hooks = {.console = console,
                                  .virtio_console = virtio_console,
                                  .before_dispatch = feed_input,
                                  .signalled = signalled,
                                  .wait = wait_until};
    struct vmm_run_result result;
    vmm_run_with(VMM_SLOT_VCPU, &machine, UINT64_MAX, &hooks, &result);
    bst_printf("vmm: guest stopped after %llu exits, %llu interrupts, %llu #GP, %llu #UD\n",
               (unsigned long long)result.exits, (unsigned long long)machine.interrupts_injected,
               (unsigned long long)machine.gp_injected, (unsigned long long)machine.ud_injected);
    bst_printf("vmm: virtio-net: %llu frames from the guest, %llu of them ARP requests\n",
               (unsigned long long)net_frames, (unsigned long long)net_arps);
    bst_printf("vmm: %llu accesses to unemulated ports (%u distinct ones reported)\n",
               (unsigned long long)machine.unemulated_port_accesses, machine.reported_port_count);
    if (result.exits && result.io_exits)
        bst_printf("vmm: the VMM's own time per exit (VCPU_RUN's return to the next call, waits "
                   "left out): mean %llu TSC cycles over %llu exits; I/O exits %llu over %llu\n",
                   (unsigned long long)(result.vmm_cycles / result.exits),
                   (unsigned long long)result.exits,
                   (unsigned long long)(result.io_cycles / result.io_exits),
                   (unsigned long long)result.io_exits);
    if (vmm_link_send(&link_end, VMM_LINK_STOPPED))
        bst_notify(LINK_CH);
}

void notified(bst_channel_t ch)
{
    (void)ch; /* the guest loop never returns to the event loop: signals end VCPU_RUN */
}
