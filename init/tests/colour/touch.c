/*
 * touch: a PD of the colouring test (system.xml). A coloured PD writes to its private
 * region (mapped and usable, not only allocated), reports, and spins (b and g wait instead: b's
 * domain's slots are idle, and g, above c, leaves c's slots to c); a1 also reports the colour of
 * its contiguous `dma` region's address. The finisher, in the uncoloured domain main, ends the run
 * once every other domain has had a few slots.
 */
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define COLOURS 32
#define SLOTS   4

uint64_t region;    /* setvar_vaddr: the PD's private region, 0 for the finisher */
uint64_t dma_paddr; /* setvar_paddr: a1's contiguous region */

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Spin until `slots` gaps of over 500 us (other domains' slots) have passed. */
static void wait_slots(unsigned slots)
{
    uint64_t gap = bst_counter_khz() / 2, last = cycles();
    for (unsigned n = 0; n < slots;) {
        uint64_t now = cycles();
        if (now - last > gap)
            n++;
        last = now;
    }
}

void init(void)
{
    if (bst_strcmp(bst_pd_name(), "finisher") == 0) {
        wait_slots(SLOTS);
        bst_printf("finisher: %u slots of domain main seen; ending the run\n", SLOTS);
        bst_system_exit(0);
    }
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)region;
    p[0] = 1;
    if (dma_paddr)
        bst_printf("%s: dma region at 0x%lx, colour %lu\n", bst_pd_name(), (unsigned long)dma_paddr,
                   (unsigned long)((dma_paddr >> 12) % COLOURS));
    bst_printf("%s: ok: running\n", bst_pd_name());
    if (bst_strcmp(bst_pd_name(), "b") == 0 || bst_strcmp(bst_pd_name(), "g") == 0)
        return; /* waits for events for ever: b's slots are idle, c's are c's (system.xml) */
    for (;;)
        wait_slots(1);
}
