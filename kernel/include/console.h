/* The kernel console: the architecture supplies the character sink. */
#ifndef BASTION_CONSOLE_H
#define BASTION_CONSOLE_H

/* Write one character to the console (blocking, polled: safe anywhere). */
void arch_console_putc(char c);

#endif
