/*
 * client: one program, three PDs (alice, bob, carol). Holding the token, a client takes
 * a ticket from the counter, writes itself on the shared board and passes the token on.
 * alice starts the token and ends the demo after three laps.
 */
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define COUNTER 1 /* PPC channel to the counter */
#define NEXT    2 /* notify the next client */
#define PREV    3 /* notified by the previous client */
#define LAPS    3

struct board {
    char holder[16];
    unsigned passes;
};

uintptr_t board; /* patched by the tool: where the shared region is mapped (setvar_vaddr) */

static bool is_starter(void)
{
    return bst_strcmp(bst_pd_name(), "alice") == 0;
}

static void take_token(void)
{
    struct board *b = (struct board *)board;
    bst_msginfo_t reply = bst_ppcall(COUNTER, bst_msginfo_new(0, 0));
    (void)reply;
    uint64_t ticket = bst_mr_get(0), mine = bst_mr_get(1);
    b->passes++;
    bst_printf("%s: token (pass %u, previous holder %s): ticket %lu, my %lu. call\n", bst_pd_name(),
               b->passes, b->holder[0] ? b->holder : "nobody", (unsigned long)ticket,
               (unsigned long)mine);
    bst_strlcpy(b->holder, bst_pd_name(), sizeof(b->holder));
}

void init(void)
{
    bst_printf("%s: up, board at 0x%lx\n", bst_pd_name(), (unsigned long)board);
    if (is_starter()) {
        take_token();
        bst_notify(NEXT);
    }
}

void notified(bst_channel_t ch)
{
    struct board *b = (struct board *)board;
    if (ch != PREV)
        return;
    if (is_starter() && b->passes == 3 * LAPS) {
        bst_printf("demo: %u passes around 3 PDs done; the counter gave %u tickets\n", b->passes,
                   b->passes);
        bst_system_exit(0);
    }
    take_token();
    bst_notify(NEXT);
}
