/*
 * The VMM's end of the console link (console_link.h, console_link.c): the guest's
 * console cut into lines (CR dropped, long lines cut, only BASTION-GUEST-* lines sent,
 * a line split across calls), the ring's slots and sequence numbers; the partner's input
 * taken once and cleared, a count over the limit or input while the last is being fed
 * refused with nothing taken, and input longer than the UART's FIFO fed as the guest
 * reads it, every byte once and in order.
 */
#include <string.h>
#include <vmm/console_link.h>

#include "check.h"
#include "tests.h"

static uint64_t fake_cpuid_calls;
static void fake_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)leaf, (void)subleaf;
    fake_cpuid_calls++;
    out[0] = out[1] = out[2] = out[3] = 0;
}

static unsigned console(struct vmm_link_end *e, const char *text)
{
    return vmm_link_console(e, (const uint8_t *)text, (unsigned)strlen(text));
}

static struct vmm_console_link page;
static struct vmm_link_end end_;

void test_link_lines(void)
{
    memset(&page, 0xee, sizeof(page));
    page.from_guest_seq = 0;
    page.to_guest_len = 0;
    vmm_link_init(&end_, &page);
    CHECK(console(&end_, "[    1.0] kernel line\r\nBASTION-GUEST-INIT: hel") == 0);
    CHECK(page.from_guest_seq == 0);
    CHECK(console(&end_, "lo\r\n") == 1);
    CHECK(page.from_guest_seq == 1 && strcmp(page.from_guest[1], "BASTION-GUEST-INIT: hello") == 0);
    CHECK(console(&end_, "BASTION-GUEST-A\nnot this\nBASTION-GUEST-B\nBASTION-GUEST-C\n") == 3);
    CHECK(page.from_guest_seq == 4 && strcmp(page.from_guest[2], "BASTION-GUEST-A") == 0);
    CHECK(strcmp(page.from_guest[3], "BASTION-GUEST-B") == 0);
    CHECK(strcmp(page.from_guest[0], "BASTION-GUEST-C") == 0);
    /* The ring wraps: line 5 goes to slot 1. */
    CHECK(vmm_link_send(&end_, VMM_LINK_STOPPED) && page.from_guest_seq == 5);
    CHECK(strcmp(page.from_guest[1], VMM_LINK_STOPPED) == 0);
    /* A line longer than a slot is cut, the rest dropped, the next line whole. */
    char longline[2000];
    memset(longline, 'x', sizeof(longline));
    memcpy(longline, "BASTION-GUEST-LONG", 18);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = 0;
    CHECK(console(&end_, longline) == 1 && page.from_guest_seq == 6);
    CHECK(strlen(page.from_guest[2]) == VMM_LINK_SLOT - 1);
    CHECK(console(&end_, "BASTION-GUEST-AFTER\n") == 1 &&
          strcmp(page.from_guest[3], "BASTION-GUEST-AFTER") == 0);
    /* Without a page nothing is sent. */
    struct vmm_link_end none;
    vmm_link_init(&none, NULL);
    CHECK(console(&none, "BASTION-GUEST-X\n") == 0 && !vmm_link_send(&none, "x"));
    struct vmm_error err = {{0}};
    CHECK(vmm_link_take_input(&none, &err) && err.msg[0] == 0);
}

void test_link_input(void)
{
    struct vmm_machine m;
    vmm_machine_init(&m, fake_cpuid, 1000000);
    memset(&page, 0, sizeof(page));
    vmm_link_init(&end_, &page);
    struct vmm_error err = {{0}};
    /* Nothing written: nothing taken. */
    CHECK(vmm_link_take_input(&end_, &err) && end_.input_len == 0);
    /* Too long: refused, cleared, nothing taken. */
    page.to_guest_len = VMM_LINK_LINE + 1;
    CHECK(!vmm_link_take_input(&end_, &err) && strstr(err.msg, "too long") != NULL);
    CHECK(page.to_guest_len == 0 && end_.input_len == 0);
    /* 40 bytes: more than the 16-byte FIFO; fed as the guest reads RBR. */
    char want[41];
    for (unsigned i = 0; i < 40; i++)
        want[i] = (char)('A' + i % 26);
    want[40] = 0;
    memcpy(page.to_guest, want, 40);
    page.to_guest_len = 40;
    memset(&err, 0, sizeof(err));
    CHECK(vmm_link_take_input(&end_, &err) && page.to_guest_len == 0 && end_.input_len == 40);
    /* More input while these are being fed: refused. */
    page.to_guest_len = 3;
    CHECK(!vmm_link_take_input(&end_, &err) && strstr(err.msg, "still being fed") != NULL);
    CHECK(page.to_guest_len == 0 && end_.input_len == 40);
    char got[41] = {0};
    unsigned n = 0, rounds = 0;
    while (n < 40 && rounds++ < 100) {
        vmm_link_feed(&end_, &m);
        while ((vmm_uart_read(&m.com1, 5) & 1) && n < 40) /* LSR.DR: read RBR */
            got[n++] = (char)vmm_uart_read(&m.com1, 0);
    }
    CHECK(n == 40 && strcmp(got, want) == 0 && rounds == 3);
    /* All fed: new input is taken. */
    page.to_guest_len = 2;
    memcpy(page.to_guest, "ok", 2);
    CHECK(vmm_link_take_input(&end_, &err) && end_.input_len == 2 && end_.input_pos == 0);
    CHECK(fake_cpuid_calls == 0);
}
