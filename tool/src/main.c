/*
 * The `bastion` command line: build, check and graph a system description.
 *
 *   bastion build SYSTEM.xml -o DIR [--report FILE] [--json FILE] [--search-path DIR]...
 *   bastion check SYSTEM.xml [--report FILE] [--json FILE] [--search-path DIR]...
 *   bastion graph SYSTEM.xml -o FILE.{svg,png,dot} [--search-path DIR]...
 *   (and --max-errors N, --allow-outside-paths)
 *
 * Quiet on success. Exit status: 0 success, 1 errors in the description or its images,
 * 2 bad command line, 3 I/O or internal error. Outputs appear whole or not at all, and a
 * failed run removes the outputs it was asked for, so none is left from an earlier run.
 */
#include "flow.h"
#include "graph.h"
#include "images.h"
#include "json.h"
#include "kernel_elf.h"
#include "output_file.h"
#include "layout.h"
#include "model.h"
#include "pipeline.h"
#include "report.h"
#include "sizes.h"
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
    "       bastion --help | -h | help | --version\n"
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
    "  --allow-outside-paths  also read images and prefill files named by absolute\n"
    "                       paths or with '..' (refused by default)\n"
    "  --max-errors N       print at most N errors and N warnings (default 50; 0: all)\n"
    "  --ram SIZE           the machine's RAM (e.g. 2G): a system that needs more is an\n"
    "                       error (without it: a warning above 4 GiB)\n"
    "  --cpus N             the machine's CPUs: a protection domain's cpu must be below N\n"
    "                       (without it: any of 0 to 63)\n"
    "  --kernel FILE        the kernel ELF the system boots with: each coloured domain's\n"
    "                       copy of its image is counted in the domain's colours\n"
    "  FILE or -o FILE.dot may be '-' for standard output (--json, --report, graph)\n"
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
    size_t max_errors;
    enum path_scope scope;
    uint64_t ram;
    uint32_t cpus;
    const char *kernel;
};

/* Every option, for "did you mean" suggestions. */
static const char *const option_names[] = {
    "--output",     "--report", "--json",   "--search-path", "--allow-outside-paths",
    "--max-errors", "--ram",    "--kernel", "--help",        "--version",
    "--cpus",       NULL,
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
    if (strcmp(arg, "--allow-outside-paths") == 0) {
        o->scope = PATHS_ANYWHERE;
        return EXIT_OK;
    }
    if (strcmp(arg, "--max-errors") == 0) {
        const char *value;
        if (take_value(argc, argv, i, &value))
            return EXIT_USAGE;
        char *end;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (!*value || *end || value[0] == '-' || errno)
            return usage_error("--max-errors takes a number of messages, not '%s'", value);
        o->max_errors = (size_t)n;
        return EXIT_OK;
    }
    if (strcmp(arg, "--ram") == 0) {
        const char *value;
        if (take_value(argc, argv, i, &value))
            return EXIT_USAGE;
        if (!sizes_parse(value, &o->ram) || o->ram == 0)
            return usage_error("--ram takes a size such as 0x80000000, 2048M or 2G, not '%s'",
                               value);
        return EXIT_OK;
    }
    if (strcmp(arg, "--cpus") == 0) {
        const char *value;
        if (take_value(argc, argv, i, &value))
            return EXIT_USAGE;
        char *end;
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (!*value || *end || value[0] == '-' || errno || n == 0 || n > MODEL_MAX_CPU + 1)
            return usage_error("--cpus takes a number of CPUs from 1 to 64, not '%s'", value);
        o->cpus = (uint32_t)n;
        return EXIT_OK;
    }
    if (strcmp(arg, "--kernel") == 0)
        return take_value(argc, argv, i, &o->kernel) ? EXIT_USAGE : EXIT_OK;
    if (strcmp(arg, "--search-path") == 0) {
        if (o->search_count == MAX_SEARCH_DIRS)
            return usage_error("too many %s options", arg);
        return take_value(argc, argv, i, &o->search[o->search_count++]) ? EXIT_USAGE : EXIT_OK;
    }
    if (arg[0] == '-' && arg[1] != '\0') {
        const char *close = suggest_word(arg, option_names);
        if (close) {
            fprintf(stderr, "bastion: error: unknown option '%s'; did you mean '%s'?\n", arg,
                    close);
            fputs("Try 'bastion --help'.\n", stderr);
            return EXIT_USAGE;
        }
        return usage_error("unknown option '%s'", arg);
    }
    if (o->system)
        return usage_error("more than one system description given ('%s')", arg);
    o->system = arg;
    return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->max_errors = DIAG_DEFAULT_MAX_SHOWN;
    o->scope = PATHS_CONFINED;
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

/* Writes a file through `write` (report or JSON), whole or not at all; EXIT_OK or EXIT_IO. */
static int write_text_file(const char *path, const struct model *m, const struct layout *l,
                           void (*write)(FILE *, const struct model *, const struct layout *))
{
    struct output_file out;
    if (output_open(&out, path) != EXIT_OK)
        return EXIT_IO;
    write(out.f, m, l);
    return output_commit(&out);
}

/* The path of DIR/system.spec; caller frees. */
static char *spec_path(const char *dir)
{
    size_t len = strlen(dir) + sizeof("/system.spec");
    char *path = xmalloc(len);
    snprintf(path, len, "%s/system.spec", dir);
    return path;
}

static int write_spec(const char *dir, const struct layout *l)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bastion: error: cannot create %s: %s\n", dir, strerror(errno));
        return EXIT_IO;
    }
    char *path = spec_path(dir);
    struct output_file out;
    int rc = output_open(&out, path);
    if (rc == EXIT_OK && !spec_write(l, out.f)) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        output_abort(&out);
        rc = EXIT_IO;
    } else if (rc == EXIT_OK) {
        rc = output_commit(&out);
    }
    free(path);
    return rc;
}

