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
 * With profile=FILE (and optionally profile_phase=K) it also keeps a count per translated
 * block, and at exit writes, for every block executed inside the measured phases (between
 * a begin and the next end marker; with profile_phase only the K-th such pair, from 0):
 *
 *   tb VADDR HOSTPAGE INSNS EXECUTIONS BYTES
 *
 * VADDR its guest address, HOSTPAGE the host page its code lies in (the same guest virtual
 * address in two address spaces is two physical frames, so two host pages: that tells
 * Bastion's PDs apart, which are all linked at the same address), INSNS its instructions,
 * EXECUTIONS how often it ran in the phases, BYTES its first code bytes in hex (to find
 * which program it is). bench/blk/profile.py turns that into a profile per PD and function.
 * The counts are inline adds as well; begin and end markers walk every block's record.
 *
 * QEMU 7.2 ships no plugin header; the declarations below are the plugin ABI of its
 * version 1 (include/qemu/qemu-plugin.h of that release).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);
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
#define MARK_BEGIN   0x0001u
#define MARK_END     0x0002u
#define TB_BYTES     16u

/* One translated block, when profiling. */
struct tb_record {
    struct tb_record *next;
    uint64_t vaddr;
    uintptr_t host_page;
    uint64_t executions; /* inline add: every execution */
    uint64_t at_begin;   /* executions at the last begin marker */
    uint64_t in_phases;  /* executions between begin and end markers */
    uint32_t insns;
    uint32_t nbytes;
    uint8_t bytes[TB_BYTES];
};

/* Written by the (single, -icount) vCPU thread only. */
static uint64_t executed, executed_upper;
static FILE *marks, *profile;
static struct tb_record *records;
static long profile_phase = -1; /* -1: every phase */
static long begins_seen;
static int profiling; /* inside a profiled phase */

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

/* Begin: remember every block's count; end: add what ran since. */
static void profile_marker(unsigned long value)
{
    if (value == MARK_BEGIN) {
        profiling = profile_phase < 0 || begins_seen == profile_phase;
        begins_seen++;
        for (struct tb_record *r = records; profiling && r != NULL; r = r->next) {
            r->at_begin = r->executions;
        }
    } else if (value == MARK_END && profiling) {
        for (struct tb_record *r = records; r != NULL; r = r->next) {
            r->in_phases += r->executions - r->at_begin;
        }
        profiling = 0;
    }
}

static void marker_executed(unsigned int vcpu, void *value)
{
    (void)vcpu;
    if (profile != NULL) {
        profile_marker((unsigned long)(uintptr_t)value);
    }
    fprintf(marks, "mark %04lx %llu %llu\n", (unsigned long)(uintptr_t)value,
            (unsigned long long)executed, (unsigned long long)executed_upper);
    fflush(marks);
}

/* Profiling: a record for the block, counted inline. Allocation failure leaves it out. */
static void profile_tb(struct qemu_plugin_tb *tb, size_t n)
{
    struct tb_record *r = calloc(1, sizeof *r);
    if (r == NULL || n == 0) {
        free(r);
        return;
    }
    r->vaddr = qemu_plugin_tb_vaddr(tb);
    r->insns = (uint32_t)n;
    for (size_t i = 0; i < n && r->nbytes < TB_BYTES; i++) {
        const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint8_t *b = qemu_plugin_insn_data(insn);
        size_t size = qemu_plugin_insn_size(insn);
        if (i == 0) {
            r->host_page = (uintptr_t)qemu_plugin_insn_haddr(insn) & ~(uintptr_t)0xfff;
        }
        for (size_t j = 0; j < size && r->nbytes < TB_BYTES; j++) {
            r->bytes[r->nbytes++] = b[j];
        }
    }
    /* A block entered inside a profiled phase starts from 0, as at_begin says. */
    r->next = records;
    records = r;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &r->executions, 1);
}

static void tb_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (profile != NULL) {
        profile_tb(tb, n);
    }
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
    if (profile == NULL) {
        return;
    }
    for (struct tb_record *r = records; r != NULL; r = r->next) {
        if (r->in_phases == 0) {
            continue;
        }
        fprintf(profile, "tb %llx %llx %u %llu ", (unsigned long long)r->vaddr,
                (unsigned long long)r->host_page, r->insns, (unsigned long long)r->in_phases);
        for (uint32_t i = 0; i < r->nbytes; i++) {
            fprintf(profile, "%02x", r->bytes[i]);
        }
        fputc('\n', profile);
    }
    fclose(profile);
}

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    const char *path = NULL, *profile_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "marks=", 6) == 0) {
            path = argv[i] + 6;
        } else if (strncmp(argv[i], "profile=", 8) == 0) {
            profile_path = argv[i] + 8;
        } else if (strncmp(argv[i], "profile_phase=", 14) == 0) {
            profile_phase = strtol(argv[i] + 14, NULL, 0);
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
    if (profile_path != NULL && (profile = fopen(profile_path, "w")) == NULL) {
        perror("insn_marks: profile file");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_translated);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
