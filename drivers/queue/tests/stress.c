/*
 * Two-thread stress tests of the queue library and its sleeping protocol (signal.h).
 *
 * A client thread owns NBUF buffers of a shared region; it writes a sequence number and a
 * pattern into each, sends it on the active ring, and takes it back from the free ring.
 * A driver thread takes buffers from active, checks that they arrive exactly once and in
 * order with the data the client wrote, and gives them back on free. Each thread sleeps
 * on its own notification (a mutex/condition-variable stand-in for the kernel's:
 * signals coalesce, a signal sent before the wait is kept) whenever it has nothing to do,
 * following signal.h; a small ring makes both sides fill it and sleep often.
 *
 * A lost wake-up leaves both threads asleep: the watchdog in the main thread then fails
 * the test (it bounds how long a hung run is waited for; nothing is timed otherwise).
 * Every buffer's owner is tracked with atomic compare-exchange, so a buffer held by both
 * sides is caught the moment the second one takes it. Built both with ASan+UBSan (suite
 * queue-host) and with ThreadSanitizer (suite queue-host-tsan).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bastion/queue/queue.h>

#include "check.h"

#define BUFFER_SIZE      64u
#define WATCHDOG_SECONDS 120

/* A notification: one bit; signals coalesce; a signal before the wait is not lost. */
struct notification {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int signalled;
    unsigned long signals;
};

static void notification_signal(struct notification *n)
{
    pthread_mutex_lock(&n->lock);
    n->signalled = 1;
    n->signals++;
    pthread_cond_signal(&n->cond);
    pthread_mutex_unlock(&n->lock);
}

static void notification_wait(struct notification *n)
{
    pthread_mutex_lock(&n->lock);
    while (!n->signalled) {
        pthread_cond_wait(&n->cond, &n->lock);
    }
    n->signalled = 0;
    pthread_mutex_unlock(&n->lock);
}

enum owner { OWNER_CLIENT, OWNER_ACTIVE, OWNER_DRIVER, OWNER_FREE };

struct stress_config {
    uint32_t capacity;
    uint32_t buffers;
    uint64_t items;
    int yield_every; /* the driver yields now and then (0: never), to vary interleavings */
};

struct stress {
    struct stress_config config;
    struct queue_handle client_q, driver_q; /* each side's own handle */
    unsigned char *region;
    int *owner; /* enum owner per buffer, accessed atomically */
    struct notification client_note, driver_note;
    unsigned long client_sleeps, driver_sleeps;
    uint64_t sent, received; /* progress, read by the watchdog's report */
    int failed;              /* atomic: the first failure wins the message */
    char failure[200];
    pthread_mutex_t done_lock;
    pthread_cond_t done_cond;
    int done;
};

static void stress_fail(struct stress *s, const char *what, uint64_t value)
{
    if (__atomic_exchange_n(&s->failed, 1, __ATOMIC_ACQ_REL) == 0) {
        snprintf(s->failure, sizeof(s->failure), "%s (%llu)", what, (unsigned long long)value);
    }
}

