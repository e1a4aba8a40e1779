/*
 * Labels shared by the API test system's PDs (init/tests/api).
 */
#ifndef API_TESTS_H
#define API_TESTS_H

enum api_label {
    LABEL_ECHO = 1,    /* driver -> server: add 1 to every MR */
    LABEL_ECHO_OK = 7, /* server's reply */
    LABEL_STARTED = 2, /* kid -> boss: MR0 .data counter, MR1 .bss counter */
    LABEL_NOTIFIED = 3 /* kid -> boss: kid's notified() ran */
};

#endif
