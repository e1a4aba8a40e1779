/*
 * Outputs that appear whole or not at all. A file is written under a temporary name in
 * its own directory and renamed over PATH only when all of it was written, so a reader
 * (a make rule, init's loader) never sees half a file; "-" names standard output.
 */
#ifndef BASTION_TOOL_OUTPUT_FILE_H
#define BASTION_TOOL_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct output_file {
    FILE *f;          /* where to write */
    const char *path; /* the final name; "-" for standard output */
    char *tmp;        /* the temporary name (NULL for standard output) */
};

/* True when `path` names standard output. */
bool output_is_stdout(const char *path);

/* Opens a temporary file beside `path`; EXIT_OK or EXIT_IO (message printed). */
int output_open(struct output_file *o, const char *path);

/* Closes the file and renames it to its final name; EXIT_OK or EXIT_IO (printed). */
int output_commit(struct output_file *o);

/* Closes and removes the temporary file (after an error). */
void output_abort(struct output_file *o);

/* A temporary name beside `path` for a file another program writes; caller frees. */
char *output_temp_name(const char *path);

/*
 * Removes an output left by an earlier run, so that a failed run leaves none of its
 * outputs behind for a later step to mistake for current ones. "-" is left alone.
 */
void output_remove_stale(const char *path);

#endif
