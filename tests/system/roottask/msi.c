/*
 * MSI handler caps without a device: IRQ_CONTROL_GET_MSI's argument errors, the
 * message it returns (the x86_64 local APIC address, a vector of the MSI range, one per
 * handler), every vector issued once and then REVOKE_FIRST, a deleted handler's vector
 * issued again, and the handler invocations on an MSI line. Delivery needs a device:
 * init/tests/pci raises MSIs with QEMU's edu device.
 */
#include "roottask.h"

#include <libbastion/device.h>
#include <libbastion/ipc.h>

#define IRQ_CONTROL       ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define MSI_VECTORS       32   /* the kernel's MSI lines (kernel/include/irq/irq.h) */
#define MSI_FIRST_VECTOR  0x48 /* IRQ_VECTOR_BASE + the IOAPIC's 24 lines */
#define LAPIC_MSI_ADDRESS 0xfee00000u

static bst_error_t msi_get(bst_cptr_t slot, struct bst_msi_message *m)
{
    return bst_irq_control_get_msi(IRQ_CONTROL, ROOT_CNODE, slot, m);
}

void test_devices_msi_errors(void)
{
    bst_cptr_t ep, slot = slot_alloc(), occupied;
    struct bst_msi_message m;
    uint64_t one = ROOT_CNODE;
    CHECK_ERR(bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_MSI, &one, 1, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_ERR(bst_irq_control_get_msi(IRQ_CONTROL, ep, slot, &m), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_irq_control_get_msi(IRQ_CONTROL, slot, slot, &m), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_irq_control_get_msi(IRQ_CONTROL, 1ull << 62, slot, &m), BST_FAILED_LOOKUP);
    CHECK_ERR(msi_get(0, &m), BST_RANGE_ERROR);
    CHECK_ERR(msi_get(1u << env_bootinfo()->root_cnode_radix, &m), BST_RANGE_ERROR);
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &occupied));
    CHECK_ERR(msi_get(occupied, &m), BST_SLOT_OCCUPIED);
    CHECK_ERR(bst_irq_control_get_msi(ROOT_TCB, ROOT_CNODE, slot, &m), BST_ILLEGAL_OPERATION);
}

void test_devices_msi_vectors(void)
{
    bst_cptr_t h[MSI_VECTORS], extra = slot_alloc();
    struct bst_msi_message m[MSI_VECTORS], again;
    for (unsigned i = 0; i < MSI_VECTORS; i++) {
        h[i] = slot_alloc();
        CHECK_OK(msi_get(h[i], &m[i]));
        CHECK(m[i].address == LAPIC_MSI_ADDRESS, "MSI %u: address %#lx", i,
              (unsigned long)m[i].address);
        CHECK(m[i].data >= MSI_FIRST_VECTOR && m[i].data < MSI_FIRST_VECTOR + MSI_VECTORS,
              "MSI %u: data %#lx is not a vector of the MSI range", i, (unsigned long)m[i].data);
        for (unsigned j = 0; j < i; j++)
            CHECK(m[j].data != m[i].data, "MSIs %u and %u share vector %#lx", j, i,
                  (unsigned long)m[i].data);
    }
    CHECK_ERR(msi_get(extra, &again), BST_REVOKE_FIRST);
    /* A handler's vector is free again once its (last) cap is deleted. */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, h[5], BST_ROOT_DEPTH));
    CHECK_OK(msi_get(extra, &again));
    CHECK(again.data == m[5].data, "the freed vector %#lx was not reissued (got %#lx)",
          (unsigned long)m[5].data, (unsigned long)again.data);
    /* The handler invocations of an MSI line. */
    bst_cptr_t ntfn, ro = slot_alloc(), ep;
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, ro, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                            BST_RIGHT_READ, 0));
    CHECK_ERR(bst_irq_handler_set_notification(extra, ep), BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_irq_handler_set_notification(extra, ro), BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(bst_irq_handler_set_notification(extra, ntfn));
    CHECK_OK(bst_irq_handler_ack(extra)); /* nothing latched: nothing delivered */
    uint64_t word;
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "an MSI acknowledged without arriving delivered %#lx", (unsigned long)word);
    CHECK_OK(bst_irq_handler_clear(extra));
    CHECK_ERR(bst_invoke(extra, BST_INV_IRQ_CONTROL_GET_MSI, NULL, 0, NULL, 0),
              BST_ILLEGAL_OPERATION);
    for (unsigned i = 0; i < MSI_VECTORS; i++)
        if (i != 5)
            CHECK_OK(bst_cnode_delete(ROOT_CNODE, h[i], BST_ROOT_DEPTH));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, extra, BST_ROOT_DEPTH));
}
