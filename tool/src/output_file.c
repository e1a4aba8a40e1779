/*
 * Whole-or-nothing outputs (see output_file.h).
 */
#include "output_file.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool output_is_stdout(const char *path)
{
    return strcmp(path, "-") == 0;
}

char *output_temp_name(const char *path)
{
    size_t len = strlen(path) + sizeof(".tmp-XXXXXX");
    char *tmp = xmalloc(len);
    snprintf(tmp, len, "%s.tmp-XXXXXX", path);
    return tmp;
}

int output_open(struct output_file *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    if (output_is_stdout(path)) {
        o->f = stdout;
        return EXIT_OK;
    }
    o->tmp = output_temp_name(path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return EXIT_IO;
    }
    /* mkstemp makes the file private; give it the mode fopen would have. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return EXIT_IO;
    }
    return EXIT_OK;
}

int output_commit(struct output_file *o)
{
    if (!o->tmp)
        return fflush(o->f) == 0 ? EXIT_OK : EXIT_IO;
    bool ok = !ferror(o->f);
    ok &= fclose(o->f) == 0;
    if (ok && rename(o->tmp, o->path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", o->path, strerror(errno));
        unlink(o->tmp);
    }
    free(o->tmp);
    o->tmp = NULL;
    return ok ? EXIT_OK : EXIT_IO;
}

void output_abort(struct output_file *o)
{
    if (!o->tmp)
        return;
    fclose(o->f);
    unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
}

void output_remove_stale(const char *path)
{
    if (path && !output_is_stdout(path))
        unlink(path);
}
