/*
 * Attribute readers (see attrs.h). Numbers are decimal or 0x-prefixed hexadecimal and
 * may use '_' between digits; booleans are "true" or "false".
 */
#include "attrs.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

const char *attr_text(const xmlNode *node, const char *name)
{
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (a->children && a->children->content)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

/* Writes "a, b, c" for a NULL-terminated list into buf. */
static void join_names(const char *const *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

bool attrs_only(struct diag_sink *d, const xmlNode *node, const char *const *allowed)
{
    bool ok = true;
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known |= strcmp(allowed[i], name) == 0;
        if (known)
            continue;
        ok = false;
        const char *close = suggest_word(name, allowed);
        char list[512];
        join_names(allowed, list, sizeof(list));
        if (close)
            diag_node(d, DIAG_ERROR, node, name, "unknown attribute '%s'; did you mean '%s'?", name,
                      close);
        else if (allowed[0])
            diag_node(d, DIAG_ERROR, node, name,
                      "unknown attribute '%s'; the attributes allowed here are: %s", name, list);
        else
            diag_node(d, DIAG_ERROR, node, name,
                      "unknown attribute '%s'; this element takes no attributes", name);
    }
    return ok;
}

/* Adds one digit to *value in `base`; false on overflow. */
static bool accumulate(uint64_t *value, unsigned base, unsigned digit)
{
    if (*value > (UINT64_MAX - digit) / base)
        return false;
    *value = *value * base + digit;
    return true;
}

/* Value of a digit character in base 16, or 16 when it is not one. */
static unsigned digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned)(c - 'A' + 10);
    return 16;
}

/* Parses digits with '_' separators; *overflow set when the value does not fit. */
static bool parse_digits(const char *p, unsigned base, uint64_t *out, bool *overflow)
{
    uint64_t value = 0;
    bool seen_digit = false, last_underscore = false;
    for (; *p; p++) {
        if (*p == '_') {
            if (!seen_digit || last_underscore)
                return false;
            last_underscore = true;
            continue;
        }
        unsigned digit = digit_value(*p);
        if (digit >= base)
            return false;
        if (!accumulate(&value, base, digit))
            *overflow = true;
        seen_digit = true;
        last_underscore = false;
    }
    if (!seen_digit || last_underscore)
        return false;
    *out = value;
    return true;
}

/* Like parse_u64 but tells a well-formed number that overflows from a malformed one. */
static bool parse_number(const char *text, uint64_t *out, bool *overflow)
{
    *overflow = false;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        return parse_digits(text + 2, 16, out, overflow);
    return parse_digits(text, 10, out, overflow);
}

bool parse_u64(const char *text, uint64_t *out)
{
    bool overflow;
    return parse_number(text, out, &overflow) && !overflow;
}

/* Formats a limit the way the user wrote the value: hexadecimal or decimal. */
static void format_limit(uint64_t v, bool hex, char *buf, size_t size)
{
    if (hex)
        snprintf(buf, size, "0x%" PRIx64, v);
    else
        snprintf(buf, size, "%" PRIu64, v);
}

bool attr_u64(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              uint64_t dflt, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *text = attr_text(node, name);
    if (!text) {
        if (need == ATTR_REQUIRED) {
            diag_node(d, DIAG_ERROR, node, NULL, "missing required attribute '%s'; add %s=\"...\"",
                      name, name);
            return false;
        }
        *out = dflt;
        return true;
    }
    uint64_t value;
    bool overflow;
    if (!parse_number(text, &value, &overflow)) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%s' is not a number; write it in decimal or as 0x-prefixed hexadecimal",
                  name, text);
        return false;
    }
    if (overflow || value < min || value > max) {
        char lo[32], hi[32];
        bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        format_limit(min, hex, lo, sizeof(lo));
        format_limit(max, hex, hi, sizeof(hi));
        diag_node(d, DIAG_ERROR, node, name, "%s %s is out of range; use a value from %s to %s",
                  name, text, lo, hi);
        return false;
    }
    *out = value;
    return true;
}

