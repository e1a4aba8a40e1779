/*
 * Test build only (init-tamper.elf): give the first PD one capability the spec does not
 * give it, so that the test can see check_cspaces() notice and report it.
 */
#include "init.h"

#include <libbastion/cnode.h>

#define TAMPER_SLOT 63u

void check_tamper(void)
{
    const struct bastion_spec_pd *pd = &the_spec.pds[0];
    bst_printf("init: test build: giving PD '%s' an extra cap in slot %u on purpose\n",
               spec_string(&the_spec, pd->name), TAMPER_SLOT);
    bst_cnode_copy(pd_states[0].cspace, TAMPER_SLOT, BST_ROOT_DEPTH, ROOT_CNODE,
                   object_slot(pd->tcb, 0), BST_ROOT_DEPTH, BST_RIGHTS_ALL);
}
