/*
 * The kernel command line: space-separated "key=value" words or bare "key"s.
 */
#include <boot.h>
#include <kstring.h>

const char *cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ') {
            p++;
        }
        const char *word = p;
        while (*p && *p != ' ') {
            p++;
        }
        if ((size_t)(p - word) < klen || strncmp(word, key, klen) != 0) {
            continue;
        }
        const char *rest = word + klen;
        if (rest != p && *rest != '=') {
            continue;
        }
        size_t n = rest == p ? 0 : (size_t)(p - rest - 1);
        n = n < size - 1 ? n : size - 1;
        memcpy(buf, rest == p ? "" : rest + 1, n);
        buf[n] = '\0';
        return buf;
    }
    return NULL;
}
