/*
 * vmm: the VMM PD of init/tests/guest. init gave it the guest's VCPU (bound to this
 * thread) in BASTION_SLOT_VCPU and its GSPACE in BASTION_SLOT_GSPACE, with the region
 * guest_ram mapped at guest-physical 0 and here at `guest_ram`. It writes a tiny guest
 * into that memory, runs it, and checks what it does:
 *   gpa 0x1000  mov eax, [0x2000]        reads the byte the VMM put there (0x5a)
 *               out 0xe9, al             an IO exit carrying it
 *               mov byte [0x2001], 0xa5  a write the VMM sees in its own mapping
 *               hlt                      a HLT exit
 * Each check prints PASS or FAIL; the system exits with the verdict.
 */
#include <bastion/spec.h>
#include <libbastion/pd.h>
#include <libbastion/vcpu.h>

uintptr_t guest_ram;

static unsigned failures;

static void check(bool ok, const char *what)
{
    bst_printf("vmm: %s: %s\n", ok ? "PASS" : "FAIL", what);
    failures += ok ? 0 : 1;
}

static const uint8_t guest_code[] = {
    0xa1, 0x00, 0x20, 0x00, 0x00,             /* mov eax, [0x2000] */
    0xe6, 0xe9,                               /* out 0xe9, al */
    0xc6, 0x05, 0x01, 0x20, 0x00, 0x00, 0xa5, /* mov byte [0x2001], 0xa5 */
    0xf4,                                     /* hlt */
};

void init(void)
{
    volatile uint8_t *ram = (volatile uint8_t *)guest_ram;
    for (unsigned i = 0; i < sizeof(guest_code); i++)
        ram[0x1000 + i] = guest_code[i];
    ram[0x2000] = 0x5a;
    ram[0x2001] = 0;
    bst_cptr_t vcpu = BASTION_SLOT_VCPU;
    uint64_t rip = 0;
    check(bst_vcpu_read_reg(vcpu, BST_VCPU_REG_rip, &rip) == BST_OK,
          "slot 9 holds a VCPU (its registers read)");
    check(bst_vcpu_set_flat32(vcpu, 0x1000, 0x3f00) == BST_OK,
          "the guest's registers are set (flat 32-bit, entry gpa 0x1000, stack below 0x4000)");
    struct bst_vm_exit_msg exit = {0};
    bst_error_t e = bst_vcpu_run(vcpu, NULL, &exit);
    check(e == BST_OK && exit.reason == BST_VM_EXIT_IO && BST_VM_IO_PORT(exit.info0) == 0xe9 &&
              (exit.rax & 0xff) == 0x5a,
          "the guest read the VMM's byte through its guest-physical space and wrote it to "
          "port 0xe9");
    if (e == BST_OK)
        bst_printf("vmm: exit %s at rip 0x%lx, rax 0x%lx\n",
                   bst_vm_exit_name((bst_vm_exit_t)exit.reason), (unsigned long)exit.rip,
                   (unsigned long)exit.rax);
    struct bst_vcpu_resume advance = {.flags = BST_VCPU_RUN_ADVANCE};
    e = bst_vcpu_run(vcpu, &advance, &exit);
    check(e == BST_OK && exit.reason == BST_VM_EXIT_HLT, "the guest halted");
    check(ram[0x2001] == 0xa5, "the guest's write is in the VMM's mapping of guest_ram");
    bst_printf("vmm: %s\n", failures ? "FAILED" : "all passed");
    bst_system_exit(failures ? 1 : 0);
}

void notified(bst_channel_t ch)
{
    (void)ch;
}
