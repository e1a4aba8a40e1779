/*
 * Decoding a PCI BAR (parse.h) from its register value and the value read back after all
 * ones were written: the address bits that stay zero give the size, which is the lowest
 * address bit that reads back one. Memory BARs keep 4 flag bits (type, prefetchable) and
 * may take two registers (64-bit); I/O BARs keep 2 and decode 16 bits. A mask with holes
 * (malformed) cannot make the size exceed its lowest bit.
 */
#include "parse.h"

#define BAR_IO        1u
#define BAR_TYPE_MASK 6u
#define BAR_TYPE_64   4u

bool pci_bar_is_64bit(uint32_t value)
{
    return !(value & BAR_IO) && (value & BAR_TYPE_MASK) == BAR_TYPE_64;
}

struct pci_bar pci_bar_decode(struct pci_bar_regs r)
{
    bool io = r.value & BAR_IO, wide = pci_bar_is_64bit(r.value);
    uint32_t flags = io ? 0x3u : 0xfu;
    uint64_t base = (uint64_t)(wide ? r.upper : 0) << 32 | (r.value & ~flags);
    uint64_t mask = (uint64_t)(wide ? r.mask_upper : 0) << 32 | (r.mask & ~flags);
    if (io)
        mask &= 0xffffu;
    return (struct pci_bar){.base = base, .size = mask & (~mask + 1), .io = io};
}
