/*
 * The host tests build the kernel's generic code as the single-CPU kernel: its per-CPU
 * variables are plain globals (kernel/config/up/include/kpercpu.h, which this forwards
 * to; the kernel's own build picks it by its include path, kernel/kernel.mk).
 */
#include "../../kernel/config/up/include/kpercpu.h"
