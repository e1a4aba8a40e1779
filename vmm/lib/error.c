/* Refusal messages of the VMM library (error.h). */
#include <vmm/error.h>

static unsigned put(struct vmm_error *err, unsigned n, char c)
{
    if (n < VMM_ERROR_MAX - 1)
        err->msg[n++] = c;
    return n;
}

bool vmm_error_append(struct vmm_error *err, const char *text, uint64_t value, bool with_value)
{
    if (!err)
        return false;
    unsigned n = 0;
    while (n < VMM_ERROR_MAX - 1 && err->msg[n])
        n++;
    for (unsigned i = 0; text[i]; i++)
        n = put(err, n, text[i]);
    if (with_value) {
        n = put(err, n, '0');
        n = put(err, n, 'x');
        int shift = 60;
        while (shift > 0 && ((value >> shift) & 0xf) == 0)
            shift -= 4;
        for (; shift >= 0; shift -= 4)
            n = put(err, n, "0123456789abcdef"[(value >> shift) & 0xf]);
    }
    err->msg[n] = '\0';
    return false;
}

bool vmm_error_set(struct vmm_error *err, const char *text, uint64_t value, bool with_value)
{
    if (!err)
        return false;
    err->msg[0] = '\0';
    return vmm_error_append(err, text, value, with_value);
}
