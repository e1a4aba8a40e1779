/*
 * The emulated devices on the host: the 16550 (as Linux's 8250 driver probes and uses
 * it), the 8259 pair (Linux's initialisation, priorities, EOI, cascade), the x2APIC
 * and its timer in all three modes.
 */
#include <vmm/lapic.h>
#include <vmm/pic8259.h>
#include <vmm/uart16550.h>

#include "check.h"
#include "tests.h"

void test_uart_probe_and_transmit(void)
{
    struct vmm_uart u;
    vmm_uart_reset(&u);
    /* The scratch register and the loopback test Linux's probe does. */
    vmm_uart_write(&u, 7, 0xa5);
    CHECK(vmm_uart_read(&u, 7) == 0xa5);
    vmm_uart_write(&u, 4, 0x1a); /* loop, RTS, OUT2 ... */
    CHECK((vmm_uart_read(&u, 6) & 0xf0) == 0xa0);
    vmm_uart_write(&u, 4, 0x00);
    /* Divisor latch. */
    vmm_uart_write(&u, 3, 0x80);
    vmm_uart_write(&u, 0, 0x01);
    vmm_uart_write(&u, 1, 0x00);
    CHECK(vmm_uart_read(&u, 0) == 0x01);
    vmm_uart_write(&u, 3, 0x03);
    CHECK(u.tx_count == 0);
    /* FIFO control: IIR shows FIFOs on. */
    vmm_uart_write(&u, 2, 0x07);
    CHECK((vmm_uart_read(&u, 2) & 0xc0) == 0xc0);
    /* Transmit: LSR always says empty, bytes collect in order. */
    CHECK((vmm_uart_read(&u, 5) & 0x60) == 0x60);
    const char *text = "Linux version";
    for (const char *p = text; *p; p++)
        vmm_uart_write(&u, 0, (uint8_t)*p);
    uint8_t out[64];
    unsigned n = vmm_uart_take_tx(&u, out, sizeof(out));
    CHECK(n == 13 && out[0] == 'L' && out[12] == 'n');
    CHECK(vmm_uart_take_tx(&u, out, sizeof(out)) == 0);
    /* A full tx buffer drops and counts, never overruns. */
    for (unsigned i = 0; i < VMM_UART_TX + 10; i++)
        vmm_uart_write(&u, 0, 'x');
    CHECK(u.tx_count == VMM_UART_TX && u.tx_dropped == 10);
    /* Loopback puts transmitted bytes into the receiver, not out. */
    vmm_uart_take_tx(&u, out, 1);
    vmm_uart_write(&u, 4, 0x10);
    vmm_uart_write(&u, 0, 'q');
    CHECK(u.tx_count == VMM_UART_TX - 1 && vmm_uart_read(&u, 0) == 'q');
}

void test_uart_interrupts(void)
{
    struct vmm_uart u;
    vmm_uart_reset(&u);
    vmm_uart_write(&u, 1, 0x03); /* RDA and THRE */
    CHECK(!vmm_uart_irq(&u));    /* OUT2 gates the line */
    vmm_uart_write(&u, 4, 0x08);
    CHECK(vmm_uart_irq(&u)); /* enabling THRE with THR empty raises it */
    CHECK((vmm_uart_read(&u, 2) & 0x0f) == 0x02);
    CHECK(!vmm_uart_irq(&u)); /* reading IIR cleared THRE */
    vmm_uart_write(&u, 0, 'a');
    CHECK(vmm_uart_irq(&u)); /* sent at once: THR empty again */
    vmm_uart_read(&u, 2);
    /* Received data: RDA has priority, LSR.DR, cleared by reading all of it. */
    CHECK(vmm_uart_receive(&u, 'h') && vmm_uart_receive(&u, 'i'));
    CHECK(vmm_uart_irq(&u) && (vmm_uart_read(&u, 2) & 0x0f) == 0x04);
    CHECK(vmm_uart_read(&u, 5) & 1);
    CHECK(vmm_uart_read(&u, 0) == 'h' && vmm_uart_read(&u, 0) == 'i');
    CHECK(!(vmm_uart_read(&u, 5) & 1) && !vmm_uart_irq(&u));
    /* The FIFO holds 16; the 17th byte is refused, not overwritten. */
    for (unsigned i = 0; i < VMM_UART_FIFO; i++)
        CHECK(vmm_uart_receive(&u, (uint8_t)i));
    CHECK(!vmm_uart_receive(&u, 99));
    CHECK(vmm_uart_read(&u, 0) == 0);
    /* FCR clears the receive FIFO. */
    vmm_uart_write(&u, 2, 0x03);
    CHECK(!(vmm_uart_read(&u, 5) & 1));
    /* Reading an empty receiver gives 0, never stale bytes past the FIFO. */
    CHECK(vmm_uart_read(&u, 0) == 0);
}

