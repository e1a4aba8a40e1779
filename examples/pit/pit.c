/*
 * pit: drives the PC's programmable interval timer from user space. Its ports come as
 * <ioport id="0"> (bst_ioport_in8/out8), its interrupt as <irq id="1">: each tick is a
 * notification on channel 1, and the line stays masked until bst_irq_ack(1).
 */
#include <libbastion/pd.h>

#define PIT_PORTS 0 /* <ioport id="0">: 0x40-0x43 */
#define PIT_IRQ   1 /* <irq id="1">: IOAPIC pin 2 */

#define PIT_CH0     0x40
#define PIT_COMMAND 0x43
#define PIT_HZ      1193182u
#define RATE_HZ     100u
#define TICKS       5u

static unsigned ticks;

/* Channel 0's current count (latched, then read low byte first). */
static unsigned pit_count(void)
{
    bst_ioport_out8(PIT_PORTS, PIT_COMMAND, 0x00); /* latch channel 0 */
    unsigned lo = bst_ioport_in8(PIT_PORTS, PIT_CH0);
    unsigned hi = bst_ioport_in8(PIT_PORTS, PIT_CH0);
    return hi << 8 | lo;
}

static void pit_program(unsigned mode, unsigned divisor)
{
    bst_ioport_out8(PIT_PORTS, PIT_COMMAND, (uint8_t)(0x30 | mode << 1)); /* ch 0, lo/hi */
    bst_ioport_out8(PIT_PORTS, PIT_CH0, (uint8_t)(divisor & 0xff));
    bst_ioport_out8(PIT_PORTS, PIT_CH0, (uint8_t)(divisor >> 8));
}

void init(void)
{
    pit_program(2, PIT_HZ / RATE_HZ); /* mode 2: a rate generator */
    bst_printf("pit: PIT channel 0 at %u Hz (divisor %u), its IRQ on channel %u\n", RATE_HZ,
               PIT_HZ / RATE_HZ, PIT_IRQ);
}

void notified(bst_channel_t ch)
{
    if (ch != PIT_IRQ)
        return;
    ticks++;
    bst_printf("pit: tick %u (the counter reads %u)\n", ticks, pit_count());
    if (ticks == TICKS) {
        pit_program(0, 0xffff); /* mode 0: one slow count, then quiet */
        bst_printf("pit: %u interrupts counted; done\n", ticks);
        bst_system_exit(0);
    }
    bst_irq_ack(PIT_IRQ); /* unmask the line for the next tick */
}
