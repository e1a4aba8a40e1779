/*
 * A QEMU TCG plugin that counts the guest instructions executed, for the network
 * benchmark's cross-check (docs/performance.md, "Network: UDP echo against Linux").
 *
 *   qemu-system-x86_64 ... -plugin insn_count.so,port=PORT
 *
 * Every translated block adds its instruction count to one counter when it starts
 * (an inline add: no call into the plugin on the execution path). A thread answers any
 * datagram sent to 127.0.0.1:PORT with "insns N": the count so far. Under -icount
 * shift=0 the guest's busy time is exactly its executed instructions, so the count's
 * difference over a measurement window is the window's busy icount cycles, whatever the
 * guest kernel's own accounting says. A block left early by an exception counts whole:
 * the count can be high by part of a block per exception.
 *
 * QEMU 7.2 ships no plugin header; the few declarations below are the plugin ABI of its
 * version 1 (include/qemu/qemu-plugin.h of that release).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);

PLUGIN_EXPORT int qemu_plugin_version = 1;
PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                      char **argv);

static uint64_t executed; /* written by the (single, -icount) vCPU thread */

static void tb_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                             qemu_plugin_tb_n_insns(tb));
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    for (;;) {
        char req[64], reply[64];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        if (recvfrom(fd, req, sizeof(req), 0, (struct sockaddr *)&from, &fromlen) < 0) {
            continue;
        }
        int n = snprintf(reply, sizeof(reply), "insns %llu\n",
                         (unsigned long long)__atomic_load_n(&executed, __ATOMIC_RELAXED));
        sendto(fd, reply, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
    }
    return NULL;
}

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    unsigned port = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "port=", 5) == 0) {
            port = (unsigned)atoi(argv[i] + 5);
        }
    }
    if (port == 0 || port > 65535) {
        fprintf(stderr, "insn_count: needs port=PORT\n");
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("insn_count: bind");
        return -1;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd) != 0) {
        return -1;
    }
    pthread_detach(thread);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_translated);
    return 0;
}
