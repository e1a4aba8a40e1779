/*
 * The VMM library's host tests (suite host-vmm; docs/virtualisation.md).
 *
 *   test-vmm                         every test
 *   test-vmm --image BZIMAGE INITRD  parse and load a real bzImage (suite guest-linux)
 */
#include <string.h>

#include "check.h"
#include "tests.h"

const char *check_failed;
char check_where[256];
int check_failures;

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--image") == 0)
        return test_real_image(argv[2], argv[3]);
    RUN(test_bzimage_valid);
    RUN(test_bzimage_refusals);
    RUN(test_linux_load);
    RUN(test_acpi_tables);
    RUN(test_link_lines);
    RUN(test_link_input);
    RUN(test_bzimage_fuzz);
    RUN(test_uart_probe_and_transmit);
    RUN(test_uart_interrupts);
    RUN(test_pic);
    RUN(test_lapic_registers);
    RUN(test_lapic_timer);
    RUN(test_cpuid_policy);
    RUN(test_msr_policy);
    RUN(test_vcpu_state_regs);
    RUN(test_dispatch_io);
    RUN(test_dispatch_cpuid_msr);
    RUN(test_dispatch_interrupts);
    RUN(test_dispatch_uart_irq);
    RUN(test_dispatch_hostile);
    RUN(test_pci_bus);
    RUN(test_virtio_console);
    RUN(test_virtio_hostile);
    RUN(test_virtio_link_feed);
    RUN(test_virtio_net);
    RUN(test_virtio_net_hostile);
    return check_failures ? 1 : 0;
}
