/*
 * The checking pipeline (see pipeline.h).
 */
#include "late_image.h"
#include "pipeline.h"
#include "check.h"
#include "colour_fit.h"
#include "parse.h"
#include "schema.h"

#include <string.h>

/* Runs the stages in order, stopping after the first stage that reports an error. */
static int run_stages(struct checked_system *s, const char *path, const char *text, size_t size,
                      const struct pipeline_options *o)
{
    int rc = document_load(&s->doc, path, text, size, &s->diag);
    if (rc != EXIT_OK)
        return rc;
    if (!parse_system(&s->model, s->doc.doc, &s->diag))
        return EXIT_DESCRIPTION;
    if (!schema_validate(s->doc.doc, &s->diag))
        return EXIT_DESCRIPTION;
    bool checked = check_all(&s->model, o->ram, &s->diag);
    checked = check_cpus(&s->model, o->cpus, &s->diag) && checked;
    if (!checked || !late_images_check(&s->model, &s->diag))
        return EXIT_DESCRIPTION;
    if (o->images.search && !images_check(&s->model, &o->images, &s->diag))
        return EXIT_DESCRIPTION;
    colours_check_fit(&s->model, o->kimage_pages, &s->diag);
    return EXIT_OK;
}

int pipeline_check(struct checked_system *s, const char *path, const char *text, size_t size,
                   const struct pipeline_options *o, FILE *diag_out)
{
    memset(s, 0, sizeof(*s));
    diag_init(&s->diag, path);
    s->diag.max_shown = o->max_errors;
    int rc = run_stages(s, path, text, size, o);
    if (rc == EXIT_OK && s->diag.errors)
        rc = EXIT_DESCRIPTION;
    if (diag_out)
        diag_flush(&s->diag, diag_out);
    return rc;
}

void checked_system_free(struct checked_system *s)
{
    model_free(&s->model);
    document_free(&s->doc);
    diag_free(&s->diag);
}
