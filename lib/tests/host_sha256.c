/*
 * Host tests of libbastion's SHA-256 (lib/src/sha256.c) against NIST's vectors: the
 * FIPS 180-4 examples (csrc.nist.gov "Examples with intermediate values": "abc", the
 * 448-bit and 896-bit messages, one million 'a's), messages of NIST's SHAVS file
 * SHA256ShortMsg.rsp (Len = 0, 8, 16, 24, 32), and the padding boundaries (55, 56 and 64
 * bytes) fed in every split, so the streaming code is checked at each block edge.
 * Suite host-sha256; prints the harness protocol (PASS:/FAIL: lines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbastion/sha256.h>

static int failures;

static void to_hex(const uint8_t d[BST_SHA256_DIGEST_SIZE], char out[65])
{
    for (unsigned i = 0; i < BST_SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void expect_digest(const char *name, const uint8_t d[BST_SHA256_DIGEST_SIZE],
                          const char *want)
{
    char got[65];
    to_hex(d, got);
    if (strcmp(got, want) == 0) {
        printf("PASS: %s\n", name);
    } else {
        printf("FAIL: %s: got %s, want %s\n", name, got, want);
        failures++;
    }
}

static size_t from_hex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

struct vector {
    const char *name;
    const char *text; /* the message as text, or NULL: then `hex` */
    const char *hex;
    const char *digest;
};

static const struct vector vectors[] = {
    {"fips180-4/abc", "abc", NULL,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"fips180-4/448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", NULL,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"fips180-4/896-bit",
     "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
     "rlmnopqrsmnopqrstnopqrstu",
     NULL, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"shavs-short/len0", "", NULL,
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"shavs-short/len8", NULL, "d3",
     "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"},
    {"shavs-short/len16", NULL, "11af",
     "5ca7133fa735326081558ac312c620eeca9970d1e70a4b95533d956f072d1f98"},
    {"shavs-short/len24", NULL, "b4190e",
     "dff2e73091f6c05e528896c4c831b9448653dc2ff043528f6769437bc7b975c2"},
    {"shavs-short/len32", NULL, "74ba2521",
     "b16aa56be3880d18cd41e68384cf1ec8c17680c45a02b1575dc1518923ae8b0e"},
};

/* Every split of the message into two updates must give the one-shot digest. */
static void check_splits(const char *name, const uint8_t *msg, size_t n, const char *want)
{
    char label[96];
    int bad = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        struct bst_sha256 s;
        uint8_t d[BST_SHA256_DIGEST_SIZE];
        char got[65];
        bst_sha256_init(&s);
        bst_sha256_update(&s, msg, cut);
        bst_sha256_update(&s, msg + cut, n - cut);
        bst_sha256_final(&s, d);
        to_hex(d, got);
        bad += strcmp(got, want) != 0;
    }
    snprintf(label, sizeof(label), "%s/every-split", name);
    if (bad) {
        printf("FAIL: %s: %d splits differ\n", label, bad);
        failures++;
    } else {
        printf("PASS: %s\n", label);
    }
}

int main(void)
{
    uint8_t d[BST_SHA256_DIGEST_SIZE], buf[128];
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *v = &vectors[i];
        size_t n = v->text ? strlen(v->text) : from_hex(v->hex, buf);
        const uint8_t *msg = v->text ? (const uint8_t *)v->text : buf;
        bst_sha256(msg, n, d);
        expect_digest(v->name, d, v->digest);
        check_splits(v->name, msg, n, v->digest);
    }

    /* One million 'a's, fed in pieces of 1000 as FIPS 180-4's third example suggests. */
    struct bst_sha256 s;
    uint8_t thousand[1000];
    memset(thousand, 'a', sizeof(thousand));
    bst_sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        bst_sha256_update(&s, thousand, sizeof(thousand));
    bst_sha256_final(&s, d);
    expect_digest("fips180-4/million-a", d,
                  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* The padding's edges: 55 bytes fit one block, 56 need a second, 64 fill one. */
    static const struct {
        size_t n;
        const char *digest;
    } edges[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    };
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        char name[48];
        memset(buf, 'a', edges[i].n);
        snprintf(name, sizeof(name), "padding/%zu-a", edges[i].n);
        bst_sha256(buf, edges[i].n, d);
        expect_digest(name, d, edges[i].digest);
        check_splits(name, buf, edges[i].n, edges[i].digest);
    }
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
