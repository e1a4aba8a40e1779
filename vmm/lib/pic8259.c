/* The emulated 8259A pair (pic8259.h). */
#include <vmm/pic8259.h>

#define CASCADE_IRQ 2

void vmm_pic_reset(struct vmm_pic *p)
{
    *p = (struct vmm_pic){0};
    p->chip[0].imr = p->chip[1].imr = 0xff;
}

/* Lowest set bit's number, or 8. */
static unsigned lowest(uint8_t bits)
{
    for (unsigned i = 0; i < 8; i++)
        if (bits & (1u << i))
            return i;
    return 8;
}

/* The chip's highest-priority requested, unmasked line above what is in service, or 8.
 * `extra` ORs lines in (the master sees the slave's output on IRQ 2). */
static unsigned chip_pending(const struct vmm_pic_chip *c, uint8_t extra)
{
    unsigned req = lowest((uint8_t)((c->irr | extra) & ~c->imr));
    return req < lowest(c->isr) ? req : 8;
}

static bool slave_output(const struct vmm_pic *p)
{
    return chip_pending(&p->chip[1], 0) < 8;
}

int vmm_pic_pending(const struct vmm_pic *p)
{
    const struct vmm_pic_chip *m = &p->chip[0];
    if (m->init_step)
        return -1;
    unsigned irq = chip_pending(m, slave_output(p) ? 1u << CASCADE_IRQ : 0);
    if (irq == 8)
        return -1;
    if (irq != CASCADE_IRQ || (m->irr & (1u << CASCADE_IRQ)))
        return m->base + (int)irq;
    if (p->chip[1].init_step)
        return -1;
    return p->chip[1].base + (int)chip_pending(&p->chip[1], 0);
}

static void take(struct vmm_pic_chip *c, unsigned line)
{
    c->irr &= (uint8_t) ~(1u << line);
    if (!c->auto_eoi)
        c->isr |= (uint8_t)(1u << line);
}

int vmm_pic_acknowledge(struct vmm_pic *p)
{
    int vector = vmm_pic_pending(p);
    if (vector < 0)
        return -1;
    struct vmm_pic_chip *m = &p->chip[0];
    unsigned irq = chip_pending(m, slave_output(p) ? 1u << CASCADE_IRQ : 0);
    take(m, irq);
    if (irq == CASCADE_IRQ && !(m->irr & (1u << CASCADE_IRQ)) && slave_output(p))
        take(&p->chip[1], chip_pending(&p->chip[1], 0));
    return vector;
}

void vmm_pic_set_line(struct vmm_pic *p, unsigned irq, bool level)
{
    if (irq > 15)
        return;
    struct vmm_pic_chip *c = &p->chip[irq / 8];
    uint8_t bit = (uint8_t)(1u << (irq % 8));
    if (level && !(c->lines & bit))
        c->irr |= bit;
    c->lines = level ? (uint8_t)(c->lines | bit) : (uint8_t)(c->lines & ~bit);
}

uint8_t vmm_pic_read(struct vmm_pic *p, uint16_t port)
{
    struct vmm_pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
    if (port & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static void command(struct vmm_pic_chip *c, uint8_t value)
{
    if (value & 0x10) { /* ICW1: begin initialisation */
        c->imr = c->isr = c->irr = 0;
        c->need_icw4 = value & 1;
        c->auto_eoi = c->read_isr = false;
        c->init_step = 2;
    } else if (value & 0x08) { /* OCW3 */
        if (value & 0x02)
            c->read_isr = value & 0x01;
    } else if (value & 0x20) { /* OCW2: EOI, specific (with 0x40) or the highest */
        unsigned line = (value & 0x40) ? (value & 7u) : lowest(c->isr);
        if (line < 8)
            c->isr &= (uint8_t) ~(1u << line);
    }
}

static void data(struct vmm_pic_chip *c, uint8_t value)
{
    switch (c->init_step) {
    case 2:
        c->base = value & 0xf8;
        c->init_step = 3;
        return;
    case 3: /* cascade wiring: fixed on a PC */
        c->init_step = c->need_icw4 ? 4 : 0;
        return;
    case 4:
        c->auto_eoi = value & 0x02;
        c->init_step = 0;
        return;
    default:
        c->imr = value;
    }
}

void vmm_pic_write(struct vmm_pic *p, uint16_t port, uint8_t value)
{
    struct vmm_pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];
    if (port & 1)
        data(c, value);
    else
        command(c, value);
}
