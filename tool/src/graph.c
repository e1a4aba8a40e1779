/*
 * Graphviz output (see graph.h). Node names are generated (pd0, mr1, ...) so that user
 * names need no quoting rules beyond labels, which are escaped.
 */
#include "graph.h"
#include "flow.h"
#include "output_file.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Writes a DOT string literal. */
static void dot_label(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_pds(FILE *out, const struct model *m)
{
    for (size_t i = 0; i < m->pds.count; i++) {
        const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, i);
        char label[160];
        snprintf(label, sizeof(label), "%s\\nprio %u%s", pd->name, pd->priority,
                 pd->passive ? ", passive" : "");
        fprintf(out, "  pd%zu [shape=box, style=\"rounded%s\", label=\"", i,
                pd->passive ? ",dashed" : "");
        for (const char *c = label; *c; c++) {
            if (*c == '"')
                fputc('\\', out);
            fputc(*c, out);
        }
        fputs("\"];\n", out);
        if (pd->parent != NO_INDEX)
            fprintf(out, "  pd%u -> pd%zu [style=dotted, label=\"child %u\"];\n", pd->parent, i,
                    pd->child_id);
    }
}

static void write_channels(FILE *out, const struct model *m)
{
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        const struct model_end *a = &ch->end[0], *b = &ch->end[1];
        bool fwd = a->notify || a->pp, back = b->notify || b->pp;
        const char *dir = fwd && back ? "both" : fwd ? "forward" : back ? "back" : "none";
        fprintf(out,
                "  pd%u -> pd%u [dir=%s, taillabel=\"id %u\", headlabel=\"id %u\", "
                "labelfontcolor=\"blue\"%s%s];\n",
                a->pd, b->pd, dir, a->id, b->id, (a->pp || b->pp) ? ", style=bold" : "",
                (a->pp || b->pp) ? ", label=\"pp\"" : "");
    }
}

static void write_regions(FILE *out, const struct model *m)
{
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        fprintf(out, "  mr%zu [shape=note, label=", i);
        dot_label(out, r->name);
        fputs("];\n", out);
    }
    for (size_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = VEC_AT(&m->maps, struct model_map, i);
        char perms[4];
        perms_to_text(map->perms, perms);
        fprintf(out, "  pd%u -> mr%u [arrowhead=none, style=dashed, label=\"%s\"];\n", map->pd,
                map->region, perms);
    }
}

static void write_devices(FILE *out, const struct model *m)
{
    for (size_t i = 0; i < m->irqs.count; i++) {
        const struct model_irq *irq = VEC_AT(&m->irqs, struct model_irq, i);
        if (irq->kind == IRQ_IOAPIC)
            fprintf(out, "  irq%zu [shape=diamond, label=\"IRQ pin %u\"];\n", i, irq->pin);
        else
            fprintf(out, "  irq%zu [shape=diamond, label=\"MSI %02x:%02x.%x/%u\"];\n", i,
                    irq->pci.bus, irq->pci.dev, irq->pci.fn, irq->msi_vector);
        fprintf(out, "  irq%zu -> pd%u [label=\"%u\"];\n", i, irq->pd, irq->id);
    }
    for (size_t i = 0; i < m->pcis.count; i++) {
        const struct model_pci *pci = VEC_AT(&m->pcis, struct model_pci, i);
        fprintf(out, "  pci%zu [shape=component, label=\"PCI %02x:%02x.%x\"];\n", i, pci->addr.bus,
                pci->addr.dev, pci->addr.fn);
        fprintf(out, "  pd%u -> pci%zu [arrowhead=none];\n", pci->pd, i);
    }
}

