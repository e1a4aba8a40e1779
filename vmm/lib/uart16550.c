/* The emulated 16550A (uart16550.h). */
#include <vmm/uart16550.h>

enum {
    REG_DATA = 0, /* RBR/THR, DLL with DLAB */
    REG_IER = 1,  /* DLM with DLAB */
    REG_IIR = 2,  /* FCR on write */
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define LCR_DLAB        0x80
#define IER_RDA         0x01
#define IER_THRE        0x02
#define IIR_NONE        0x01
#define IIR_THRE        0x02
#define IIR_RDA         0x04
#define IIR_FIFO_ON     0xc0
#define FCR_ENABLE      0x01
#define FCR_CLEAR_RX    0x02
#define LSR_DR          0x01
#define LSR_THRE        0x20
#define LSR_TEMT        0x40
#define MCR_OUT2        0x08
#define MCR_LOOP        0x10
#define MSR_DCD_DSR_CTS 0xb0

void vmm_uart_reset(struct vmm_uart *u)
{
    *u = (struct vmm_uart){.dll = 12}; /* 9600 baud, as after a PC's reset */
}

static uint8_t rx_pop(struct vmm_uart *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t b = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % VMM_UART_FIFO;
    u->rx_count--;
    return b;
}

static uint8_t iir(const struct vmm_uart *u)
{
    uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;
    if ((u->ier & IER_RDA) && u->rx_count)
        return fifo | IIR_RDA;
    if ((u->ier & IER_THRE) && u->thr_irq)
        return fifo | IIR_THRE;
    return fifo | IIR_NONE;
}

static void transmit(struct vmm_uart *u, uint8_t value)
{
    if (u->mcr & MCR_LOOP) {
        vmm_uart_receive(u, value);
    } else if (u->tx_count < VMM_UART_TX) {
        u->tx[u->tx_count++] = value;
    } else {
        u->tx_dropped++;
    }
    u->thr_irq = true; /* sent at once: THR is empty again */
}

uint8_t vmm_uart_read(struct vmm_uart *u, unsigned offset)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (offset & 7) {
    case REG_DATA:
        return dlab ? u->dll : rx_pop(u);
    case REG_IER:
        return dlab ? u->dlm : u->ier;
    case REG_IIR: {
        uint8_t v = iir(u);
        if ((v & 0x0f) == IIR_THRE)
            u->thr_irq = false;
        return v;
    }
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        return (uint8_t)(LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0));
    case REG_MSR:
        /* Loopback: DTR, RTS, OUT1, OUT2 read back as DSR, CTS, RI, DCD (Linux's probe
         * looks for this); otherwise carrier, DSR and CTS are up. */
        if (u->mcr & MCR_LOOP)
            return (uint8_t)((u->mcr & 0x0f) << 4);
        return MSR_DCD_DSR_CTS;
    default:
        return u->scr;
    }
}

void vmm_uart_write(struct vmm_uart *u, unsigned offset, uint8_t value)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (offset & 7) {
    case REG_DATA:
        if (dlab)
            u->dll = value;
        else
            transmit(u, value);
        return;
    case REG_IER:
        if (dlab) {
            u->dlm = value;
        } else {
            /* Enabling THRE with THR empty raises it at once, as on the chip. */
            if (!(u->ier & IER_THRE) && (value & IER_THRE))
                u->thr_irq = true;
            u->ier = value & 0x0f;
        }
        return;
    case REG_IIR:
        u->fcr = value & 0xc9;
        if (value & FCR_CLEAR_RX)
            u->rx_head = u->rx_count = 0;
        return;
    case REG_LCR:
        u->lcr = value;
        return;
    case REG_MCR:
        u->mcr = value & 0x1f;
        return;
    case REG_SCR:
        u->scr = value;
        return;
    default: /* LSR and MSR are read-only */
        return;
    }
}

bool vmm_uart_receive(struct vmm_uart *u, uint8_t byte)
{
    if (u->rx_count == VMM_UART_FIFO)
        return false;
    u->rx[(u->rx_head + u->rx_count) % VMM_UART_FIFO] = byte;
    u->rx_count++;
    return true;
}

bool vmm_uart_irq(const struct vmm_uart *u)
{
    return (u->mcr & MCR_OUT2) && (iir(u) & IIR_NONE) == 0;
}

unsigned vmm_uart_take_tx(struct vmm_uart *u, uint8_t *out, unsigned max)
{
    unsigned n = u->tx_count < max ? u->tx_count : max;
    for (unsigned i = 0; i < n; i++)
        out[i] = u->tx[i];
    for (unsigned i = n; i < u->tx_count; i++)
        u->tx[i - n] = u->tx[i];
    u->tx_count -= n;
    return n;
}
