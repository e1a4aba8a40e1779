/*
 * Shared between the PD runtime's files (lib/src/pd_*.c); not installed.
 */
#ifndef LIBBASTION_PD_INTERNAL_H
#define LIBBASTION_PD_INTERNAL_H

#include <stdint.h>

#include <libbastion/pd_abi.h>

/* The start info init gave this PD (NULL before the PD started). */
const struct bst_pd_startinfo *pd_start_info(void);

/* Print "libbastion: PD 'name': " + fmt (with one %u) and fault the PD. */
_Noreturn void pd_misuse(const char *fmt, unsigned value);

/* Misuse unless bit `ch` of `mask` is set; `what` is a format with one %u. */
void pd_check_channel(uint64_t mask, unsigned ch, const char *what);

#endif
