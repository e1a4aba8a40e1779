/*
 * stdlib functions of the network libc subset (libc/include/stdlib.h).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int atoi(const char *s)
{
    while (is_blank(*s))
        s++;
    bool negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    /* Accumulate the magnitude as a negative number: INT_MIN has no positive twin. */
    long long value = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        value = value * 10 - (*s - '0');
        if (value < INT_MIN) {
            value = INT_MIN;
            if (!negative)
                break;
        }
    }
    if (!negative)
        return value <= -(long long)INT_MAX ? INT_MAX : (int)-value;
    return (int)value;
}

int abs(int value)
{
    return value < 0 ? -value : value;
}