/* Draws the PDs of each domain of the domain schedule inside one box (a cluster). */
static void write_domain_clusters(FILE *out, const struct model *m)
{
    if (!m->has_domain_schedule)
        return;
    struct model_groups pds_of; /* the PDs of each domain */
    MODEL_GROUP_BY(&pds_of, m->domains.count, &m->pds, struct model_pd, domain);
    for (size_t d = 0; d < m->domains.count; d++) {
        const struct model_domain *dom = VEC_AT(&m->domains, struct model_domain, d);
        fprintf(out, "  subgraph cluster_domain%zu {\n    label=", d);
        char label[96];
        snprintf(label, sizeof(label), "domain %.64s", dom->name);
        dot_label(out, label);
        fputs(";\n    style=\"rounded,filled\";\n    fillcolor=\"#f4f4f4\";\n", out);
        for (uint32_t k = pds_of.first[d]; k < pds_of.first[d + 1]; k++)
            fprintf(out, "    pd%u;\n", pds_of.index[k]);
        fputs("  }\n", out);
    }
    model_groups_free(&pds_of);
}

/* What the shapes, lines and numbers mean. */
static void write_legend(FILE *out)
{
    fputs("  subgraph cluster_legend {\n    label=\"legend\";\n    legend [shape=plaintext, "
          "fontsize=10, label=\"box: protection domain (dashed: passive)\\l"
          "arrow between PDs: a channel; arrowheads: who may notify or call\\l"
          "id N (blue) at an end: that PD's channel id for it\\l"
          "bold, pp: protected procedure call to the arrowhead's PD\\l"
          "dotted: parent to child; note: memory region (line label: rights)\\l"
          "diamond: interrupt (label: the PD's id for it); component: PCI device\\l"
          "grey box: a domain of the domain schedule\\l\"];\n  }\n",
          out);
}

void graph_write_dot(FILE *out, const struct model *m)
{
    fputs("digraph system {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n",
          out);
    write_pds(out, m);
    write_channels(out, m);
    write_regions(out, m);
    write_devices(out, m);
    write_domain_clusters(out, m);
    flow_graph_dot(out, m);
    write_legend(out);
    fputs("}\n", out);
}

/* Runs `dot -T<format> -o <path> <input>`; EXIT_OK or EXIT_IO. */
static int run_dot(const char *format, const char *input, const char *path)
{
    char type[16];
    snprintf(type, sizeof(type), "-T%s", format);
    char *argv[] = {"dot", type, "-o", (char *)path, (char *)input, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "dot", NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "bastion: error: cannot run Graphviz 'dot': %s; install graphviz\n",
                strerror(rc));
        return EXIT_IO;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bastion: error: Graphviz 'dot' failed to write %s\n", path);
        return EXIT_IO;
    }
    return EXIT_OK;
}

int graph_write_file(const struct model *m, const char *path)
{
    const char *ext = strrchr(path, '.');
    bool to_stdout = output_is_stdout(path);
    if (!to_stdout &&
        (!ext || (strcmp(ext, ".dot") && strcmp(ext, ".svg") && strcmp(ext, ".png")))) {
        fprintf(stderr,
                "bastion: error: %s: the output must end in .svg, .png or .dot, or be '-' "
                "(DOT on standard output)\n",
                path);
        return EXIT_USAGE;
    }
    struct output_file out;
    if (to_stdout || strcmp(ext, ".dot") == 0) {
        if (output_open(&out, path) != EXIT_OK)
            return EXIT_IO;
        graph_write_dot(out.f, m);
        return output_commit(&out);
    }
    char tmp[] = "/tmp/bastion-graph-XXXXXX";
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return EXIT_IO;
    }
    graph_write_dot(f, m);
    if (fclose(f) != 0) {
        fprintf(stderr, "bastion: error: cannot write %s\n", tmp);
        unlink(tmp);
        return EXIT_IO;
    }
    /* dot writes beside the picture under a temporary name; renamed when it succeeded. */
    char *picture = output_temp_name(path);
    int rc = run_dot(ext + 1, tmp, picture);
    if (rc == EXIT_OK && rename(picture, path) != 0) {
        fprintf(stderr, "bastion: error: cannot write %s: %s\n", path, strerror(errno));
        rc = EXIT_IO;
    }
    if (rc != EXIT_OK)
        unlink(picture);
    free(picture);
    unlink(tmp);
    return rc;
}
