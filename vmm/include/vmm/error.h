/*
 * Why the VMM library refused something: a message for a person, formatted into a
 * buffer the caller owns (no globals). vmm_error_set() formats "%s" pieces and numbers
 * without a C library: the library builds freestanding.
 */
#ifndef VMM_ERROR_H
#define VMM_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_ERROR_MAX 160

struct vmm_error {
    char msg[VMM_ERROR_MAX];
};

/* Set err (if not NULL) to text followed by value in hex ("0x..."), or text alone when
 * with_value is false. Always returns false, so that a check reads
 * `return vmm_error_set(err, "...", v, true);`. */
bool vmm_error_set(struct vmm_error *err, const char *text, uint64_t value, bool with_value);

/* The same, appended to what err already says (cut at VMM_ERROR_MAX - 1 characters). */
bool vmm_error_append(struct vmm_error *err, const char *text, uint64_t value, bool with_value);

#endif
