/*
 * Late loading (docs/late-loading.md): a parent asks init to fill its empty child (a PD
 * described with <late_image>) with an ELF image that lies in the parent's own memory.
 * init checks the image (ELF form, every segment inside the child's described range, size
 * at most max_size, SHA-256 equal to a listed digest) and only then maps and starts it.
 */
#ifndef LIBBASTION_LATE_LOAD_H
#define LIBBASTION_LATE_LOAD_H

#include <stdint.h>

#include <bastion/errors.h>
#include <libbastion/pd.h>

/* The request on BST_PD_SLOT_INIT (after enum bst_init_request's): MR0 child id, MR1 the
 * image's address in the caller's address space (inside one of its <map>s), MR2 its
 * length. Reply: MR0 bst_error_t, MR1 enum bst_late_verdict. */
#define BST_INIT_REQ_LOAD 16u

/* Why init refused an image (or LATE_LOADED). */
enum bst_late_verdict {
    BST_LATE_LOADED = 0, /* checked, mapped and started */
    BST_LATE_NOT_EMPTY,  /* the child is not a late PD, or already loaded */
    BST_LATE_NOT_MAPPED, /* the image does not lie inside one map of the caller */
    BST_LATE_TOO_BIG,    /* longer than the child's max_size */
    BST_LATE_NOT_ELF,    /* not an x86_64 static ELF64 executable init can load */
    BST_LATE_OUTSIDE,    /* a segment outside the child's range, or pages shared */
    BST_LATE_DIGEST,     /* its SHA-256 is none of the digests the description lists */
    BST_LATE_VERDICT_COUNT,
};

/* Ask init to load child `child` from [image, image + length) of the caller's memory.
 * Returns BST_OK when it runs; otherwise the error, with *verdict saying why. */
bst_error_t bst_child_load(bst_child_t child, const void *image, uint64_t length,
                           enum bst_late_verdict *verdict);

/* A short text for a verdict ("its SHA-256 is not listed", ...). */
const char *bst_late_verdict_text(enum bst_late_verdict v);

#endif
