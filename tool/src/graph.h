/*
 * A picture of the system: Graphviz DOT text with PDs (boxes; passive ones dashed),
 * parent/child links, channels (edges; arrows show who may notify, bold for protected
 * procedure calls), shared memory regions, interrupts and PCI devices. SVG and PNG are
 * made by running Graphviz's `dot` program on that text.
 */
#ifndef BASTION_TOOL_GRAPH_H
#define BASTION_TOOL_GRAPH_H

#include "model.h"

#include <stdio.h>

void graph_write_dot(FILE *out, const struct model *m);

/*
 * Writes the picture to `path` in the format its extension names (.dot, .svg or .png).
 * Returns EXIT_OK, EXIT_USAGE for an unknown extension, or EXIT_IO (message printed).
 */
int graph_write_file(const struct model *m, const char *path);

#endif
