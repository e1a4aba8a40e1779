/*
 * kv_http: the storage example's HTTP interface to the key-value store (examples/storage).
 * An HTTP/1.0 server on port 80 of its own address whose paths are keys:
 *
 *   GET    /kv/KEY     200 and the value, or 404
 *   PUT    /kv/KEY     the request body (Content-Length, up to KV_VALUE_MAX bytes) becomes
 *                      the value; 200 "stored, seq N" once it is durable
 *   DELETE /kv/KEY     200 once the deletion is durable, or 404
 *   GET    /           the store's figures (keys, live bytes, capacity)
 *
 * Each call is the store's protected procedure (bastion/kvstore.h) on KV_CH, with the key
 * and value in the region both map (kv_shared). One request per connection; the server
 * answers and closes it (bastion/net/http_server.h). A request it cannot parse gets 400; one too
 * large, 413.
 */
#include <bastion/kvstore.h>
#include <bastion/net/client.h>
#include <bastion/net/http_server.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define HTTP_PORT 80
#define TIMER_CH  2
#define KV_CH     3

uintptr_t kv_shared; /* setvar_vaddr: the region shared with the store */

/* What a parsed request asks. */
struct request {
    enum { REQ_BAD, REQ_TOO_LARGE, REQ_INCOMPLETE, REQ_GET, REQ_PUT, REQ_DELETE, REQ_STATUS } kind;
    const char *key;
    size_t key_len;
    const char *body;
    size_t body_len;
};

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = bst_strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* The value of Content-Length in the headers [s, s + n), or 0. */
static size_t content_length(const char *s, size_t n)
{
    static const char name[] = "\r\nContent-Length:";
    for (size_t i = 0; i + sizeof name - 1 < n; i++) {
        size_t j = 0;
        while (j < sizeof name - 1 && (s[i + j] | 0x20) == (name[j] | 0x20))
            j++;
        if (j < sizeof name - 1)
            continue;
        size_t v = 0;
        for (i += j; i < n && s[i] == ' '; i++) {
        }
        for (; i < n && s[i] >= '0' && s[i] <= '9' && v <= HTTP_SERVER_REQUEST_MAX; i++)
            v = v * 10 + (size_t)(s[i] - '0');
        return v;
    }
    return 0;
}

static struct request parse(const char *s, size_t n)
{
    struct request r = {.kind = REQ_INCOMPLETE};
    size_t head = 0;
    while (head + 3 < n && memcmp(s + head, "\r\n\r\n", 4) != 0)
        head++;
    if (head + 3 >= n)
        return r.kind = n >= HTTP_SERVER_REQUEST_MAX ? REQ_TOO_LARGE : REQ_INCOMPLETE, r;
    size_t method_len = 0;
    if (starts_with(s, n, "GET ")) {
        r.kind = REQ_GET, method_len = 4;
    } else if (starts_with(s, n, "PUT ")) {
        r.kind = REQ_PUT, method_len = 4;
    } else if (starts_with(s, n, "DELETE ")) {
        r.kind = REQ_DELETE, method_len = 7;
    } else {
        return r.kind = REQ_BAD, r;
    }
    const char *path = s + method_len;
    size_t path_len = 0;
    while (method_len + path_len < head && path[path_len] != ' ')
        path_len++;
    if (r.kind == REQ_GET && path_len == 1 && path[0] == '/')
        return r.kind = REQ_STATUS, r;
    if (!starts_with(path, path_len, "/kv/") || path_len == 4)
        return r.kind = REQ_BAD, r;
    r.key = path + 4;
    r.key_len = path_len - 4;
    if (r.key_len > KV_KEY_MAX)
        return r.kind = REQ_TOO_LARGE, r;
    if (r.kind == REQ_PUT) {
        r.body_len = content_length(s, head + 2);
        r.body = s + head + 4;
        if (r.body_len > KV_VALUE_MAX)
            return r.kind = REQ_TOO_LARGE, r;
        if (head + 4 + r.body_len > n)
            return r.kind = REQ_INCOMPLETE, r;
    }
    return r;
}

