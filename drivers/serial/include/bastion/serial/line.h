/*
 * A line being put together from a client's output, as the transmit virtualiser forwards
 * it: complete at a '\n' (which it keeps) or at SERIAL_LINE_MAX bytes, whichever comes
 * first. Pure code over private memory (the source may be a peer's shared memory: each
 * byte is read once, and nothing read can make the line outgrow its array).
 */
#ifndef BASTION_SERIAL_LINE_H
#define BASTION_SERIAL_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/serial/protocol.h>

struct serial_line {
    uint8_t bytes[SERIAL_LINE_MAX];
    uint32_t length;
    bool complete;
};

static inline void serial_line_reset(struct serial_line *line)
{
    line->length = 0;
    line->complete = false;
}

/* Take bytes from src[0 .. n) until the line is complete; returns how many were taken
 * (0 when it was complete already). */
static inline uint32_t serial_line_append(struct serial_line *line, const volatile uint8_t *src,
                                          uint32_t n)
{
    uint32_t taken = 0;
    while (taken < n && !line->complete) {
        uint8_t byte = src[taken++];
        line->bytes[line->length++] = byte;
        line->complete = byte == '\n' || line->length == SERIAL_LINE_MAX;
    }
    return taken;
}

#endif /* BASTION_SERIAL_LINE_H */
