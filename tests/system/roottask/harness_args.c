/*
 * The harness's boot arguments: words on the command line of a boot module named
 * `harness.args` (the file's bytes are not read). scripts/qemu-run.sh adds the module:
 *
 *   from=N   start at test N of the table (0-based): the runner found test N - 1 hung
 *            in an earlier boot, and the rest of the suite runs in this one
 *   hang=N   test N spins for ever instead of running (the runner's own test: its
 *            per-test bound must name that test and resume after it)
 *   only=S   run only the tests whose name holds S (a suite that runs a few tests under
 *            other conditions, e.g. system-sched-icount)
 *   icount   the boot runs under QEMU's -icount: time advances with instructions, so
 *            tests may hold timing to exact bounds (harness_args_flag())
 *
 * A root task may read words of its own (harness_args_value(): the coverage-guided
 * fuzzer's calls=N).
 *
 * A missing module, word or number leaves the default (run everything, hang nothing).
 */
#include "roottask.h"

#include <libbastion/string.h>

#define ARGS_MODULE "harness.args"

/* Does the module's file (its name up to the first space, after the last '/') have the
 * name ARGS_MODULE? */
static bool is_args_module(const char *name, size_t len)
{
    size_t start = 0, end = 0;
    while (end < len && name[end] != ' ')
        end++;
    for (size_t i = 0; i < end; i++)
        if (name[i] == '/')
            start = i + 1;
    size_t want = bst_strlen(ARGS_MODULE);
    return end - start == want && bst_strncmp(name + start, ARGS_MODULE, want) == 0;
}

/* The args module's name (its command line) and length, or NULL. */
static const char *args_name(const struct bst_bootinfo *bi, size_t *len)
{
    const char *found = NULL;
    for (uint32_t m = 0; m < bi->n_modules && m < BST_BOOTINFO_MAX_MODULES; m++) {
        const char *name = bi->modules[m].name;
        size_t n = bst_strnlen(name, sizeof(bi->modules[m].name));
        if (is_args_module(name, n)) {
            found = name;
            *len = n;
        }
    }
    return found;
}

/* Where the word starting with `key` begins in name[0, len) (after the key), or len. */
static size_t word_at(const char *name, size_t len, const char *key)
{
    size_t klen = bst_strlen(key);
    for (size_t i = 0; i + klen <= len; i++)
        if ((i == 0 || name[i - 1] == ' ') && bst_strncmp(name + i, key, klen) == 0)
            return i + klen;
    return len;
}

/* The decimal value of the word `key` (e.g. "from=") in name[0, len), or `fallback`. */
static uint64_t word_value(const char *name, size_t len, const char *key, uint64_t fallback)
{
    size_t j = word_at(name, len, key);
    if (j >= len || name[j] < '0' || name[j] > '9')
        return fallback;
    uint64_t v = 0;
    for (; j < len && name[j] >= '0' && name[j] <= '9' && v < 1000000; j++)
        v = v * 10 + (uint64_t)(name[j] - '0');
    return v;
}

uint64_t harness_args_value(const struct bst_bootinfo *bi, const char *key, uint64_t fallback)
{
    size_t len = 0;
    const char *name = args_name(bi, &len);
    return name != NULL ? word_value(name, len, key, fallback) : fallback;
}

bool harness_args_flag(const struct bst_bootinfo *bi, const char *word)
{
    size_t len = 0, wlen = bst_strlen(word);
    const char *name = args_name(bi, &len);
    for (size_t i = 0; name != NULL && i + wlen <= len; i++)
        if ((i == 0 || name[i - 1] == ' ') && (i + wlen == len || name[i + wlen] == ' ') &&
            bst_strncmp(name + i, word, wlen) == 0)
            return true;
    return false;
}

struct harness_args harness_args_read(const struct bst_bootinfo *bi)
{
    struct harness_args a = {
        .first = harness_args_value(bi, "from=", 0),
        .hang = harness_args_value(bi, "hang=", UINT64_MAX),
    };
    size_t len = 0;
    const char *name = args_name(bi, &len);
    if (name != NULL) {
        size_t i = word_at(name, len, "only="), k = 0;
        for (; i < len && name[i] != ' ' && k + 1 < sizeof(a.only); i++)
            a.only[k++] = name[i];
        a.only[k] = '\0';
    }
    return a;
}
