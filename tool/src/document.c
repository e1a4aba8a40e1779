/*
 * Reading and XML-parsing a system description (see document.h). Network access and
 * entity expansion are off; a DOCTYPE is refused, because a description never needs one
 * and entities would make positions (and resource use) unpredictable.
 */
#include "document.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>

/* Receives libxml2's syntax errors while one document is parsed. */
static void on_xml_error(void *ctx, xmlErrorPtr err)
{
    struct diag_sink *d = ctx;
    if (err->level == XML_ERR_WARNING || d->errors > 0)
        return; /* later errors are mostly consequences of the first */
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "malformed XML");
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    struct src_pos pos = {err->line > 0 ? err->line : 1, err->int2 > 0 ? err->int2 : 1};
    /* libxml2's limits name its own options; say what they mean for a description. */
    if (strstr(msg, "XML_PARSE_HUGE") && strstr(msg, "depth"))
        diag_at(d, DIAG_ERROR, pos,
                "elements are nested too deeply (the parser's limit is 256 levels); a system "
                "description nests a few levels only");
    else if (strstr(msg, "XML_PARSE_HUGE"))
        diag_at(d, DIAG_ERROR, pos,
                "a name, text or attribute value is longer than the parser's limit; shorten it");
    else
        diag_at(d, DIAG_ERROR, pos, "XML syntax: %s; the file must be well-formed XML", msg);
}

/*
 * The offset of a <!DOCTYPE in the prolog (before the first element), or -1. Found before
 * parsing, so that every DOCTYPE, even one libxml2 would reject with its own words (an
 * entity loop, a malformed declaration), gets the same message.
 */
static long find_doctype(const char *text)
{
    const char *p = text;
    if ((unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
        p += 3; /* UTF-8 byte order mark */
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *end = NULL;
        if (strncmp(p, "<?", 2) == 0)
            end = strstr(p, "?>");
        else if (strncmp(p, "<!--", 4) == 0)
            end = strstr(p, "-->");
        else
            break;
        if (!end)
            return -1;
        p = end + 2 + (*end == '-');
    }
    return strncmp(p, "<!DOCTYPE", 9) == 0 ? (long)(p - text) : -1;
}

/* True when text holds nothing but white space. */
static bool is_blank(const char *text)
{
    for (; *text; text++)
        if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r')
            return false;
    return true;
}

/* Refuses documents with a DOCTYPE (at its position in the text). */
static int refuse_doctype(struct document *doc, struct diag_sink *d)
{
    if (!doc->doc->intSubset && !doc->doc->extSubset)
        return EXIT_OK;
    const char *at = strstr(doc->text, "<!DOCTYPE");
    struct src_pos pos = src_offset_pos(doc->text, at ? (size_t)(at - doc->text) : 0);
    diag_at(d, DIAG_ERROR, pos, "<!DOCTYPE> is not allowed in a system description; remove it");
    return EXIT_DESCRIPTION;
}

/*
 * A UTF-16 description (it starts with a byte order mark) is turned into UTF-8 before
 * anything reads it, so that lines and columns are counted in characters as for UTF-8.
 * Returns the new text (owned by the caller; NULL when it is not valid UTF-16) and its
 * size, or sets *converted false and returns NULL when the text is not UTF-16.
 */
static char *utf16_to_utf8(const char *text, size_t size, size_t *out_size, bool *converted)
{
    const unsigned char *b = (const unsigned char *)text;
    *converted = size >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff));
    if (!*converted)
        return NULL;
    iconv_t cd = iconv_open("UTF-8", b[0] == 0xff ? "UTF-16LE" : "UTF-16BE");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t in_left = size - 2, out_cap = (size - 2) / 2 * 3 + 1, out_left = out_cap - 1;
    char *out = xmalloc(out_cap), *in = (char *)text + 2, *op = out;
    size_t rc = iconv(cd, &in, &in_left, &op, &out_left);
    iconv_close(cd);
    if (rc == (size_t)-1 || in_left) {
        free(out);
        return NULL;
    }
    *op = '\0';
    *out_size = (size_t)(op - out);
    return out;
}

int document_load(struct document *doc, const char *path, const char *text, size_t size,
                  struct diag_sink *d)
{
    memset(doc, 0, sizeof(*doc));
    if (text) {
        doc->text = xmalloc(size + 1);
        memcpy(doc->text, text, size);
        doc->text[size] = '\0';
        doc->size = size;
    } else {
        doc->text = read_file(path, &doc->size);
        if (!doc->text) {
            fprintf(stderr, "bastion: error: cannot read %s: %s\n", path, strerror(errno));
            return EXIT_IO;
        }
    }
    bool utf16;
    size_t utf8_size = 0;
    char *utf8 = utf16_to_utf8(doc->text, doc->size, &utf8_size, &utf16);
    if (utf16 && !utf8) {
        diag_at(d, DIAG_ERROR, (struct src_pos){1, 1},
                "the file starts as UTF-16 (a byte order mark) but is not valid UTF-16; save "
                "it as UTF-8");
        return EXIT_DESCRIPTION;
    }
    if (utf8) {
        free(doc->text);
        doc->text = utf8;
        doc->size = utf8_size;
    }
    if (is_blank(doc->text)) {
        diag_at(d, DIAG_ERROR, (struct src_pos){1, 1},
                "the file is empty; a system description is <system>...</system>");
        return EXIT_DESCRIPTION;
    }
    long doctype = find_doctype(doc->text);
    if (doctype >= 0) {
        diag_at(d, DIAG_ERROR, src_offset_pos(doc->text, (size_t)doctype),
                "<!DOCTYPE> is not allowed in a system description; remove it");
        return EXIT_DESCRIPTION;
    }
    xmlSetStructuredErrorFunc(d, on_xml_error);
    /* Blank text between elements is dropped and short text (most attribute values) is
     * kept inside its node: fewer allocations for a large description. The tree is
     * never modified, which XML_PARSE_COMPACT requires. */
    int options = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_NOBLANKS |
                  XML_PARSE_COMPACT;
    /* Converted text is UTF-8 whatever its declaration says. */
    doc->doc = xmlReadMemory(doc->text, (int)(doc->size > INT32_MAX ? INT32_MAX : doc->size), path,
                             utf8 ? "UTF-8" : NULL, options);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc->doc || d->errors) {
        if (!d->errors)
            diag_at(d, DIAG_ERROR, (struct src_pos){1, 1}, "XML syntax: the file is not XML");
        return EXIT_DESCRIPTION;
    }
    if (refuse_doctype(doc, d) != EXIT_OK)
        return EXIT_DESCRIPTION;
    src_map_scan(&doc->map, doc->text);
    src_map_attach(&doc->map, doc->doc);
    return EXIT_OK;
}

void document_free(struct document *doc)
{
    if (doc->doc)
        xmlFreeDoc(doc->doc);
    src_map_free(&doc->map);
    free(doc->text);
    memset(doc, 0, sizeof(*doc));
}
