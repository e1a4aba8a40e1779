/*
 * The driver's request checks (request.h). Every comparison is arranged so that nothing
 * can wrap: counts are bounded first, then each range is compared against a limit minus
 * a quantity already known to be below it.
 */
#include "request.h"

enum blk_status blk_request_check(const struct blk_request *r, struct blk_disk disk)
{
    if (r->op == BLK_FLUSH)
        return BLK_OK;
    if (r->op != BLK_READ && r->op != BLK_WRITE)
        return BLK_ERR_OP;
    if (r->count == 0 || r->count > BLK_MAX_REQUEST_BLOCKS)
        return BLK_ERR_OP;
    if (r->op == BLK_WRITE && disk.read_only)
        return BLK_ERR_READ_ONLY;
    if (r->block >= disk.blocks || r->count > disk.blocks - r->block)
        return BLK_ERR_RANGE;
    uint64_t bytes = (uint64_t)r->count * BLK_BLOCK_SIZE;
    if (r->offset > BLK_DEVICE_ADDRESS_LIMIT - bytes)
        return BLK_ERR_BUFFER;
    return BLK_OK;
}
