/*
 * The timer's protocol: protected procedure calls on a channel to the timer driver
 * (the client's end has pp="true"; the driver runs at a higher priority), and a
 * notification on the same channel when a timeout expires.
 *
 *   label              MRs in                     reply
 *   TIMER_NOW          -                          MR0 = now, in ns since the driver started
 *   TIMER_SET_TIMEOUT  MR0 = ns from now          MR0 = the deadline (absolute, as TIMER_NOW)
 *   TIMER_CANCEL       -                          -
 *   TIMER_SET_DEADLINE MR0 = deadline (as TIMER_NOW)  MR0 = the deadline
 *
 * Each client has one timeout: setting one replaces the one before. When the timer's
 * clock reaches the deadline the driver notifies the client on the channel, once. It
 * never notifies early; how late depends on the system's load (docs/drivers.md). A reply
 * with label TIMER_ERROR means the call was not understood (unknown label, or a channel
 * that is not a client's). Times are 64-bit nanoseconds; they do not wrap for 584 years.
 *
 * Restart (docs/supervision.md): the clock survives a restart of the driver (its epoch is
 * the device's), the timeouts do not. A client re-arms its pending timeout with
 * TIMER_SET_DEADLINE when the driver's generation changes (the client library does), and
 * repeats a call that failed because the driver was restarted while it held it: every
 * call is idempotent, so a repeated one is harmless.
 */
#ifndef BASTION_TIMER_PROTOCOL_H
#define BASTION_TIMER_PROTOCOL_H

enum timer_label {
    TIMER_NOW = 1,
    TIMER_SET_TIMEOUT = 2,
    TIMER_CANCEL = 3,
    TIMER_SET_DEADLINE = 4,
    TIMER_ERROR = 0xfff,
};

#define TIMER_MAX_CLIENTS 16u /* client channels 0 .. TIMER_MAX_CLIENTS-1 at the driver */

#endif /* BASTION_TIMER_PROTOCOL_H */
