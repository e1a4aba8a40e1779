/*
 * The VMM's end of the console link (console_link.h): the guest's console output cut
 * into lines for the partner's ring, and the partner's input taken from the shared page
 * and fed into the guest's console (the UART or the virtio console). The page is written
 * by another PD at any time: the input count is read once and checked before any copy,
 * and nothing here trusts the page's bytes beyond their count.
 */
#include <vmm/bytes.h>
#include <vmm/console_link.h>

void vmm_link_init(struct vmm_link_end *e, struct vmm_console_link *link)
{
    vmm_bytes_fill((uint8_t *)e, 0, sizeof(*e));
    e->link = link;
}

bool vmm_link_send(struct vmm_link_end *e, const char *text)
{
    if (!e->link)
        return false;
    e->lines_sent++;
    char *slot = e->link->from_guest[e->lines_sent % VMM_LINK_SLOTS];
    unsigned i = 0;
    for (; i < VMM_LINK_SLOT - 1 && text[i]; i++)
        slot[i] = text[i];
    slot[i] = 0;
    e->link->from_guest_seq = e->lines_sent;
    return true;
}

static bool has_prefix(const char *line)
{
    static const char prefix[] = VMM_LINK_PREFIX;
    for (unsigned i = 0; i < sizeof(prefix) - 1; i++)
        if (line[i] != prefix[i])
            return false;
    return true;
}

unsigned vmm_link_console(struct vmm_link_end *e, const uint8_t *bytes, unsigned n)
{
    unsigned sent = 0;
    for (unsigned i = 0; i < n; i++) {
        char c = (char)bytes[i];
        if (c == '\n') {
            e->line[e->line_len] = 0;
            if (has_prefix(e->line) && vmm_link_send(e, e->line))
                sent++;
            e->line_len = 0;
        } else if (c != '\r' && e->line_len < VMM_LINK_SLOT - 1) {
            e->line[e->line_len++] = c;
        }
    }
    return sent;
}

bool vmm_link_take_input(struct vmm_link_end *e, struct vmm_error *err)
{
    if (!e->link)
        return true;
    uint32_t n = e->link->to_guest_len;
    if (!n)
        return true;
    e->link->to_guest_len = 0;
    if (n > VMM_LINK_LINE)
        return vmm_error_set(err, "console input refused: too long: bytes ", n, true);
    if (e->input_pos < e->input_len)
        return vmm_error_set(err, "console input refused: the last is still being fed: bytes ", n,
                             true);
    vmm_bytes_copy((uint8_t *)e->input, (const uint8_t *)e->link->to_guest, n);
    e->input_len = n, e->input_pos = 0;
    return true;
}

void vmm_link_feed(struct vmm_link_end *e, struct vmm_machine *m)
{
    if (e->input_pos >= e->input_len)
        return;
    const uint8_t *bytes = (const uint8_t *)e->input + e->input_pos;
    unsigned n = e->input_len - e->input_pos;
    e->input_pos +=
        e->virtio ? vmm_virtio_console_input(m, bytes, n) : vmm_console_input(m, bytes, n);
}
