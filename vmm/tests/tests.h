/* The VMM library's host tests (test_main.c runs them in this order). */
#ifndef VMM_TESTS_TESTS_H
#define VMM_TESTS_TESTS_H

void test_bzimage_valid(void);
void test_bzimage_refusals(void);
void test_linux_load(void);
void test_bzimage_fuzz(void);
void test_acpi_tables(void);
void test_link_lines(void);
void test_link_input(void);
int test_real_image(const char *path, const char *initrd_path);
void test_uart_probe_and_transmit(void);
void test_uart_interrupts(void);
void test_pic(void);
void test_lapic_registers(void);
void test_lapic_timer(void);
void test_cpuid_policy(void);
void test_msr_policy(void);
void test_vcpu_state_regs(void);
void test_dispatch_io(void);
void test_dispatch_cpuid_msr(void);
void test_dispatch_interrupts(void);
void test_dispatch_uart_irq(void);
void test_dispatch_hostile(void);
void test_pci_bus(void);
void test_virtio_console(void);
void test_virtio_hostile(void);
void test_virtio_link_feed(void);
void test_virtio_net(void);
void test_virtio_net_hostile(void);

#endif
