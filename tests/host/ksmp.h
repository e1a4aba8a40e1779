/*
 * The host tests build the kernel's generic code as the single-CPU kernel: its cross-CPU
 * operations are empty (kernel/config/up/include/ksmp.h, which this forwards to; the
 * kernel's own build picks it by its include path, kernel/kernel.mk).
 */
#include "../../kernel/config/up/include/ksmp.h"
