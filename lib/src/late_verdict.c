/*
 * bst_late_verdict_text (libbastion/late_load.h): in a file of its own, because init uses
 * it too, and init links none of the PD runtime that bst_child_load() needs.
 */
#include <libbastion/late_load.h>

const char *bst_late_verdict_text(enum bst_late_verdict v)
{
    static const char *const text[BST_LATE_VERDICT_COUNT] = {
        [BST_LATE_LOADED] = "loaded and started",
        [BST_LATE_NOT_EMPTY] = "the child is not an empty (late) PD, or is loaded already",
        [BST_LATE_NOT_MAPPED] = "the image does not lie inside one of the caller's regions",
        [BST_LATE_TOO_BIG] = "the image is larger than the description's max_size",
        [BST_LATE_NOT_ELF] = "not an x86_64 static ELF64 executable",
        [BST_LATE_OUTSIDE] = "a segment lies outside the PD's range, or two share a page",
        [BST_LATE_DIGEST] = "its SHA-256 is not one of the digests the description lists",
    };
    return (unsigned)v < BST_LATE_VERDICT_COUNT ? text[v] : "unknown verdict";
}
