/*
 * The CMOS real-time clock, read through one of the PD's I/O port ids (a range covering
 * the index port 0x70 and the data port 0x71): an independent, coarse clock the timer
 * tests check the timer driver's rate against.
 */
#ifndef BASTION_DRIVER_CMOS_RTC_H
#define BASTION_DRIVER_CMOS_RTC_H

#include <libbastion/pd.h>

/* Seconds since midnight, read outside the clock's update cycle (BCD or binary). */
unsigned cmos_rtc_seconds(bst_ioport_t id);

/* Wait for the next second to begin; returns it (seconds since midnight). */
unsigned cmos_rtc_next_second(bst_ioport_t id);

/* Whole seconds from `start` to `end` across midnight. */
static inline unsigned cmos_rtc_elapsed(unsigned start, unsigned end)
{
    return (end + 86400 - start) % 86400;
}

#endif
