/*
 * The PC's two cascaded 8259A interrupt controllers at ports 0x20-0x21 and 0xa0-0xa1
 * (docs/virtualisation.md, "Interrupts and time"): where the guest's legacy device
 * lines arrive (the UART's IRQ 4). Edge-triggered, fully nested, as Linux programs them:
 * ICW1-ICW4 (vector base, auto-EOI), the mask (OCW1), specific and non-specific EOI
 * (OCW2), reading IRR or ISR (OCW3). The VMM delivers the pair's output as an external
 * interrupt through the local APIC's LINT0 (virtual-wire mode).
 */
#ifndef VMM_PIC8259_H
#define VMM_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

struct vmm_pic_chip {
    uint8_t irr, isr, imr, base, lines;
    uint8_t init_step; /* 0: initialised; 2, 3, 4: the ICW expected next */
    bool need_icw4, auto_eoi, read_isr;
};

struct vmm_pic {
    struct vmm_pic_chip chip[2]; /* master (IRQ 0-7), slave (IRQ 8-15) on master's IRQ 2 */
};

void vmm_pic_reset(struct vmm_pic *p);
/* Port access: port is one of 0x20, 0x21, 0xa0, 0xa1. */
uint8_t vmm_pic_read(struct vmm_pic *p, uint16_t port);
void vmm_pic_write(struct vmm_pic *p, uint16_t port, uint8_t value);
/* Set IRQ line irq (0-15) to level; a rising edge requests the interrupt. */
void vmm_pic_set_line(struct vmm_pic *p, unsigned irq, bool level);
/* The vector the pair would deliver now, or -1. */
int vmm_pic_pending(const struct vmm_pic *p);
/* The CPU takes the interrupt vmm_pic_pending() named: returns its vector (or -1). */
int vmm_pic_acknowledge(struct vmm_pic *p);

#endif
