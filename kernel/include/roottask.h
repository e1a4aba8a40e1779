/*
 * Starting the root task: the kernel loads the first boot module, an ELF executable,
 * into a fresh address space made from the root task's own untyped memory, and starts
 * it. Every object it makes (VSpace, page tables, frames, TCB) is an ordinary object
 * with its cap in the root CNode, so the root task owns and can account for all of it.
 *
 * The root task's view at entry (see docs/syscalls.md and bastion/bootinfo.h): rdi =
 * the boot-info page's address, rsi = its IPC buffer's address, rsp = the top of a
 * 64 KiB stack; priority ROOT_PRIORITY, maximum controlled priority 255.
 */
#ifndef BASTION_ROOTTASK_H
#define BASTION_ROOTTASK_H

#include "boot.h"
#include "rootcaps.h"

#define ROOT_PRIORITY         1
#define ROOT_MCP              255
#define ROOT_REGION           0x00007fffffe00000ull /* the last 2 MiB of user space */
#define ROOT_BOOTINFO_VADDR   (ROOT_REGION + 0x1000)
#define ROOT_IPC_BUFFER_VADDR (ROOT_REGION + 0x3000)
#define ROOT_STACK_BOTTOM     (ROOT_REGION + 0x10000)
#define ROOT_STACK_TOP        (ROOT_REGION + 0x20000)

/* Build and start the root task from `module`. Returns NULL on success, else why it
 * could not be started (the message names the problem; nothing is left running). */
const char *roottask_start(const struct boot_module *module, const struct root_caps *rc);

#endif
