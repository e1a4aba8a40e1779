/*
 * Typed reading of element attributes with located diagnostics. Every reader reports
 * its own error (naming the attribute, the bad value and how to fix it) and returns
 * false; on success it stores the value (or the default when the attribute is absent
 * and optional) and returns true.
 */
#ifndef BASTION_TOOL_ATTRS_H
#define BASTION_TOOL_ATTRS_H

#include "diag.h"
#include "model.h"

#include <stdbool.h>
#include <stdint.h>

enum attr_need {
    ATTR_OPTIONAL,
    ATTR_REQUIRED,
};

/* The text of attribute `name`, or NULL when absent. */
const char *attr_text(const xmlNode *node, const char *name);

/* Reports every attribute not in `allowed` (NULL-terminated); false if any. */
bool attrs_only(struct diag_sink *d, const xmlNode *node, const char *const *allowed);

/* Pure parsers, shared with the checks: true when text is well formed. */
bool parse_u64(const char *text, uint64_t *out);
bool parse_pci_addr(const char *text, struct pci_addr *out);

/* "52:54:00:12:34:56": six groups of two hex digits; the first octet is most significant. */
bool parse_mac(const char *text, uint64_t *out);

/* "10.0.2.15": four decimal octets 0..255 without leading zeros; the first most significant. */
bool parse_ipv4(const char *text, uint64_t *out);

bool attr_u64(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              uint64_t dflt, uint64_t min, uint64_t max, uint64_t *out);
bool attr_u32(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              uint32_t dflt, uint32_t min, uint32_t max, uint32_t *out);
bool attr_bool(struct diag_sink *d, const xmlNode *node, const char *name, bool dflt, bool *out);

/* A name of a PD, region or domain: [A-Za-z_][A-Za-z0-9_.-]*, at most 63 characters. */
bool attr_name(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
               const char **out);

/* A C identifier naming a symbol of a program image (for setvar); NULL when absent. */
bool attr_symbol(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
                 const char **out);

/* A non-empty file name. */
bool attr_path(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
               const char **out);

/* Permissions: a non-empty combination of r, w and x, each at most once. */
bool attr_perms(struct diag_sink *d, const xmlNode *node, const char *name, uint8_t dflt,
                uint8_t *out);

/* One of `choices` (NULL-terminated); stores its index. */
bool attr_choice(struct diag_sink *d, const xmlNode *node, const char *name,
                 const char *const *choices, unsigned dflt, unsigned *out);

/* A MAC address (parse_mac) or an IPv4 address (parse_ipv4) as a number; required. */
bool attr_mac(struct diag_sink *d, const xmlNode *node, const char *name, uint64_t *out);
bool attr_ipv4(struct diag_sink *d, const xmlNode *node, const char *name, uint64_t *out);

bool attr_pci(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              struct pci_addr *out);

#endif
