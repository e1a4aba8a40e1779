/*
 * A small printf for the kernel: formats into a sink one character at a time, so it
 * needs no buffer and is safe in exception handlers. See kprintf.h for what it supports.
 */
#include <console.h>
#include <kprintf.h>
#include <kstring.h>

struct sink {
    void (*put)(struct sink *s, char c);
    char *buf;
    size_t size, len;
};

struct spec {
    bool left, zero, alt;
    int width;
    int length; /* 0: int, 1: long, 2: long long, 3: size_t */
};

static void put_console(struct sink *s, char c)
{
    if (c == '\n') {
        arch_console_putc('\r');
    }
    arch_console_putc(c);
    s->len++;
}

static void put_buffer(struct sink *s, char c)
{
    if (s->len + 1 < s->size) {
        s->buf[s->len] = c;
    }
    s->len++;
}

static void emit_padded(struct sink *s, const char *str, size_t n, const struct spec *sp,
                        const char *prefix)
{
    size_t plen = strlen(prefix);
    int pad = sp->width > (int)(n + plen) ? sp->width - (int)(n + plen) : 0;
    if (!sp->left && !sp->zero) {
        while (pad-- > 0) {
            s->put(s, ' ');
        }
    }
    for (size_t i = 0; i < plen; i++) {
        s->put(s, prefix[i]);
    }
    if (!sp->left && sp->zero) {
        while (pad-- > 0) {
            s->put(s, '0');
        }
    }
    for (size_t i = 0; i < n; i++) {
        s->put(s, str[i]);
    }
    while (sp->left && pad-- > 0) {
        s->put(s, ' ');
    }
}

static void emit_number(struct sink *s, uint64_t v, bool negative, unsigned base, bool upper,
                        const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    const char *prefix = negative ? "-" : (sp->alt && base == 16) ? (upper ? "0X" : "0x") : "";
    emit_padded(s, &tmp[sizeof(tmp) - n], n, sp, prefix);
}

static uint64_t fetch_unsigned(va_list *ap, int length)
{
    switch (length) {
    case 0:
        return va_arg(*ap, unsigned int);
    case 1:
        return va_arg(*ap, unsigned long);
    case 2:
        return va_arg(*ap, unsigned long long);
    default:
        return va_arg(*ap, size_t);
    }
}

static int64_t fetch_signed(va_list *ap, int length)
{
    switch (length) {
    case 0:
        return va_arg(*ap, int);
    case 1:
        return va_arg(*ap, long);
    case 2:
        return va_arg(*ap, long long);
    default:
        return (int64_t)va_arg(*ap, size_t);
    }
}

/* Parse flags, width and length after a '%'; returns the conversion character. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){0};
    for (;; f++) {
        if (*f == '-') {
            sp->left = true;
        } else if (*f == '0') {
            sp->zero = true;
        } else if (*f == '#') {
            sp->alt = true;
        } else {
            break;
        }
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        f++;
    }
    while (*f >= '0' && *f <= '9') {
        sp->width = sp->width * 10 + (*f++ - '0');
    }
    if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    while (*f == 'l' && sp->length < 2) {
        sp->length++;
        f++;
    }
    return f;
}

static void format_one(struct sink *s, char conv, struct spec *sp, va_list *ap)
{
    switch (conv) {
    case 'c': {
        char c = (char)va_arg(*ap, int);
        emit_padded(s, &c, 1, sp, "");
        break;
    }
    case 's': {
        const char *str = va_arg(*ap, const char *);
        str = str ? str : "(null)";
        emit_padded(s, str, strlen(str), sp, "");
        break;
    }
    case 'd':
    case 'i': {
        int64_t v = fetch_signed(ap, sp->length);
        emit_number(s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, sp);
        break;
    }
    case 'u':
        emit_number(s, fetch_unsigned(ap, sp->length), false, 10, false, sp);
        break;
    case 'x':
    case 'X':
        emit_number(s, fetch_unsigned(ap, sp->length), false, 16, conv == 'X', sp);
        break;
    case 'p':
        sp->alt = true;
        emit_number(s, (uint64_t)(uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
        break;
    default:
        s->put(s, '%');
        s->put(s, conv);
        break;
    }
}

static int format(struct sink *s, const char *fmt, va_list ap_in)
{
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            s->put(s, *f);
            continue;
        }
        struct spec sp;
        f = parse_spec(f + 1, &sp, &ap);
        if (*f == '\0') {
            break;
        }
        if (*f == '%') {
            s->put(s, '%');
            continue;
        }
        format_one(s, *f, &sp, &ap);
    }
    va_end(ap);
    return (int)s->len;
}

int kvprintf(const char *fmt, va_list ap)
{
    struct sink s = {.put = put_console};
    return format(&s, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = {.put = put_buffer, .buf = buf, .size = size};
    int n = format(&s, fmt, ap);
    if (size > 0) {
        buf[s.len < size ? s.len : size - 1] = '\0';
    }
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