/* Linux's 8259 initialisation: vectors 0x30/0x38, cascade on IRQ 2, 8086 mode. */
static void pic_init(struct vmm_pic *p)
{
    vmm_pic_reset(p);
    vmm_pic_write(p, 0x20, 0x11);
    vmm_pic_write(p, 0x21, 0x30);
    vmm_pic_write(p, 0x21, 0x04);
    vmm_pic_write(p, 0x21, 0x01);
    vmm_pic_write(p, 0xa0, 0x11);
    vmm_pic_write(p, 0xa1, 0x38);
    vmm_pic_write(p, 0xa1, 0x02);
    vmm_pic_write(p, 0xa1, 0x01);
    vmm_pic_write(p, 0x21, 0xfb); /* all masked but the cascade */
    vmm_pic_write(p, 0xa1, 0xff);
}

void test_pic(void)
{
    struct vmm_pic p;
    vmm_pic_reset(&p);
    vmm_pic_set_line(&p, 4, true);
    CHECK(vmm_pic_pending(&p) < 0); /* masked after reset */
    pic_init(&p);
    CHECK(vmm_pic_read(&p, 0x21) == 0xfb && vmm_pic_read(&p, 0xa1) == 0xff);
    vmm_pic_set_line(&p, 4, false);
    vmm_pic_set_line(&p, 4, true);
    CHECK(vmm_pic_pending(&p) < 0); /* IRQ 4 masked */
    vmm_pic_write(&p, 0x21, 0xeb);  /* unmask 4 */
    CHECK(vmm_pic_pending(&p) == 0x34);
    vmm_pic_set_line(&p, 3, true);
    vmm_pic_write(&p, 0x21, 0xe3); /* unmask 3: higher priority */
    CHECK(vmm_pic_acknowledge(&p) == 0x33);
    CHECK(vmm_pic_pending(&p) < 0); /* 4 waits below 3 in service */
    vmm_pic_write(&p, 0x20, 0x0b);  /* OCW3: read ISR */
    CHECK(vmm_pic_read(&p, 0x20) == 0x08);
    vmm_pic_write(&p, 0x20, 0x20); /* non-specific EOI */
    CHECK(vmm_pic_acknowledge(&p) == 0x34);
    vmm_pic_write(&p, 0x20, 0x64); /* specific EOI of 4 */
    CHECK(vmm_pic_pending(&p) < 0);
    /* Edge: a held line does not request again. */
    vmm_pic_set_line(&p, 4, true);
    CHECK(vmm_pic_pending(&p) < 0);
    /* The slave through the cascade: IRQ 12 is vector 0x3c, both chips in service. */
    vmm_pic_write(&p, 0xa1, 0xef);
    vmm_pic_set_line(&p, 12, true);
    CHECK(vmm_pic_pending(&p) == 0x3c);
    CHECK(vmm_pic_acknowledge(&p) == 0x3c);
    CHECK(p.chip[0].isr == 0x04 && p.chip[1].isr == 0x10);
    /* Out-of-range lines are ignored. */
    vmm_pic_set_line(&p, 16, true);
    vmm_pic_set_line(&p, 1000, true);
    CHECK(vmm_pic_acknowledge(&p) < 0);
}

