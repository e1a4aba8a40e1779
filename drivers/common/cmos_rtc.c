/*
 * The CMOS real-time clock (bastion/driver/cmos_rtc.h).
 */
#include <bastion/driver/cmos_rtc.h>

#define RTC_INDEX 0x70
#define RTC_DATA  0x71

static unsigned rtc_register(bst_ioport_t id, unsigned reg)
{
    bst_ioport_out8(id, RTC_INDEX, (uint8_t)reg);
    return bst_ioport_in8(id, RTC_DATA);
}

static unsigned rtc_field(bst_ioport_t id, unsigned reg, bool bcd)
{
    unsigned v = rtc_register(id, reg);
    return bcd ? (v >> 4) * 10 + (v & 0xf) : v;
}

unsigned cmos_rtc_seconds(bst_ioport_t id)
{
    for (;;) {
        while (rtc_register(id, 0x0a) & 0x80) { /* status A: update in progress */
        }
        bool bcd = !(rtc_register(id, 0x0b) & 0x04); /* status B: binary mode */
        unsigned s = rtc_field(id, 0x00, bcd), m = rtc_field(id, 0x02, bcd),
                 h = rtc_field(id, 0x04, bcd);
        if (s == rtc_field(id, 0x00, bcd))
            return h * 3600 + m * 60 + s;
    }
}

unsigned cmos_rtc_next_second(bst_ioport_t id)
{
    unsigned first = cmos_rtc_seconds(id), now;
    while ((now = cmos_rtc_seconds(id)) == first) {
    }
    return now;
}
