/*
 * The interrupt descriptor table: every vector goes to its stub in entry.S. Double
 * fault, NMI and machine check run on their own IST stacks, so they are reported even
 * when the kernel stack is what went wrong.
 */
#include <arch/gdt.h>
#include <arch/kpti.h>
#include <arch/layout.h>
#include <arch/trap.h>

struct PACKED idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout is fixed by the CPU");

extern const char entry_stubs[]; /* NUM_VECTORS stubs, ENTRY_STUB_SIZE bytes apart */
static struct idt_gate idt[NUM_VECTORS] KPTI_SHARED __attribute__((aligned(16))); /* user view */

static struct idt_gate interrupt_gate(uint64_t handler, uint8_t ist)
{
    return (struct idt_gate){
        .offset_low = (uint16_t)handler,
        .selector = SEL_KERNEL_CODE,
        .ist = ist,
        .type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate (IF cleared) */
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

static uint64_t stub_address(int vector)
{
    return (uint64_t)&entry_stubs[vector * ENTRY_STUB_SIZE];
}

void idt_route(unsigned vector, uint64_t handler)
{
    if (vector < NUM_VECTORS) {
        idt[vector] = interrupt_gate(handler != 0 ? handler : stub_address((int)vector), 0);
    }
}

void idt_init(void)
{
    for (int v = 0; v < NUM_VECTORS; v++) {
        idt[v] = interrupt_gate(stub_address(v), 0);
    }
    idt[VEC_DF] = interrupt_gate(stub_address(VEC_DF), IST_DOUBLE_FAULT);
    idt[VEC_NMI] = interrupt_gate(stub_address(VEC_NMI), IST_NMI);
    idt[VEC_MC] = interrupt_gate(stub_address(VEC_MC), IST_MACHINE_CHECK);
    idt_load();
}

void idt_load(void)
{
    struct PACKED {
        uint16_t limit;
        uint64_t base;
    } p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p));
}
