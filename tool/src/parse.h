/*
 * Building the system model from a parsed description. This stage checks structure
 * (known elements and attributes, required attributes, counts of children) and the form
 * of every value (numbers, names, permissions). Relations between entities are left to
 * the checks (check.h). Returns true when no error was reported.
 */
#ifndef BASTION_TOOL_PARSE_H
#define BASTION_TOOL_PARSE_H

#include "diag.h"
#include "model.h"

bool parse_system(struct model *m, xmlDoc *doc, struct diag_sink *d);

/* Internal to the parser: elements inside a <protection_domain> (parse_pd.c). */
bool parse_pd(struct model *m, xmlNode *node, uint32_t parent, struct diag_sink *d);

/* A <virtual_machine> inside the PD whose index is `pd` (parse_vm.c). */
bool parse_vm(struct model *m, xmlNode *node, uint32_t pd, struct diag_sink *d);

/* Reports non-blank text inside `node`; false if any. */
bool parse_no_text(const xmlNode *node, struct diag_sink *d);

/* Reports any text or child element inside a leaf element; false if any. */
bool parse_empty(const xmlNode *node, struct diag_sink *d);

/* Reports an element that is not allowed where it is, suggesting a close name. */
void parse_unknown_element(const xmlNode *node, const char *const *allowed, struct diag_sink *d);

#endif
