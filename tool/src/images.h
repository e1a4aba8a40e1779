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

/* The path of `name` along the search path (owned by the caller), or NULL. */
char *search_path_find(const struct search_path *sp, const char *name);

/* Finds, loads and checks every image and prefill file. True when no error. */
bool images_check(struct model *m, const struct search_path *sp, enum image_need need,
                  struct diag_sink *d);

/* Patches every setvar whose value is known at build time into the loaded images. */
void images_apply_setvars(struct model *m);

#endif