/* One call of the store with the key (and value) in the shared region. */
static bst_msginfo_t kv_call(enum kv_label label, const struct request *r)
{
    volatile struct kv_shared *sh = (volatile struct kv_shared *)kv_shared;
    sh->key_len = (uint32_t)r->key_len;
    for (size_t i = 0; i < r->key_len; i++)
        sh->key[i] = (uint8_t)r->key[i];
    sh->value_len = (uint32_t)r->body_len;
    for (size_t i = 0; i < r->body_len; i++)
        sh->value[i] = (uint8_t)r->body[i];
    return bst_ppcall(KV_CH, bst_msginfo_new(label, 0));
}

static const char *status_text(uint64_t s)
{
    switch (s) {
    case KV_OK:
        return "200 OK";
    case KV_NOT_FOUND:
        return "404 Not Found";
    case KV_TOO_LARGE:
        return "413 Payload Too Large";
    case KV_FULL:
        return "507 Insufficient Storage";
    default:
        return "500 Internal Server Error";
    }
}

static size_t respond(const struct request *r, char *page, size_t size)
{
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k = bst_snprintf(page + n, size - n, __VA_ARGS__);                                     \
        if (k > 0)                                                                                 \
            n = n + (size_t)k < size ? n + (size_t)k : size - 1;                                   \
    } while (0)
#define HEAD(status)                                                                               \
    ADD("HTTP/1.0 %s\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n", status)
    switch (r->kind) {
    case REQ_STATUS: {
        bst_msginfo_t reply = bst_ppcall(KV_CH, bst_msginfo_new(KV_STATS, 0));
        HEAD(status_text(bst_msginfo_label(reply)));
        ADD("Bastion key-value store\n\nkeys: %lu\nlive bytes: %lu\nlog capacity: %lu bytes\n"
            "next sequence number: %lu\n",
            (unsigned long)bst_mr_get(0), (unsigned long)bst_mr_get(1),
            (unsigned long)bst_mr_get(2), (unsigned long)bst_mr_get(3));
        break;
    }
    case REQ_GET: {
        bst_msginfo_t reply = kv_call(KV_GET, r);
        uint64_t status = bst_msginfo_label(reply);
        HEAD(status_text(status));
        if (status == KV_OK) {
            uint64_t len = bst_mr_get(0);
            const volatile struct kv_shared *sh = (const volatile struct kv_shared *)kv_shared;
            for (uint64_t i = 0; i < len && i < KV_VALUE_MAX && n + 1 < size; i++)
                page[n++] = (char)sh->value[i];
        } else {
            ADD("%s\n", status_text(status));
        }
        break;
    }
    case REQ_PUT:
    case REQ_DELETE: {
        bst_msginfo_t reply = kv_call(r->kind == REQ_PUT ? KV_PUT : KV_DELETE, r);
        uint64_t status = bst_msginfo_label(reply);
        HEAD(status_text(status));
        if (status == KV_OK)
            ADD("%s, seq %lu\n", r->kind == REQ_PUT ? "stored" : "deleted",
                (unsigned long)bst_mr_get(0));
        else
            ADD("%s\n", status_text(status));
        break;
    }
    case REQ_TOO_LARGE:
        HEAD("413 Payload Too Large");
        ADD("keys up to %u bytes, values up to %u\n", KV_KEY_MAX, KV_VALUE_MAX);
        break;
    default:
        HEAD("400 Bad Request");
        ADD("GET /, GET /kv/KEY, PUT /kv/KEY, DELETE /kv/KEY\n");
        break;
    }
#undef HEAD
#undef ADD
    return n;
}

static size_t handle(const char *request, size_t len, char *page, size_t size)
{
    struct request r = parse(request, len);
    return r.kind == REQ_INCOMPLETE ? 0 : respond(&r, page, size);
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    if (kv_shared == 0 || !http_server_start(HTTP_PORT, handle)) {
        bst_printf("kv_http: cannot listen on TCP port %u (or no kv_shared region)\n", HTTP_PORT);
        return;
    }
    bst_printf("kv_http: keys over HTTP on port %u\n", HTTP_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
