/*
 * loader: fills its empty child (a PD described with <late_image>, docs/late-loading.md)
 * with a program image read from its block partition, through init.
 *
 * The partition holds images in slots of 1 MiB (blocks of 4 KiB): a slot's first block
 * starts with the magic "BSTIMAGE" and the image's length (8 bytes, little-endian); the
 * image follows from the slot's second block. The loader tries the slots in order and
 * asks init to load each (bst_child_load): init checks the image against the description
 * and refuses it with a reason, the child staying empty, or starts it. The loader stops
 * at the first image init starts, and reports a fault of its child (which it leaves
 * stopped): a loaded program can do no more than its PD's description allows.
 *
 * The loader is not trusted with the child's integrity: it only carries bytes (init does
 * every check on its own copy). setvars: `loader_slots`, how many slots to try;
 * `loader_restarts` (default 0), how many times a faulting child is started again (from
 * its entry, its memory as it was: bst_child_restart) before it is left stopped.
 */
#include <bastion/blk/client.h>
#include <libbastion/late_load.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>
#include <libbastion/string.h>

#define LOADER_CHILD 0u
#define SLOT_BLOCKS  256u /* 1 MiB */
#define READ_CHUNK   16u  /* blocks per request */
#define IMAGE_MAGIC  "BSTIMAGE"
#define IMAGE_MAX    (BLK_DATA_REGION_SIZE - BLK_BLOCK_SIZE)

uint64_t loader_slots = 1;    /* setvar: slots to try */
uint64_t loader_restarts = 0; /* setvar: restarts of a faulting child before it stays stopped */

/* Read slot `slot`'s image into the data region at offset BLK_BLOCK_SIZE; its length, or
 * 0 (with a message) when the slot holds none. */
static uint64_t read_slot(uint64_t slot, uint64_t blocks)
{
    uint64_t first = slot * SLOT_BLOCKS;
    if (first + 1 >= blocks || blk_read(first, 1, 0) != BLK_OK) {
        bst_printf("loader: slot %lu: cannot read its header\n", (unsigned long)slot);
        return 0;
    }
    const uint8_t *head = blk_client_buffer(0);
    uint64_t length;
    memcpy(&length, head + 8, sizeof(length));
    if (memcmp(head, IMAGE_MAGIC, 8) != 0 || length == 0 || length > IMAGE_MAX) {
        bst_printf("loader: slot %lu: no image (or one larger than the loader's buffer)\n",
                   (unsigned long)slot);
        return 0;
    }
    uint32_t count = (uint32_t)((length + BLK_BLOCK_SIZE - 1) / BLK_BLOCK_SIZE);
    for (uint32_t done = 0; done < count; done += READ_CHUNK) {
        uint32_t n = count - done < READ_CHUNK ? count - done : READ_CHUNK;
        if (first + 1 + done + n > blocks ||
            blk_read(first + 1 + done, n, (uint64_t)(1 + done) * BLK_BLOCK_SIZE) != BLK_OK) {
            bst_printf("loader: slot %lu: cannot read its %lu bytes\n", (unsigned long)slot,
                       (unsigned long)length);
            return 0;
        }
    }
    return length;
}

void init(void)
{
    struct blk_info info;
    blk_client_init(&info);
    for (uint64_t slot = 0; slot < loader_slots; slot++) {
        uint64_t length = read_slot(slot, info.blocks);
        if (length == 0)
            continue;
        enum bst_late_verdict why = BST_LATE_NOT_EMPTY;
        bst_error_t e =
            bst_child_load(LOADER_CHILD, blk_client_buffer(BLK_BLOCK_SIZE), length, &why);
        if (e == BST_OK) {
            bst_printf("loader: slot %lu: image of %lu bytes loaded; child started\n",
                       (unsigned long)slot, (unsigned long)length);
            return;
        }
        bst_printf("loader: slot %lu: image of %lu bytes refused: %s (%s)\n", (unsigned long)slot,
                   (unsigned long)length, bst_late_verdict_text(why), bst_error_name(e));
    }
    bst_printf("loader: no image was loaded\n");
}

/* The child overstepped its description: say so, and start it again while restarts are
 * left, else leave it stopped. */
bst_msginfo_t fault(bst_child_t child, bst_msginfo_t msginfo)
{
    bool again = loader_restarts > 0;
    bst_printf("loader: child %u faulted: %s at address 0x%lx (ip 0x%lx); %s\n", child,
               bst_fault_name(bst_msginfo_label(msginfo)), (unsigned long)bst_fault_addr(),
               (unsigned long)bst_fault_ip(), again ? "starting it again" : "it stays stopped");
    if (again) {
        loader_restarts--;
        bst_error_t e = bst_child_restart(child);
        if (e != BST_OK)
            bst_printf("loader: starting child %u again failed: %s\n", child, bst_error_name(e));
    }
    return bst_fault_reply_stop(); /* after a restart it finds nobody waiting */
}
