/*
 * A small printf (libbastion/printf.h). One formatter writes through a sink, which is
 * either the debug console or a bounded string.
 */
#include <libbastion/printf.h>
#include <libbastion/syscall.h>
#include <stdbool.h>
#include <stdint.h>

struct sink {
    char *buf; /* NULL: the debug console */
    size_t size;
    size_t len; /* characters produced so far (also past the end of buf) */
};

static void sink_put(struct sink *s, char c)
{
    if (!s->buf)
        bst_debug_putc(c);
    else if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void sink_pad(struct sink *s, char c, int n)
{
    while (n-- > 0)
        sink_put(s, c);
}

struct spec {
    bool left;  /* '-' */
    bool zero;  /* '0' */
    int width;  /* minimum field width */
    int prec;   /* %s precision; -1: none */
    int longs;  /* l count; 2 for ll, z, t, j */
    int shorts; /* h count */
};

/* Print the digits of v in `base`, padded as the spec says. */
static void put_number(struct sink *s, const struct spec *sp, uint64_t v, unsigned base, bool upper,
                       bool negative, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int plen = 0;
    while (prefix[plen])
        plen++;
    int body = n + plen + (negative ? 1 : 0);
    int pad = sp->width > body ? sp->width - body : 0;
    if (!sp->left && !sp->zero)
        sink_pad(s, ' ', pad);
    if (negative)
        sink_put(s, '-');
    for (int i = 0; i < plen; i++)
        sink_put(s, prefix[i]);
    if (!sp->left && sp->zero)
        sink_pad(s, '0', pad);
    while (n)
        sink_put(s, tmp[--n]);
    if (sp->left)
        sink_pad(s, ' ', pad);
}

static void put_string(struct sink *s, const struct spec *sp, const char *str)
{
    if (!str)
        str = "(null)";
    int n = 0;
    while (str[n] && (sp->prec < 0 || n < sp->prec))
        n++;
    int pad = sp->width > n ? sp->width - n : 0;
    if (!sp->left)
        sink_pad(s, ' ', pad);
    for (int i = 0; i < n; i++)
        sink_put(s, str[i]);
    if (sp->left)
        sink_pad(s, ' ', pad);
}

/* Read flags, width, precision and length of one conversion; returns the position after. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){.prec = -1};
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->prec = 0;
        while (*f >= '0' && *f <= '9')
            sp->prec = sp->prec * 10 + (*f++ - '0');
    }
    for (;; f++) {
        if (*f == 'l')
            sp->longs++;
        else if (*f == 'h')
            sp->shorts++;
        else if (*f == 'z' || *f == 't' || *f == 'j')
            sp->longs = 2;
        else
            break;
    }
    return f;
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
    if (sp->longs)
        return va_arg(*ap, unsigned long long);
    unsigned v = va_arg(*ap, unsigned);
    if (sp->shorts == 1)
        return (unsigned short)v;
    if (sp->shorts >= 2)
        return (unsigned char)v;
    return v;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
    if (sp->longs)
        return va_arg(*ap, long long);
    int v = va_arg(*ap, int);
    if (sp->shorts == 1)
        return (short)v;
    if (sp->shorts >= 2)
        return (signed char)v;
    return v;
}

static void format(struct sink *s, const char *f, va_list ap_in)
{
    va_list ap;
    va_copy(ap, ap_in);
    while (*f) {
        if (*f != '%') {
            sink_put(s, *f++);
            continue;
        }
        struct spec sp;
        f = parse_spec(f + 1, &sp, &ap);
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(&sp, &ap);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(s, &sp, mag, 10, false, v < 0, "");
            break;
        }
        case 'u':
            put_number(s, &sp, arg_unsigned(&sp, &ap), 10, false, false, "");
            break;
        case 'x':
        case 'X':
            put_number(s, &sp, arg_unsigned(&sp, &ap), 16, *f == 'X', false, "");
            break;
        case 'o':
            put_number(s, &sp, arg_unsigned(&sp, &ap), 8, false, false, "");
            break;
        case 'p':
            put_number(s, &sp, (uintptr_t)va_arg(ap, void *), 16, false, false, "0x");
            break;
        case 'c':
            sink_put(s, (char)va_arg(ap, int));
            break;
        case 's':
            put_string(s, &sp, va_arg(ap, const char *));
            break;
        case '%':
            sink_put(s, '%');
            break;
        case '\0':
            va_end(ap);
            return;
        default: /* unknown conversion: show it as written */
            sink_put(s, '%');
            sink_put(s, *f);
            break;
        }
        f++;
    }
    va_end(ap);
}

int bst_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = {.buf = buf, .size = size};
    format(&s, fmt, ap);
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}

int bst_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = bst_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int bst_vprintf(const char *fmt, va_list ap)
{
    struct sink s = {.buf = NULL};
    format(&s, fmt, ap);
    return (int)s.len;
}

int bst_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = bst_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void bst_puts(const char *s)
{
    while (*s)
        bst_debug_putc(*s++);
}