/* After a failed run: removes the outputs it was asked for, left by an earlier run. */
static void remove_stale_outputs(const struct options *o)
{
    if (o->command == CMD_BUILD) {
        char *path = spec_path(o->output);
        output_remove_stale(path);
        free(path);
    } else if (o->command == CMD_GRAPH) {
        output_remove_stale(o->output);
    }
    output_remove_stale(o->report);
    output_remove_stale(o->json);
}

/* Produces the outputs a checked system asks for. */
static int write_outputs(const struct options *o, struct model *m)
{
    if (o->command == CMD_GRAPH)
        return graph_write_file(m, o->output);
    if (o->command == CMD_BUILD)
        images_apply_setvars(m);
    if (o->command == CMD_CHECK && !o->report && !o->json)
        return EXIT_OK; /* nothing to lay out */
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
    struct pipeline_options po = {{&sp, need, o->scope}, o->max_errors, o->ram, 0, o->cpus};
    char why[512];
    if (o->kernel && !kernel_elf_copy_pages(o->kernel, &po.kimage_pages, why, sizeof(why))) {
        fprintf(stderr, "bastion: error: kernel '%s': %s\n", o->kernel, why);
        remove_stale_outputs(o);
        free(default_dir);
        return EXIT_DESCRIPTION;
    }
    struct checked_system s;
    int rc = pipeline_check(&s, o->system, NULL, 0, &po, stderr);
    if (rc == EXIT_OK)
        rc = write_outputs(o, &s.model);
    else if (o->command == CMD_GRAPH && flow_graph_despite_errors(&s.model))
        rc = write_outputs(o, &s.model) == EXIT_OK ? EXIT_DESCRIPTION : EXIT_IO; /* drawn */
    if (rc != EXIT_OK && rc != EXIT_USAGE &&
        !(rc == EXIT_DESCRIPTION && o->command == CMD_GRAPH && flow_graph_despite_errors(&s.model)))
        remove_stale_outputs(o);
    checked_system_free(&s);
    free(default_dir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
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