bool attr_u32(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              uint32_t dflt, uint32_t min, uint32_t max, uint32_t *out)
{
    uint64_t value;
    if (!attr_u64(d, node, name, need, dflt, min, max, &value))
        return false;
    *out = (uint32_t)value;
    return true;
}

bool attr_bool(struct diag_sink *d, const xmlNode *node, const char *name, bool dflt, bool *out)
{
    const char *text = attr_text(node, name);
    if (!text) {
        *out = dflt;
        return true;
    }
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return true;
    }
    diag_node(d, DIAG_ERROR, node, name, "%s '%s' is not a boolean; write \"true\" or \"false\"",
              name, text);
    return false;
}

/* Reports a missing required attribute; returns false so callers can `return missing(...)`. */
static bool missing(struct diag_sink *d, const xmlNode *node, const char *name)
{
    diag_node(d, DIAG_ERROR, node, NULL, "missing required attribute '%s'; add %s=\"...\"", name,
              name);
    return false;
}

static bool is_name(const char *s, bool allow_punct)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (const char *p = s + 1; *p; p++) {
        bool punct = *p == '.' || *p == '-';
        if (!(isalnum((unsigned char)*p) || *p == '_' || (allow_punct && punct)))
            return false;
    }
    return true;
}

bool attr_name(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
               const char **out)
{
    const char *text = attr_text(node, name);
    if (!text) {
        *out = NULL;
        return need == ATTR_REQUIRED ? missing(d, node, name) : true;
    }
    if (!is_name(text, true) || strlen(text) > MODEL_MAX_NAME) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%.80s' is not a valid name; use at most 63 letters, digits, '_', '-' and "
                  "'.', starting with a letter or '_'",
                  name, text);
        return false;
    }
    *out = text;
    return true;
}

bool attr_symbol(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
                 const char **out)
{
    const char *text = attr_text(node, name);
    *out = NULL;
    if (!text)
        return need == ATTR_REQUIRED ? missing(d, node, name) : true;
    if (!is_name(text, false) || strlen(text) > 255) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%.80s' is not a C identifier; name a global variable of the program", name,
                  text);
        return false;
    }
    *out = text;
    return true;
}

bool attr_path(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
               const char **out)
{
    const char *text = attr_text(node, name);
    *out = NULL;
    if (!text)
        return need == ATTR_REQUIRED ? missing(d, node, name) : true;
    if (text[0] == '\0') {
        diag_node(d, DIAG_ERROR, node, name, "%s is empty; name a file", name);
        return false;
    }
    *out = text;
    return true;
}

bool attr_perms(struct diag_sink *d, const xmlNode *node, const char *name, uint8_t dflt,
                uint8_t *out)
{
    const char *text = attr_text(node, name);
    if (!text) {
        *out = dflt;
        return true;
    }
    uint8_t perms = 0;
    for (const char *p = text; *p; p++) {
        uint8_t bit = *p == 'r' ? PERM_R : *p == 'w' ? PERM_W : *p == 'x' ? PERM_X : 0;
        if (!bit || (perms & bit)) {
            diag_node(d, DIAG_ERROR, node, name,
                      "%s '%.16s' is not valid: %s '%c'; write a combination of r, w and x "
                      "such as \"r\", \"rw\" or \"rx\"",
                      name, text, bit ? "repeated" : "unknown permission", *p);
            return false;
        }
        perms |= bit;
    }
    if (!perms) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s is empty; give at least \"r\" (a mapping that cannot be read cannot be "
                  "expressed on x86_64)",
                  name);
        return false;
    }
    *out = perms;
    return true;
}