void test_lapic_registers(void)
{
    struct vmm_lapic l;
    vmm_lapic_reset(&l);
    uint64_t v = 0;
    CHECK(vmm_lapic_rdmsr(&l, 0x802, 0, &v) == VMM_MSR_OK && v == 0);
    CHECK(vmm_lapic_rdmsr(&l, 0x803, 0, &v) == VMM_MSR_OK && (v & 0xff) == 0x14);
    CHECK(vmm_lapic_rdmsr(&l, 0x80b, 0, &v) == VMM_MSR_GP); /* EOI is write-only */
    CHECK(vmm_lapic_rdmsr(&l, 0x801, 0, &v) == VMM_MSR_GP); /* reserved */
    CHECK(vmm_lapic_wrmsr(&l, 0x803, 1, 0) == VMM_MSR_GP);  /* version is read-only */
    CHECK(vmm_lapic_wrmsr(&l, 0x80b, 1, 0) == VMM_MSR_GP);  /* non-zero EOI */
    CHECK(vmm_lapic_wrmsr(&l, 0x808, 1ull << 32, 0) == VMM_MSR_GP);
    CHECK(vmm_lapic_rdmsr(&l, 0x10, 0, &v) == VMM_MSR_NOT_MINE);
    /* Disabled by SVR after reset: nothing delivered. */
    vmm_lapic_raise(&l, 0x40);
    CHECK(vmm_lapic_pending(&l) < 0);
    CHECK(vmm_lapic_extint_open(&l));
    CHECK(vmm_lapic_wrmsr(&l, 0x80f, 0x1ff, 0) == VMM_MSR_OK);
    CHECK(vmm_lapic_pending(&l) == 0x40);
    /* Priority: TPR above the class holds it back; ISR and EOI. */
    vmm_lapic_wrmsr(&l, 0x808, 0x50, 0);
    CHECK(vmm_lapic_pending(&l) < 0);
    vmm_lapic_wrmsr(&l, 0x808, 0x00, 0);
    vmm_lapic_accept(&l, 0x40);
    CHECK(vmm_lapic_rdmsr(&l, 0x812, 0, &v) == VMM_MSR_OK && v == 1); /* ISR bit 64 */
    vmm_lapic_raise(&l, 0x45);
    CHECK(vmm_lapic_pending(&l) < 0); /* same class as the one in service */
    vmm_lapic_raise(&l, 0x61);
    CHECK(vmm_lapic_pending(&l) == 0x61);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0); /* EOI of 0x40 */
    CHECK(vmm_lapic_pending(&l) == 0x61);
    /* Self IPI by ICR and SELF_IPI; illegal vectors set ESR. */
    vmm_lapic_accept(&l, 0x61);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0);
    vmm_lapic_accept(&l, 0x45);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0);
    vmm_lapic_wrmsr(&l, 0x830, (1ull << 18) | 0xf0, 0);
    CHECK(vmm_lapic_pending(&l) == 0xf0);
    vmm_lapic_wrmsr(&l, 0x83f, 3, 0);
    CHECK(vmm_lapic_rdmsr(&l, 0x828, 0, &v) == VMM_MSR_OK && v == 0x40);
    /* LINT0 ExtINT unmasked opens the 8259's path. */
    CHECK(!vmm_lapic_extint_open(&l));
    vmm_lapic_wrmsr(&l, 0x835, 0x700, 0);
    CHECK(vmm_lapic_extint_open(&l));
}

void test_lapic_timer(void)
{
    struct vmm_lapic l;
    vmm_lapic_reset(&l);
    vmm_lapic_wrmsr(&l, 0x80f, 0x1ff, 0);
    /* TSC deadline. */
    vmm_lapic_wrmsr(&l, 0x832, 0x40000 | 0xec, 0);
    CHECK(vmm_lapic_next_event(&l) == UINT64_MAX);
    vmm_lapic_wrmsr(&l, 0x6e0, 5000, 100);
    CHECK(vmm_lapic_next_event(&l) == 5000);
    vmm_lapic_update(&l, 4999);
    CHECK(vmm_lapic_pending(&l) < 0);
    vmm_lapic_update(&l, 5000);
    CHECK(vmm_lapic_pending(&l) == 0xec && vmm_lapic_next_event(&l) == UINT64_MAX);
    uint64_t v = 1;
    CHECK(vmm_lapic_rdmsr(&l, 0x6e0, 0, &v) == VMM_MSR_OK && v == 0);
    vmm_lapic_accept(&l, 0xec);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0);
    /* A deadline in the past fires at the next update; 0 disarms. */
    vmm_lapic_wrmsr(&l, 0x6e0, 10, 9000);
    vmm_lapic_wrmsr(&l, 0x6e0, 0, 9000);
    vmm_lapic_update(&l, 9000);
    CHECK(vmm_lapic_pending(&l) < 0);
    /* One-shot, divide by 16: 100 ticks are 1600 TSC cycles. */
    vmm_lapic_wrmsr(&l, 0x832, 0xed, 10000);
    vmm_lapic_wrmsr(&l, 0x83e, 0x3, 10000);
    vmm_lapic_wrmsr(&l, 0x838, 100, 10000);
    CHECK(vmm_lapic_next_event(&l) == 11600);
    CHECK(vmm_lapic_rdmsr(&l, 0x839, 10800, &v) == VMM_MSR_OK && v == 50);
    vmm_lapic_update(&l, 11600);
    CHECK(vmm_lapic_pending(&l) == 0xed && vmm_lapic_next_event(&l) == UINT64_MAX);
    vmm_lapic_accept(&l, 0xed);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0);
    /* Periodic, divide by 1: fires every 1000, missed periods merge into one. */
    vmm_lapic_wrmsr(&l, 0x832, 0x20000 | 0xee, 20000);
    vmm_lapic_wrmsr(&l, 0x83e, 0xb, 20000);
    vmm_lapic_wrmsr(&l, 0x838, 1000, 20000);
    vmm_lapic_update(&l, 25500);
    CHECK(vmm_lapic_pending(&l) == 0xee && l.timer_fired == 3);
    CHECK(vmm_lapic_next_event(&l) == 26000);
    /* Masked: counts but raises nothing. */
    vmm_lapic_accept(&l, 0xee);
    vmm_lapic_wrmsr(&l, 0x80b, 0, 0);
    vmm_lapic_wrmsr(&l, 0x832, 0x30000 | 0xee, 26000);
    vmm_lapic_update(&l, 26000);
    CHECK(vmm_lapic_pending(&l) < 0);
}
