/*
 * parent: the driver's parent PD, so its fault handler. A DMA fault of the driver's
 * device arrives here as a fault message (BST_FAULT_DMA, bastion/fault.h) that init
 * sends: checked (the child, the requester, write then read, the count), reported, and
 * the driver left running (RESUME) so that it goes on with its own checks.
 */
#include <stdint.h>

#include <bastion/vmattr.h>
#include <libbastion/pd.h>

#define DRIVER        1
#define EDU_SOURCE_ID 0x80u /* 00:10.0 */

static uint64_t seen;

void init(void)
{
    bst_printf("parent: up\n");
}

void notified(bst_channel_t ch)
{
    (void)ch;
}

bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    if (bst_msginfo_label(msginfo) != BST_FAULT_DMA) {
        bst_printf("parent: FAIL: child %u: %s\n", child,
                   bst_fault_name(bst_msginfo_label(msginfo)));
        return bst_fault_reply_stop();
    }
    uint64_t address = bst_fault_addr(), word = bst_mr_get(2), count = bst_mr_get(3);
    uint64_t source = word >> 32;
    bool write = (word & BST_IO_FAULT_WRITE) != 0;
    seen++;
    /* The driver makes its device write into the victim's memory first, then read it. */
    bool ok = child == DRIVER && source == EDU_SOURCE_ID && count == seen && write == (seen == 1) &&
              address != 0 && bst_msginfo_length(msginfo) == 4;
    bst_printf("parent: %s: DMA fault message for child %u: PCI %02x:%02x.%x %s at I/O address "
               "0x%lx (reason 0x%x); %lu so far\n",
               ok ? "ok" : "FAIL", child, (unsigned)(source >> 8), (unsigned)((source >> 3) & 0x1f),
               (unsigned)(source & 7), write ? "write" : "read", (unsigned long)address,
               (unsigned)(word & 0xff), (unsigned long)count);
    return bst_fault_reply_resume();
}
