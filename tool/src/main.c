/*
 * The `bastion` command line: build, check and graph a system description.
 *
 *   bastion build SYSTEM.xml -o DIR [--report FILE] [--json FILE] [--search-path DIR]...
 *   bastion check SYSTEM.xml [--report FILE] [--json FILE] [--search-path DIR]...
 *   bastion graph SYSTEM.xml -o FILE.{svg,png,dot} [--search-path DIR]...
 *
 * Quiet on success. Exit status: 0 success, 1 errors in the description or its images,
 * 2 bad command line, 3 I/O or internal error.
 */
#include "graph.h"
#include "images.h"
#include "json.h"
#include "layout.h"
#include "pipeline.h"
#include "report.h"
#include "spec_writer.h"

#include <errno.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BASTION_TOOL_VERSION "0.1.0"
#define MAX_SEARCH_DIRS      64

static const char usage_text[] =
    "usage: bastion build SYSTEM.xml -o DIR [--report FILE] [--json FILE] [--search-path DIR]...\n"
    "       bastion check SYSTEM.xml [--report FILE] [--json FILE] [--search-path DIR]...\n"
    "       bastion graph SYSTEM.xml -o FILE.svg|FILE.png|FILE.dot [--search-path DIR]...\n"
    "       bastion --help | --version\n"
    "\n"
    "  build   check the description and its program images, then write DIR/system.spec,\n"
    "          the packed spec that init instantiates (all program images must exist)\n"
    "  check   check the description; program images are checked when they are found\n"
    "  graph   draw the system with Graphviz (format from the file extension)\n"
    "\n"
    "  -o PATH              output directory (build) or picture (graph)\n"
    "  --report FILE        also write a readable report of the system\n"
    "  --json FILE          also write the system as JSON\n"
    "  --search-path DIR    where program images and prefill files are looked for\n"
    "                       (repeatable; default: the directory of SYSTEM.xml)\n"
    "\n"
    "exit status: 0 success, 1 errors in the description or images, 2 usage error,\n"
    "             3 I/O or internal error. See docs/bastion-tool.md.\n";

enum command {
    CMD_BUILD,
    CMD_CHECK,
    CMD_GRAPH,
};

struct options {
    enum command command;
    const char *system;
    const char *output;
    const char *report;
    const char *json;
    const char *search[MAX_SEARCH_DIRS];
    size_t search_count;
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("bastion: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'bastion --help'.\n", stderr);
    return EXIT_USAGE;
}

/* Reads the value of an option that takes one; -1 (reported) when it is missing. */
static int take_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        usage_error("option %s needs a value", argv[*i]);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

static int parse_command(const char *word, enum command *out)
{
    static const char *const names[] = {"build", "check", "graph"};
    for (int c = 0; c < 3; c++) {
        if (strcmp(word, names[c]) == 0) {
            *out = (enum command)c;
            return EXIT_OK;
        }
    }
    return usage_error("unknown command '%s'; use build, check or graph", word);
}

/* Parses one option at argv[*i]; EXIT_OK or EXIT_USAGE (reported). */
static int parse_option(int argc, char **argv, int *i, struct options *o)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0)
        return take_value(argc, argv, i, &o->output) ? EXIT_USAGE : EXIT_OK;
    if (strcmp(arg, "--report") == 0 && o->command != CMD_GRAPH)
        return take_value(argc, argv, i, &o->report) ? EXIT_USAGE : EXIT_OK;
    if (strcmp(arg, "--json") == 0 && o->command != CMD_GRAPH)
        return take_value(argc, argv, i, &o->json) ? EXIT_USAGE : EXIT_OK;
    if (strcmp(arg, "--search-path") == 0) {
        if (o->search_count == MAX_SEARCH_DIRS)
            return usage_error("too many %s options", arg);
        return take_value(argc, argv, i, &o->search[o->search_count++]) ? EXIT_USAGE : EXIT_OK;
    }
    if (arg[0] == '-' && arg[1] != '\0')
        return usage_error("unknown option '%s'", arg);
    if (o->system)
        return usage_error("more than one system description given ('%s')", arg);
    o->system = arg;
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    if (parse_command(argv[1], &o->command) != EXIT_OK)
        return EXIT_USAGE;
    for (int i = 2; i < argc; i++)
        if (parse_option(argc, argv, &i, o) != EXIT_OK)
            return EXIT_USAGE;
    if (!o->system)
        return usage_error("%s: no system description given", argv[1]);
    if (o->command != CMD_CHECK && !o->output)
        return usage_error("%s needs -o", argv[1]);
    if (o->command == CMD_CHECK && o->output)
        return usage_error("%s takes no -o; use --report or --json", argv[1]);
    return EXIT_OK;
}

/* Writes a file through `write` (report or JSON); EXIT_OK or EXIT_IO. */
static int write_text_file(const char *path, const struct model *m, const struct layout *l,
                           void (*write)(FILE *, const struct model *, const struct layout *))
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    write(f, m, l);
    if (fclose(f) != 0) {
        fprintf(stderr, "bastion: error: cannot write %s\n", path);
        return EXIT_IO;
    }
    return EXIT_OK;
}

static int write_spec(const char *dir, const struct layout *l)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bastion: error: cannot create %s: %s\n", dir, strerror(errno));
        return EXIT_IO;
    }
    size_t len = strlen(dir) + sizeof("/system.spec");
    char *path = xmalloc(len);
    snprintf(path, len, "%s/system.spec", dir);
    int rc = EXIT_OK;
    if (!spec_write(l, path)) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        rc = EXIT_IO;
    }
    free(path);
    return rc;
}

/* Produces the outputs a checked system asks for. */
static int write_outputs(const struct options *o, struct model *m)
{
    if (o->command == CMD_GRAPH)
        return graph_write_file(m, o->output);
    if (o->command == CMD_BUILD)
        images_apply_setvars(m);
    struct layout l;
    layout_build(&l, m);
    int rc = EXIT_OK;
    if (o->command == CMD_BUILD)
        rc = write_spec(o->output, &l);
    if (rc == EXIT_OK && o->report)
        rc = write_text_file(o->report, m, &l, report_write);
    if (rc == EXIT_OK && o->json)
        rc = write_text_file(o->json, m, &l, json_write_system);
    layout_free(&l);
    return rc;
}

/* The directory part of a path ("." when it has none); caller frees. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = xmalloc(len + 1);
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

static int run(const struct options *o)
{
    char *default_dir = directory_of(o->system);
    struct search_path sp = {(const char **)o->search, o->search_count};
    const char *dirs[1] = {default_dir};
    if (sp.count == 0)
        sp = (struct search_path){dirs, 1};
    enum image_need need = o->command == CMD_BUILD ? IMAGES_REQUIRED : IMAGES_IF_PRESENT;
    struct checked_system s;
    int rc = pipeline_check(&s, o->system, NULL, 0, &sp, need, stderr);
    if (rc == EXIT_OK)
        rc = write_outputs(o, &s.model);
    checked_system_free(&s);
    free(default_dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("bastion %s (spec format %u)\n", BASTION_TOOL_VERSION, BASTION_SPEC_VERSION);
        return EXIT_OK;
    }
    struct options o;
    if (parse_args(argc, argv, &o) != EXIT_OK)
        return EXIT_USAGE;
    LIBXML_TEST_VERSION
    int rc = run(&o);
    xmlCleanupParser();
    return rc;
}
