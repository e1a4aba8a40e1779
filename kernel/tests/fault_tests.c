/*
 * Deliberate kernel faults: each must be caught, reported with the right kind, address
 * and function, and must end the run. One fault test per boot (`ktest=fault.page`).
 * The provoking functions are global and never inlined so the symbol table names them.
 */
#include <ktest.h>

#define UNMAPPED_ADDRESS 0xdead000ull

void ktest_provoke_page_fault(void);
void ktest_provoke_invalid_opcode(void);
void ktest_provoke_divide_error(void);
void ktest_provoke_write_to_rodata(void);

static const uint64_t read_only_word = 42;
static volatile int zero, one = 1;

__attribute__((noinline)) void ktest_provoke_page_fault(void)
{
    *(volatile uint64_t *)UNMAPPED_ADDRESS = 1;
}

__attribute__((noinline)) void ktest_provoke_invalid_opcode(void)
{
    __builtin_trap();
}

__attribute__((noinline)) void ktest_provoke_divide_error(void)
{
    volatile int x = one / zero; /* not 1 / zero: compilers turn that into a compare */
    (void)x;
}

__attribute__((noinline)) void ktest_provoke_write_to_rodata(void)
{
    *(volatile uint64_t *)&read_only_word = 7;
}

KTEST(fault, page)
{
    ktest_expect_fault(FAULT_PAGE, UNMAPPED_ADDRESS, "ktest_provoke_page_fault");
    ktest_provoke_page_fault();
}

KTEST(fault, invalid_opcode)
{
    ktest_expect_fault(FAULT_UNDEFINED_INSN, 0, "ktest_provoke_invalid_opcode");
    ktest_provoke_invalid_opcode();
}

KTEST(fault, divide)
{
    ktest_expect_fault(FAULT_DIVIDE, 0, "ktest_provoke_divide_error");
    ktest_provoke_divide_error();
}

/* Write-protect is on: the kernel cannot write its own read-only data. */
KTEST(fault, write_protect)
{
    ktest_expect_fault(FAULT_PAGE, (uint64_t)&read_only_word, "ktest_provoke_write_to_rodata");
    ktest_provoke_write_to_rodata();
}
