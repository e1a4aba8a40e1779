/*
 * Program start (lib/arch/<arch>/crt0.S).
 *
 * The kernel enters a root task at its ELF entry point with the user address of the
 * boot-info page (read-only) and of the thread's IPC buffer in the first two argument
 * registers, and a 16-byte aligned stack. crt0 records the IPC buffer
 * (libbastion/ipcbuffer.h), calls main() and passes its result to bst_debug_exit():
 * 0 is a pass. Memory is not cleared by crt0: the kernel maps .bss zeroed.
 */
#ifndef LIBBASTION_START_H
#define LIBBASTION_START_H

#include <bastion/bootinfo.h>

/* The program's main function, defined by the program. */
int main(const struct bst_bootinfo *bi);

#endif
