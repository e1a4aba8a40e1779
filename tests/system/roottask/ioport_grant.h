/*
 * The direct port I/O tests (ioport_grant.c), listed apart from ROOTTASK_TESTS so that
 * main.c runs them after the rest.
 */
#ifndef ROOTTASK_IOPORT_GRANT_H
#define ROOTTASK_IOPORT_GRANT_H

#include "roottask.h"

#define IOPORT_GRANT_TESTS(X)                                                                      \
    X(test_ioport_grant_direct_access, "ioport.grant_direct_in_out")                               \
    X(test_ioport_grant_fault_message, "ioport.ungranted_in_is_a_protection_fault")                \
    X(test_ioport_grant_revoke_delete, "ioport.grant_withdrawn_by_revoke_delete_move")             \
    X(test_ioport_grant_errors, "ioport.grant_errors")                                             \
    X(test_ioport_grant_last_port, "ioport.grant_last_port_and_end_byte")                          \
    X(test_ioport_grant_two_spaces, "ioport.grant_two_spaces_each_its_own")

IOPORT_GRANT_TESTS(TEST_DECL)

#endif