bool attr_choice(struct diag_sink *d, const xmlNode *node, const char *name,
                 const char *const *choices, unsigned dflt, unsigned *out)
{
    const char *text = attr_text(node, name);
    if (!text) {
        *out = dflt;
        return true;
    }
    for (unsigned i = 0; choices[i]; i++) {
        if (strcmp(choices[i], text) == 0) {
            *out = i;
            return true;
        }
    }
    char list[256];
    join_names(choices, list, sizeof(list));
    diag_node(d, DIAG_ERROR, node, name, "%s '%.32s' is not valid; use one of: %s", name, text,
              list);
    return false;
}

/* Parses "BB:DD.F" (one or two hexadecimal digits of bus and device, one of function 0-7). */
bool parse_pci_addr(const char *text, struct pci_addr *out)
{
    unsigned v[3] = {0, 0, 0};
    const char seps[3] = {':', '.', '\0'};
    const int max_digits[3] = {2, 2, 1};
    const char *p = text;
    for (int part = 0; part < 3; part++) {
        int digits = 0;
        while (digit_value(*p) < 16 && digits < max_digits[part]) {
            v[part] = v[part] * 16 + digit_value(*p++);
            digits++;
        }
        if (digits == 0 || *p != seps[part])
            return false;
        if (part < 2)
            p++;
    }
    if (v[1] > 31 || v[2] > 7)
        return false;
    out->bus = (uint8_t)v[0];
    out->dev = (uint8_t)v[1];
    out->fn = (uint8_t)v[2];
    return true;
}

bool attr_pci(struct diag_sink *d, const xmlNode *node, const char *name, enum attr_need need,
              struct pci_addr *out)
{
    const char *text = attr_text(node, name);
    if (!text)
        return need == ATTR_REQUIRED ? missing(d, node, name) : true;
    if (!parse_pci_addr(text, out)) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%.32s' is not a PCI address; write bus:device.function in hexadecimal, "
                  "e.g. \"00:03.0\" (device at most 1f, function at most 7)",
                  name, text);
        return false;
    }
    return true;
}

bool parse_mac(const char *text, uint64_t *out)
{
    uint64_t value = 0;
    const char *p = text;
    for (int group = 0; group < 6; group++) {
        if (group > 0 && *p++ != ':')
            return false;
        unsigned hi = digit_value(p[0]), lo = hi < 16 ? digit_value(p[1]) : 16;
        if (hi >= 16 || lo >= 16)
            return false;
        value = value << 8 | hi << 4 | lo;
        p += 2;
    }
    if (*p)
        return false;
    *out = value;
    return true;
}

bool parse_ipv4(const char *text, uint64_t *out)
{
    uint64_t value = 0;
    const char *p = text;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0 && *p++ != '.')
            return false;
        unsigned n = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        /* "010" is refused: some parsers read a leading zero as octal. */
        if (digits == 0 || digits > 3 || n > 255 || (digits > 1 && p[-digits] == '0'))
            return false;
        value = value << 8 | n;
    }
    if (*p)
        return false;
    *out = value;
    return true;
}

bool attr_mac(struct diag_sink *d, const xmlNode *node, const char *name, uint64_t *out)
{
    const char *text = attr_text(node, name);
    if (!text)
        return missing(d, node, name);
    if (!parse_mac(text, out)) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%.40s' is not a MAC address; write six groups of two hexadecimal digits "
                  "separated by ':', e.g. \"52:54:00:12:34:56\"",
                  name, text);
        return false;
    }
    return true;
}

bool attr_ipv4(struct diag_sink *d, const xmlNode *node, const char *name, uint64_t *out)
{
    const char *text = attr_text(node, name);
    if (!text)
        return missing(d, node, name);
    if (!parse_ipv4(text, out)) {
        diag_node(d, DIAG_ERROR, node, name,
                  "%s '%.40s' is not an IPv4 address; write four decimal numbers from 0 to 255 "
                  "separated by '.', without leading zeros, e.g. \"10.0.2.15\"",
                  name, text);
        return false;
    }
    return true;
}
