/*
 * SHA-256 (FIPS 180-4, section 6.2): the digest that a late-loaded image must match
 * (docs/late-loading.md). Freestanding, no allocation, no globals: the same code runs in
 * init and on the host (suite host-sha256, against NIST's test vectors).
 */
#ifndef LIBBASTION_SHA256_H
#define LIBBASTION_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BST_SHA256_DIGEST_SIZE 32u
#define BST_SHA256_BLOCK_SIZE  64u

/* A hash in progress. Fields are the algorithm's state; treat them as opaque. */
struct bst_sha256 {
    uint32_t h[8];                        /* H(i): the intermediate hash value */
    uint64_t length;                      /* message bytes so far */
    uint8_t block[BST_SHA256_BLOCK_SIZE]; /* the partial block not yet compressed */
    uint32_t used;                        /* bytes in `block` */
};

/* Start a hash (H(0) of FIPS 180-4 5.3.3). */
void bst_sha256_init(struct bst_sha256 *s);

/* Hash `n` more bytes of the message. */
void bst_sha256_update(struct bst_sha256 *s, const void *data, size_t n);

/* Pad, finish and write the 32-byte digest; `s` must be initialised again before reuse. */
void bst_sha256_final(struct bst_sha256 *s, uint8_t digest[BST_SHA256_DIGEST_SIZE]);

/* The digest of one whole message. */
void bst_sha256(const void *data, size_t n, uint8_t digest[BST_SHA256_DIGEST_SIZE]);

#endif
