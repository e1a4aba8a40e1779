/*
 * Files a description names besides itself: program images and prefill data. They are
 * looked up along the search path; once loaded, images are checked against the
 * description (segments in the user range, clear of mappings; setvar symbols are global
 * 8-byte variables in writable segments) and the setvar values (addresses of <map> and
 * <bar>, constants of <setvar>) are patched in.
 */
#ifndef BASTION_TOOL_IMAGES_H
#define BASTION_TOOL_IMAGES_H

#include "diag.h"
#include "model.h"

struct search_path {
    const char **dirs;
    size_t count;
};

enum image_need {
    IMAGES_IF_PRESENT, /* `check`: skip files that are not there, silently */
    IMAGES_REQUIRED,   /* `build`: every file must be found */
};

/* Where the files a description names may be. */
enum path_scope {
    PATHS_CONFINED, /* relative, without '..', and (links resolved) inside a search directory */
    PATHS_ANYWHERE, /* --allow-outside-paths: any path the user can read */
};

/* How images and prefill files are looked for. */
struct image_options {
    const struct search_path *search;
    enum image_need need;
    enum path_scope scope;
};

/* What looking up a file found. */
enum find_status {
    FIND_OK,        /* path is set */
    FIND_MISSING,   /* in no search directory */
    FIND_DIRECTORY, /* the first match is a directory */
    FIND_ABSOLUTE,  /* an absolute name, refused under PATHS_CONFINED */
    FIND_PARENT,    /* a name with a '..' component, refused under PATHS_CONFINED */
    FIND_OUTSIDE,   /* found, but a symbolic link leads outside the search directory */
};

struct find_result {
    enum find_status status;
    char *path; /* owned by the caller; set for FIND_OK */
};

/* Looks `name` up along the search path under the given scope. */
struct find_result search_path_find(const struct search_path *sp, const char *name,
                                    enum path_scope scope);

/* Finds, loads and checks every image and prefill file. True when no error. */
bool images_check(struct model *m, const struct image_options *o, struct diag_sink *d);

/* Patches every setvar whose value is known at build time into the loaded images. */
void images_apply_setvars(struct model *m);

#endif
