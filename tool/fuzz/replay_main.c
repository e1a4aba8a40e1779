/*
 * A main() for the fuzz target that runs each file named on the command line once, so
 * the checked-in corpus can be replayed under ASan + UBSan by any compiler (gcc too)
 * as part of `make test`. Prints one PASS line per file; a sanitizer report aborts.
 */
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t size;
        char *data = read_file(argv[i], &size);
        if (!data) {
            printf("FAIL: %s: cannot read\n", argv[i]);
            continue;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, size);
        free(data);
        printf("PASS: %s\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
