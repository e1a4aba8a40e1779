/*
 * Empty PDs, loaded late (<late_image>, docs/late-loading.md): the description of the
 * range a PD's image may occupy and the SHA-256 digests of the images it may be given.
 */
#ifndef TOOL_LATE_IMAGE_H
#define TOOL_LATE_IMAGE_H

#include "diag.h"
#include "json_emit.h"
#include "model.h"

#include <stdint.h>
#include <stdio.h>

#define LATE_IMAGE_MAX_DIGESTS 16u
#define LATE_DIGEST_SIZE       32u

/* Parses <late_image vaddr max_size> and its <digest sha256/> children into PD `pd`. */
bool parse_late_image(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d);

/* Checks across elements, in one pass over the maps, BARs and setvars: nothing overlaps a
 * late PD's range, and nothing patches its image (it has none at build time). */
bool late_images_check(const struct model *m, struct diag_sink *d);

/* Writes the digests of a late PD (checked by the parse) to out; returns how many. */
uint32_t late_image_digests(const struct model_pd *pd, uint8_t out[][LATE_DIGEST_SIZE]);

/* The JSON object "late_image" and the report's line for a late PD. */
void late_image_json(struct json_emitter *j, const struct model_pd *pd);
void late_image_report(FILE *out, const struct model_pd *pd);

#endif
