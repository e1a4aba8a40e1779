/*
 * boss (priority 150), parent of kid: steps through child control, one step each time
 * the kid is back in its event loop (it notifies boss then):
 *   1. restart: the kid starts again with its memory as it was (.data 7, .bss 2)
 *   2. stop, notify, resume: the kid sees the notification sent while it was stopped
 *   3. stop, notify, re-initialise: fresh .data and .bss (6 and 1), and the notification
 *      sent before does not survive
 */
#include <libbastion/pd.h>

#include "tests.h"

#define KID 0

static unsigned step;
static uint64_t kid_data, kid_bss;

void init(void)
{
    bst_printf("boss: up\n");
}

static void check(bool ok, const char *what)
{
    bst_printf("boss: %s: %s (kid .data %lu, .bss %lu)\n", ok ? "ok" : "FAIL", what,
               (unsigned long)kid_data, (unsigned long)kid_bss);
}

static void report(const char *what, bst_error_t e)
{
    if (e != BST_OK)
        bst_printf("boss: FAIL: %s: %s\n", what, bst_error_name(e));
}

void notified(bst_channel_t ch)
{
    (void)ch;
    switch (++step) {
    case 1:
        check(kid_data == 6 && kid_bss == 1, "first run from the image");
        report("restart", bst_child_restart(KID));
        break;
    case 2:
        check(kid_data == 7 && kid_bss == 2, "restart keeps the kid's memory");
        report("stop", bst_child_stop(KID));
        bst_notify(KID);
        report("resume", bst_child_resume(KID));
        break;
    case 3:
        report("stop", bst_child_stop(KID));
        bst_notify(KID);
        report("reinit", bst_child_reinit(KID));
        break;
    case 4:
        check(kid_data == 6 && kid_bss == 1, "re-initialisation resets .data and .bss");
        bst_printf("boss: child control done\n");
        break;
    default:
        break;
    }
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)ch;
    if (bst_msginfo_label(msginfo) == LABEL_STARTED) {
        kid_data = bst_mr_get(0);
        kid_bss = bst_mr_get(1);
    } else if (bst_msginfo_label(msginfo) == LABEL_NOTIFIED) {
        if (step == 2)
            bst_printf("boss: ok: a notification sent while the kid was stopped arrives after "
                       "resume\n");
        else
            bst_printf("boss: FAIL: kid notified at step %u (a stale notification)\n", step);
    }
    return bst_msginfo_new(0, 0);
}
