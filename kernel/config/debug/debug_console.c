/*
 * The debug console's line discipline (debug_console.h): a small table of open lines, one
 * per thread that has printed part of a line, written to arch_console_putc() whole.
 */
#include "debug_console.h"

#include <console.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct open_line {
    const void *owner; /* NULL: the slot is free */
    uint64_t last_use; /* for choosing the slot to give up */
    uint32_t len;
    char text[DEBUG_CONSOLE_LINE_MAX];
};

static struct open_line lines[DEBUG_CONSOLE_LINES];
static uint64_t uses;

static void write_out(struct open_line *l, bool add_newline)
{
    for (uint32_t i = 0; i < l->len; i++) {
        arch_console_putc(l->text[i]);
    }
    if (add_newline) {
        arch_console_putc('\n');
    }
    l->len = 0;
}

/* The owner's slot; else a free one; else the least recently used, written out first. */
static struct open_line *slot_of(const void *owner)
{
    struct open_line *free_slot = NULL, *oldest = &lines[0];
    for (size_t i = 0; i < DEBUG_CONSOLE_LINES; i++) {
        struct open_line *l = &lines[i];
        if (l->owner == owner) {
            return l;
        }
        if (l->owner == NULL && free_slot == NULL) {
            free_slot = l;
        }
        if (l->last_use < oldest->last_use) {
            oldest = l;
        }
    }
    if (free_slot != NULL) {
        return free_slot;
    }
    write_out(oldest, true);
    return oldest;
}

void debug_console_putc(const void *owner, char c)
{
    struct open_line *l = slot_of(owner);
    l->owner = owner;
    l->last_use = ++uses;
    if (c == '\n') {
        write_out(l, true);
        l->owner = NULL;
        return;
    }
    l->text[l->len++] = c;
    if (l->len == DEBUG_CONSOLE_LINE_MAX) {
        write_out(l, false);
    }
}

void debug_console_flush(void)
{
    for (size_t i = 0; i < DEBUG_CONSOLE_LINES; i++) {
        if (lines[i].owner != NULL) {
            write_out(&lines[i], true);
            lines[i].owner = NULL;
        }
    }
}
