/*
 * The Linux guest's UDP echo server for the network benchmark (docs/performance.md,
 * "Network: UDP echo against Linux"), and the control port the host measures through.
 *
 *   udp_echo [-e PORT] [-1 PORT] [-c PORT] [-b BATCH]
 *
 * Each port named gets a process of its own, blocked in its receive call while nothing
 * comes (so the ones not measured cost nothing). Echo: every datagram that arrives on
 * 0.0.0.0:PORT goes back to its sender unchanged. With -e, up to BATCH (32) datagrams
 * move per system call (recvmmsg with MSG_WAITFORONE, then one sendmmsg); with -1, one
 * recvfrom and one sendto per datagram, the classic loop. The benchmark measures both
 * and takes Linux's better figure.
 *
 * Control (-c): answers requests on PORT with "key value" lines:
 *   "stat"     clock_ns (CLOCK_MONOTONIC), idle_ns (every CPU's time in the idle loop
 *              from /proc/timer_list, nanoseconds), stat_busy_ticks and stat_idle_ticks
 *              (the /proc/stat "cpu" line: user+nice+system+irq+softirq+steal, and
 *              idle+iowait, in USER_HZ ticks) and user_hz. The host takes one at each end
 *              of a measurement window: busy = d(clock_ns) - d(idle_ns).
 *   "spin N"   runs a loop of exactly 2N instructions (dec, jnz) and reports spin_ns,
 *              the CLOCK_MONOTONIC time it took: under -icount shift=0 that is 2N ns
 *              plus whatever interrupted it, the check of the unit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAM 65536
#define MAX_BATCH    64
#define REPLY_MAX    1024

static int bind_udp(unsigned port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("udp_echo: socket");
        exit(1);
    }
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("udp_echo: bind");
        exit(1);
    }
    return fd;
}

/* One datagram per recvfrom/sendto. */
static void echo_single(int fd)
{
    static char buf[MAX_DATAGRAM];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n >= 0) {
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
        }
    }
}

/* Up to `batch` datagrams per recvmmsg (waiting for the first only) and per sendmmsg. */
static void echo_batched(int fd, unsigned batch)
{
    static char bufs[MAX_BATCH][2048];
    static struct sockaddr_in from[MAX_BATCH];
    static struct iovec iov[MAX_BATCH];
    static struct mmsghdr msgs[MAX_BATCH];
    for (;;) {
        for (unsigned i = 0; i < batch; i++) {
            iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof(bufs[i])};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
                                              .msg_namelen = sizeof(from[i]),
                                              .msg_iov = &iov[i],
                                              .msg_iovlen = 1};
        }
        int n = recvmmsg(fd, msgs, batch, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            iov[i].iov_len = msgs[i].msg_len;
        }
        for (int sent = 0; sent < n;) {
            int k = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
            if (k <= 0) {
                break; /* a full socket buffer: UDP may drop, as the kernel would */
            }
            sent += k;
        }
    }
}

static uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The idle time of every CPU from /proc/timer_list (idle_sleeptime + iowait_sleeptime,
 * nanoseconds, kept by the tick code from the monotonic clock at each idle entry and
 * exit), or -1 where that file is missing. */
static long long timer_list_idle_ns(void)
{
    FILE *f = fopen("/proc/timer_list", "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    long long sum = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strstr(line, ".idle_sleeptime") != NULL || strstr(line, ".iowait_sleeptime") != NULL) {
            char *p = strchr(line, ':');
            sum = (sum < 0 ? 0 : sum) + (p ? atoll(p + 1) : 0);
        }
    }
    fclose(f);
    return sum;
}

/* The /proc/stat "cpu" line, as busy and idle ticks. */
static void stat_ticks(unsigned long long *busy, unsigned long long *idle)
{
    unsigned long long v[10] = {0};
    FILE *f = fopen("/proc/stat", "r");
    *busy = *idle = 0;
    if (f == NULL) {
        return;
    }
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) == 8) {
        /* user nice system idle iowait irq softirq steal */
        *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        *idle = v[3] + v[4];
    }
    fclose(f);
}

/* A loop of exactly 2n instructions. */
static void spin(uint64_t n)
{
    if (n == 0) {
        return;
    }
    __asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

static int control_reply(const char *req, char *out, size_t max)
{
    if (strncmp(req, "stat", 4) == 0) {
        unsigned long long busy, idle;
        uint64_t now = clock_ns();
        long long idle_ns = timer_list_idle_ns();
        stat_ticks(&busy, &idle);
        return snprintf(out, max,
                        "clock_ns %llu\nidle_ns %lld\nstat_busy_ticks %llu\n"
                        "stat_idle_ticks %llu\nuser_hz %ld\n",
                        (unsigned long long)now, idle_ns, busy, idle, sysconf(_SC_CLK_TCK));
    }
    if (strncmp(req, "spin ", 5) == 0) {
        uint64_t n = strtoull(req + 5, NULL, 10);
        uint64_t t0 = clock_ns();
        spin(n);
        uint64_t t1 = clock_ns();
        return snprintf(out, max, "spin_insns %llu\nspin_ns %llu\n", (unsigned long long)(2 * n),
                        (unsigned long long)(t1 - t0));
    }
    return snprintf(out, max, "error unknown request\n");
}

static void control(int fd)
{
    char req[256], reply[REPLY_MAX];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(fd, req, sizeof(req) - 1, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            continue;
        }
        req[n] = '\0';
        int len = control_reply(req, reply, sizeof(reply));
        if (len > 0) {
            sendto(fd, reply, (size_t)len < sizeof(reply) ? (size_t)len : sizeof(reply) - 1, 0,
                   (struct sockaddr *)&from, fromlen);
        }
    }
}

/* Run `serve` on `fd` in a process of its own. */
static void start_server(const char *what, unsigned port, void (*serve)(int fd, unsigned arg),
                         unsigned arg)
{
    int fd = bind_udp(port);
    pid_t child = fork();
    if (child < 0) {
        perror("udp_echo: fork");
        exit(1);
    }
    if (child == 0) {
        serve(fd, arg);
        exit(1);
    }
    close(fd);
    printf("udp_echo: %s on port %u\n", what, port);
}

static void serve_single(int fd, unsigned arg)
{
    (void)arg;
    echo_single(fd);
}

static void serve_control(int fd, unsigned arg)
{
    (void)arg;
    control(fd);
}

static int usage(void)
{
    fprintf(stderr, "usage: udp_echo [-e PORT] [-1 PORT] [-c PORT] [-b BATCH]\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned batch = 32, batch_port = 0, single_port = 0, control_port = 0;
    int opt;
    while ((opt = getopt(argc, argv, "e:1:c:b:")) != -1) {
        switch (opt) {
        case 'e':
            batch_port = (unsigned)atoi(optarg);
            break;
        case '1':
            single_port = (unsigned)atoi(optarg);
            break;
        case 'c':
            control_port = (unsigned)atoi(optarg);
            break;
        case 'b':
            batch = (unsigned)atoi(optarg);
            break;
        default:
            return usage();
        }
    }
    if (optind != argc || batch < 1 || batch > MAX_BATCH ||
        (batch_port | single_port | control_port) == 0) {
        return usage();
    }
    if (batch_port != 0) {
        start_server("echo, recvmmsg/sendmmsg", batch_port, echo_batched, batch);
    }
    if (single_port != 0) {
        start_server("echo, recvfrom/sendto", single_port, serve_single, 0);
    }
    if (control_port != 0) {
        start_server("control", control_port, serve_control, 0);
    }
    fflush(stdout);
    for (;;) {
        pause(); /* the servers run until the machine stops */
    }
}
