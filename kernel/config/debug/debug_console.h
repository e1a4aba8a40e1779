/*
 * The debug console's line discipline (DEBUG_PUTC, docs/syscalls.md). Each thread's
 * characters are kept until its line ends and the line is then written whole, so the lines
 * of protection domains printing at the same time never interleave character by character.
 *
 * Up to DEBUG_CONSOLE_LINES threads may have a line open at once; a line longer than
 * DEBUG_CONSOLE_LINE_MAX is written in pieces of that length (each but the last without a
 * newline of its own). When a thread starts a line and every slot is held, the slot used
 * least recently is written out with a newline added, and given to the new thread.
 */
#ifndef BASTION_DEBUG_CONSOLE_H
#define BASTION_DEBUG_CONSOLE_H

#define DEBUG_CONSOLE_LINES    8
#define DEBUG_CONSOLE_LINE_MAX 160

/* One character from `owner` (a thread, compared by address only). */
void debug_console_putc(const void *owner, char c);

/* Write every open line out (each ended with a newline), e.g. before the machine stops. */
void debug_console_flush(void);

#endif
