/*
 * Replays fuzz inputs without libFuzzer, so that any compiler builds it (the suites
 * host-fuzz-*-replay, tests/host/fuzz.mk): each file is fed to the target's
 * LLVMFuzzerTestOneInput() in a child process, one result line per file. A child that
 * crashes, aborts (a broken invariant, a sanitizer report) or exits non-zero fails that
 * input; an empty corpus fails too.
 *
 *   replay-TARGET NAME [--in-process] FILE_OR_DIR...
 *
 * --in-process runs every input in this process instead, stopping at the first failure
 * (the coverage build: its profile is written at exit).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *target;
static bool in_process;
static unsigned inputs, failures;

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *data = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            uint8_t *bigger = realloc(data, cap);
            if (bigger == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *size = n;
    return data;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static void replay(const char *path)
{
    size_t size;
    uint8_t *data = read_file(path, &size);
    inputs++;
    if (data == NULL) {
        printf("FAIL: %s/%s: cannot read it\n", target, base_name(path));
        failures++;
        return;
    }
    if (in_process) {
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        LLVMFuzzerTestOneInput(data, size);
        fflush(NULL);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        status = -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("PASS: %s/%s\n", target, base_name(path));
    } else {
        printf("FAIL: %s/%s: %s %d (its report is above)\n", target, base_name(path),
               WIFSIGNALED(status) ? "killed by signal" : "exit status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        failures++;
    }
    free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        replay(path);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char file[4096];
            snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
            replay(file);
        }
        free(names[i]);
    }
    free(n >= 0 ? names : NULL);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME [--in-process] FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    target = argv[1];
    int first = 2;
    if (strcmp(argv[2], "--in-process") == 0) {
        in_process = true;
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        replay_path(argv[i]);
    }
    if (inputs == 0) {
        printf("FAIL: %s: no inputs to replay\n", target);
        return 1;
    }
    fprintf(stderr, "%s: %u inputs replayed, %u failed\n", target, inputs, failures);
    return failures == 0 ? 0 : 1;
}