/* Move buffer b from one owner to the next; anything else is a double ownership. */
static int stress_take(struct stress *s, uint64_t offset, enum owner from, enum owner to)
{
    if (offset % BUFFER_SIZE != 0 || offset / BUFFER_SIZE >= s->config.buffers) {
        stress_fail(s, "descriptor names no buffer", offset);
        return 0;
    }
    int expected = (int)from;
    if (!__atomic_compare_exchange_n(&s->owner[offset / BUFFER_SIZE], &expected, (int)to, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        stress_fail(s, "buffer taken by a side that must not have it", offset);
        return 0;
    }
    return 1;
}

static void stress_finished(struct stress *s)
{
    pthread_mutex_lock(&s->done_lock);
    s->done++;
    pthread_cond_signal(&s->done_cond);
    pthread_mutex_unlock(&s->done_lock);
}

static uint32_t item_length(uint64_t seq)
{
    return (uint32_t)(sizeof(uint64_t) + seq % (BUFFER_SIZE - sizeof(uint64_t) + 1));
}

/* Client: fill buffers, send them on active, take them back from free. */
static void *client_main(void *arg)
{
    struct stress *s = arg;
    struct queue_handle *q = &s->client_q;
    uint64_t *held = calloc(s->config.buffers, sizeof(uint64_t)); /* offsets in hand */
    uint32_t nheld = 0;
    for (uint32_t b = 0; b < s->config.buffers; b++) {
        held[nheld++] = b * BUFFER_SIZE;
    }
    uint64_t sent = 0;
    while (!__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
        int progress = 0, enqueued = 0, dequeued = 0;
        while (sent < s->config.items && nheld > 0) {
            uint64_t offset = held[nheld - 1];
            unsigned char *data = s->region + offset;
            uint32_t length = item_length(sent);
            memcpy(data, &sent, sizeof(sent));
            memset(data + sizeof(sent), (int)(sent & 0xff), length - sizeof(sent));
            __atomic_store_n(&s->owner[offset / BUFFER_SIZE], OWNER_ACTIVE, __ATOMIC_RELEASE);
            struct queue_buffer buf = {.offset = offset, .length = length};
            if (queue_enqueue_active(q, buf) != QUEUE_OK) {
                __atomic_store_n(&s->owner[offset / BUFFER_SIZE], OWNER_CLIENT, __ATOMIC_RELEASE);
                break;
            }
            nheld--;
            sent++;
            enqueued = 1;
        }
        __atomic_store_n(&s->sent, sent, __ATOMIC_RELAXED);
        if (enqueued && queue_ring_should_notify_consumer(&q->active)) {
            notification_signal(&s->driver_note);
        }
        struct queue_result got;
        while ((got = queue_dequeue_free(q)).status != QUEUE_EMPTY) {
            if (got.status != QUEUE_OK ||
                !stress_take(s, got.buffer.offset, OWNER_FREE, OWNER_CLIENT)) {
                stress_fail(s, "bad buffer on the free ring", got.buffer.offset);
                break;
            }
            held[nheld++] = got.buffer.offset;
            dequeued = 1;
        }
        if (dequeued && queue_ring_should_notify_producer(&q->free)) {
            notification_signal(&s->driver_note);
        }
        progress = enqueued || dequeued;
        if (sent == s->config.items && nheld == s->config.buffers) {
            break;
        }
        if (progress) {
            continue;
        }
        /* Nothing to do: wait for buffers back and, with one to send, for room. */
        int sleep = queue_ring_consumer_may_sleep(&q->free);
        if (sleep && sent < s->config.items && nheld > 0) {
            sleep = queue_ring_producer_may_sleep(&q->active);
        }
        if (sleep) {
            s->client_sleeps++;
            notification_wait(&s->client_note);
        }
    }
    free(held);
    stress_finished(s);
    return NULL;
}

/* Driver: take buffers from active, check them, give them back on free. */
static void *driver_main(void *arg)
{
    struct stress *s = arg;
    struct queue_handle *q = &s->driver_q;
    uint64_t *pending = calloc(s->config.buffers, sizeof(uint64_t)); /* to give back */
    uint32_t npending = 0;
    uint64_t received = 0, steps = 0;
    while (!__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
        int enqueued = 0, dequeued = 0;
        struct queue_result got;
        while ((got = queue_dequeue_active(q)).status != QUEUE_EMPTY) {
            if (got.status != QUEUE_OK ||
                !stress_take(s, got.buffer.offset, OWNER_ACTIVE, OWNER_DRIVER)) {
                stress_fail(s, "bad buffer on the active ring", got.buffer.offset);
                break;
            }
            const unsigned char *data = s->region + got.buffer.offset;
            uint64_t seq;
            memcpy(&seq, data, sizeof(seq));
            if (seq != received) {
                stress_fail(s, "out of order, duplicated or lost: expected", received);
            } else if (got.buffer.length != item_length(seq) ||
                       data[got.buffer.length - 1] !=
                           (got.buffer.length > sizeof(seq) ? (seq & 0xff) : data[7])) {
                stress_fail(s, "wrong length or data", seq);
            }
            received++;
            pending[npending++] = got.buffer.offset;
            dequeued = 1;
            if (npending == s->config.buffers) {
                break;
            }
        }
        __atomic_store_n(&s->received, received, __ATOMIC_RELAXED);
        if (dequeued && queue_ring_should_notify_producer(&q->active)) {
            notification_signal(&s->client_note);
        }
        while (npending > 0) {
            uint64_t offset = pending[npending - 1];
            if (!stress_take(s, offset, OWNER_DRIVER, OWNER_FREE)) {
                break;
            }
            struct queue_buffer buf = {.offset = offset, .length = BUFFER_SIZE};
            if (queue_enqueue_free(q, buf) != QUEUE_OK) {
                __atomic_store_n(&s->owner[offset / BUFFER_SIZE], OWNER_DRIVER, __ATOMIC_RELEASE);
                break;
            }
            npending--;
            enqueued = 1;
        }
        if (enqueued && queue_ring_should_notify_consumer(&q->free)) {
            notification_signal(&s->client_note);
        }
        if (received == s->config.items && npending == 0) {
            break;
        }
        if (s->config.yield_every && ++steps % (uint64_t)s->config.yield_every == 0) {
            sched_yield();
        }
        if (enqueued || dequeued) {
            continue;
        }
        /* Nothing to do: wait for requests and, with buffers to give back, for room. */
        int sleep = queue_ring_consumer_may_sleep(&q->active);
        if (sleep && npending > 0) {
            sleep = queue_ring_producer_may_sleep(&q->free);
        }
        if (sleep) {
            s->driver_sleeps++;
            notification_wait(&s->driver_note);
        }
    }
    free(pending);
    stress_finished(s);
    return NULL;
}

/* Wait for both threads; 0 if they did not finish within the watchdog's bound. */
static int stress_wait(struct stress *s)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WATCHDOG_SECONDS;
    pthread_mutex_lock(&s->done_lock);
    int rc = 0;
    while (s->done < 2 && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&s->done_cond, &s->done_lock, &deadline);
    }
    int done = s->done == 2;
    pthread_mutex_unlock(&s->done_lock);
    return done;
}

