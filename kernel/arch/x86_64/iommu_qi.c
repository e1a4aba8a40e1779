/*
 * Queued invalidation of the VT-d unit (arch/iommu_unit.h): a ring of 256 16-byte
 * descriptors in kernel data (one page), the unit reading from its head, the kernel
 * writing at its tail. Each submission ends with a wait descriptor that makes the unit
 * write a status word when everything before it is done; the kernel polls that word, a
 * bounded time. The kernel runs one submission at a time with interrupts off, so the
 * ring never holds more than one submission (at most a few descriptors).
 *
 * Interrupt remapping needs it: an interrupt entry's cached copy can only be invalidated
 * through the queue. Once the queue is on, the register-based invalidation is not used.
 */
#include <arch/iommu_unit.h>
#include <arch/paging.h>
#include <kprintf.h>

#define QI_ENTRIES 256u
#define QI_WAIT    0x5ull
#define QI_WAIT_SW BIT(5) /* write the status word */
#define QI_DONE    1u
#define QI_SPIN    10000000u
#define QI_TAIL(i) ((uint64_t)(i) << 4)

static uint64_t queue[QI_ENTRIES][2] __attribute__((aligned(4096)));
static volatile uint32_t status __attribute__((aligned(8)));
static unsigned tail;
static bool on;
_Static_assert(sizeof(queue) == 4096, "one page: IQA's queue size 0");

bool iommu_qi_enabled(void)
{
    return on;
}

bool iommu_qi_enable(void)
{
    tail = 0;
    iommu_wr64(IOMMU_REG_IQT, 0);
    iommu_wr64(IOMMU_REG_IQA, kernel_image_paddr(queue)); /* 128-bit descriptors, 1 page */
    on = iommu_gcmd(IOMMU_GCMD_QIE, IOMMU_GCMD_QIE, "enabling queued invalidation");
    return on;
}

static void put(uint64_t lo, uint64_t hi)
{
    queue[tail][0] = lo;
    queue[tail][1] = hi;
    iommu_flush(queue[tail]);
    tail = (tail + 1) % QI_ENTRIES;
}

void iommu_qi_submit(const uint64_t (*desc)[2], unsigned n, const char *what)
{
    for (unsigned i = 0; i < n; i++) {
        put(desc[i][0], desc[i][1]);
    }
    status = 0;
    put(QI_WAIT | QI_WAIT_SW | ((uint64_t)QI_DONE << 32),
        kernel_image_paddr((const void *)&status));
    iommu_wr64(IOMMU_REG_IQT, QI_TAIL(tail));
    for (unsigned i = 0; i < QI_SPIN; i++) {
        if (status == QI_DONE) {
            return;
        }
        if (iommu_rd32(IOMMU_REG_FSTS) & IOMMU_FSTS_IQE) {
            break;
        }
        __asm__ volatile("pause" ::: "memory");
    }
    kprintf("iommu: warning: %s did not complete (queue error %s)\n", what,
            (iommu_rd32(IOMMU_REG_FSTS) & IOMMU_FSTS_IQE) ? "set" : "clear");
}
