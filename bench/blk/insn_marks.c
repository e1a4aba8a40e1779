/*
 * A QEMU TCG plugin for the block benchmark (docs/performance.md, "Block: against Linux"):
 * it counts the guest instructions executed, as bench/net/insn_count.c does, and records
 * the count each time the guest executes a marker instruction, so that a workload running
 * on its own inside the guest brackets its measured phases exactly, with no host timing in
 * the way.
 *
 *   qemu-system-x86_64 ... -plugin insn_marks.so,marks=FILE
 *
 * The marker is a long NOP that no compiler emits, `nopl 0x4b42VVVV(%rax)` (0f 1f 80 and a
 * 32-bit displacement whose high half is 0x4b42, "BK"): harmless in any mode, so a Linux
 * process and a Bastion PD mark the same way (bench/blk/blk_pattern.h). Each execution of
 * one appends a line to FILE, flushed at once:
 *
 *   mark VVVV INSNS KERNEL
 *
 * VVVV the marker's low half (hex), INSNS the instructions executed so far, KERNEL those of
 * them in translated blocks that start in the upper half of the address space (both
 * kernels live there, their user programs in the lower half). At exit: `total INSNS
 * KERNEL`. Every translated block adds its instruction count when it starts (inline, no
 * call), so a count read at a marker includes the rest of the marker's block: a few
 * instructions, the same at both ends of a phase. Under -icount shift=0 the instructions
 * executed between two markers are the phase's busy icount cycles; a halted vCPU executes
 * none.
 *
 * QEMU 7.2 ships no plugin header; the declarations below are the plugin ABI of its
 * version 1 (include/qemu/qemu-plugin.h of that release).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

PLUGIN_EXPORT int qemu_plugin_version = 1;
PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                      char **argv);

#define MARKER_MAGIC 0x4b42u /* the displacement's high half */

/* Written by the (single, -icount) vCPU thread only. */
static uint64_t executed, executed_upper;
static FILE *marks;

static int is_upper(uint64_t vaddr)
{
    return (vaddr >> 63) != 0;
}

/* The marker's low half, or -1 when `insn` is no marker. */
static long marker_value(const struct qemu_plugin_insn *insn)
{
    const uint8_t *b = qemu_plugin_insn_data(insn);
    if (qemu_plugin_insn_size(insn) != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80) {
        return -1;
    }
    uint32_t disp =
        (uint32_t)b[3] | (uint32_t)b[4] << 8 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 24;
    return (disp >> 16) == MARKER_MAGIC ? (long)(disp & 0xffffu) : -1;
}

static void marker_executed(unsigned int vcpu, void *value)
{
    (void)vcpu;
    fprintf(marks, "mark %04lx %llu %llu\n", (unsigned long)(uintptr_t)value,
            (unsigned long long)executed, (unsigned long long)executed_upper);
    fflush(marks);
}

static void tb_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
    if (is_upper(qemu_plugin_tb_vaddr(tb))) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed_upper,
                                                 n);
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        long value = marker_value(insn);
        if (value >= 0) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_executed, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)value);
        }
    }
}

static void at_exit(qemu_plugin_id_t id, void *unused)
{
    (void)id;
    (void)unused;
    fprintf(marks, "total %llu %llu\n", (unsigned long long)executed,
            (unsigned long long)executed_upper);
    fclose(marks);
}

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "marks=", 6) == 0) {
            path = argv[i] + 6;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "insn_marks: needs marks=FILE\n");
        return -1;
    }
    marks = fopen(path, "w");
    if (marks == NULL) {
        perror("insn_marks: marks file");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_translated);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