static void stress_run(struct stress_config config)
{
    struct stress *s = calloc(1, sizeof(*s));
    struct queue_ring *free_ring = calloc(1, QUEUE_RING_BYTES(config.capacity));
    struct queue_ring *active_ring = calloc(1, QUEUE_RING_BYTES(config.capacity));
    s->config = config;
    s->region = calloc(config.buffers, BUFFER_SIZE);
    s->owner = calloc(config.buffers, sizeof(int));
    uint64_t region_size = (uint64_t)config.buffers * BUFFER_SIZE;
    CHECK(queue_init(&s->client_q, free_ring, active_ring, config.capacity, region_size) ==
          QUEUE_OK);
    CHECK(queue_init(&s->driver_q, free_ring, active_ring, config.capacity, region_size) ==
          QUEUE_OK);
    pthread_mutex_init(&s->client_note.lock, NULL);
    pthread_cond_init(&s->client_note.cond, NULL);
    pthread_mutex_init(&s->driver_note.lock, NULL);
    pthread_cond_init(&s->driver_note.cond, NULL);
    pthread_mutex_init(&s->done_lock, NULL);
    pthread_cond_init(&s->done_cond, NULL);

    pthread_t client, driver;
    pthread_create(&driver, NULL, driver_main, s);
    pthread_create(&client, NULL, client_main, s);
    if (!stress_wait(s)) {
        /* A lost wake-up: both threads sleep for ever. Report and leave at once. */
        printf("FAIL: queue/stress: no progress for %d s (lost wake-up?): sent %llu, "
               "received %llu, client signal %d, driver signal %d\n",
               WATCHDOG_SECONDS, (unsigned long long)__atomic_load_n(&s->sent, __ATOMIC_RELAXED),
               (unsigned long long)__atomic_load_n(&s->received, __ATOMIC_RELAXED),
               (int)free_ring->consumer_signal, (int)active_ring->consumer_signal);
        fflush(stdout);
        _exit(1);
    }
    pthread_join(client, NULL);
    pthread_join(driver, NULL);

    CHECK(!s->failed);
    if (s->failed) {
        fprintf(stderr, "stress failure: %s\n", s->failure);
    }
    CHECK(s->received == config.items && s->sent == config.items);
    for (uint32_t b = 0; b < config.buffers; b++) {
        CHECK(s->owner[b] == OWNER_CLIENT);
    }
    CHECK(queue_empty_free(&s->client_q) && queue_empty_active(&s->client_q));
    fprintf(stderr,
            "stress capacity %u buffers %u items %llu: client slept %lu times, driver %lu; "
            "signals to client %lu, to driver %lu\n",
            config.capacity, config.buffers, (unsigned long long)config.items, s->client_sleeps,
            s->driver_sleeps, s->client_note.signals, s->driver_note.signals);
    free(s->region);
    free(s->owner);
    free(free_ring);
    free(active_ring);
    free(s);
}

static uint64_t stress_items(uint64_t items)
{
    const char *env = getenv("BASTION_QUEUE_STRESS_ITEMS");
    return env != NULL ? strtoull(env, NULL, 0) : items;
}

static void test_stress_small_ring(void)
{
    stress_run((struct stress_config){.capacity = 4, .buffers = 6, .items = stress_items(200000)});
}

static void test_stress_capacity_one(void)
{
    stress_run((struct stress_config){.capacity = 1, .buffers = 3, .items = stress_items(100000)});
}

static void test_stress_yielding_driver(void)
{
    stress_run((struct stress_config){
        .capacity = 8, .buffers = 8, .items = stress_items(200000), .yield_every = 7});
}

static void test_stress_large_ring(void)
{
    stress_run(
        (struct stress_config){.capacity = 256, .buffers = 64, .items = stress_items(300000)});
}

const struct queue_test queue_stress_tests[] = {
    {"stress_small_ring", test_stress_small_ring},
    {"stress_capacity_one", test_stress_capacity_one},
    {"stress_yielding_driver", test_stress_yielding_driver},
    {"stress_large_ring", test_stress_large_ring},
};
const size_t queue_stress_tests_count = sizeof(queue_stress_tests) / sizeof(queue_stress_tests[0]);
