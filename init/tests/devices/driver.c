/*
 * driver (priority 150): the PIT's ports as <ioport id="2">, its interrupt as <irq
 * id="5">. The first interrupt is left unacknowledged for a few PIT periods: no second
 * one may arrive. (The kernel masks the line in its handler; an edge the local APIC had
 * accepted already, when the emulator ran late, still arrives once right after: the
 * first poll takes it away and reports it.) A deferred acknowledgement, then an
 * immediate one, must each let the next interrupt through. Then it stops the PIT and
 * tells the finisher.
 */
#include <bastion/spec.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>

#define PORTS    2
#define IRQ      5
#define FINISHER 0

#define PIT_CH0     0x40
#define PIT_COMMAND 0x43
#define DIVISOR     5966 /* about 200 Hz */

static unsigned interrupts;

static void pit_program(unsigned mode, unsigned divisor)
{
    bst_ioport_out8(PORTS, PIT_COMMAND, (uint8_t)(0x30 | mode << 1));
    bst_ioport_out8(PORTS, PIT_CH0, (uint8_t)(divisor & 0xff));
    bst_ioport_out8(PORTS, PIT_CH0, (uint8_t)(divisor >> 8));
}

static unsigned pit_count(void)
{
    bst_ioport_out8(PORTS, PIT_COMMAND, 0x00);
    unsigned lo = bst_ioport_in8(PORTS, PIT_CH0);
    return bst_ioport_in8(PORTS, PIT_CH0) << 8 | lo;
}

/* Busy-wait for `n` PIT periods: the count jumps up when it starts again. */
static void wait_periods(unsigned n)
{
    unsigned last = pit_count();
    while (n > 0) {
        unsigned now = pit_count();
        if (now > last)
            n--;
        last = now;
    }
}

void init(void)
{
    pit_program(2, DIVISOR);
    bst_printf("driver: PIT at about 200 Hz\n");
}

void notified(bst_channel_t ch)
{
    if (ch != IRQ) {
        bst_printf("driver: FAIL: notified on channel %u\n", ch);
        return;
    }
    interrupts++;
    if (interrupts == 1) {
        uint64_t early = 0, word = 0;
        bst_poll(BASTION_SLOT_NOTIFICATION, &early);
        bst_printf("driver: ok: the IRQ arrives on channel %u%s\n", ch,
                   early ? " (and once more before the mask took effect)" : "");
        wait_periods(5);
        bst_poll(BASTION_SLOT_NOTIFICATION, &word);
        bst_printf("driver: %s: the line stays masked until acknowledged (word 0x%lx)\n",
                   word == 0 ? "ok" : "FAIL", (unsigned long)word);
        bst_deferred_irq_ack(IRQ);
    } else if (interrupts == 2) {
        bst_printf("driver: ok: bst_deferred_irq_ack let the next interrupt through\n");
        bst_irq_ack(IRQ);
    } else {
        bst_printf("driver: ok: bst_irq_ack let the next interrupt through\n");
        pit_program(0, 0xffff);
        bst_notify(FINISHER);
    }
}
