/*
 * libFuzzer target over the whole checking pipeline: XML parsing, the model, schema
 * validation and every semantic check, on arbitrary bytes. Diagnostics are produced and
 * formatted (to catch formatting bugs) but discarded. Images are not looked up.
 */
#include "pipeline.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    struct checked_system s;
    struct pipeline_options o = {{NULL, IMAGES_IF_PRESENT, PATHS_CONFINED}, 0, 0, 0, 0};
    pipeline_check(&s, "fuzz.xml", (const char *)data, size, &o, sink);
    checked_system_free(&s);
    return 0;
}
