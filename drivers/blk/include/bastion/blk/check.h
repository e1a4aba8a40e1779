/*
 * The one check of a block request's fields, shared by every server of the class (blk_virt
 * against a client's partition and data region, the driver against the disk and the
 * device-address limit). Pure; freestanding C11.
 */
#ifndef BASTION_BLK_CHECK_H
#define BASTION_BLK_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/protocol.h>

/*
 * BLK_OK if `r` may be served by a server whose disk (or partition) has `blocks` blocks,
 * is `read_only` or not, and whose buffers must lie wholly below `buffer_limit` (a data
 * region's size, or the device-address limit); else the status of its refusal:
 *   BLK_ERR_OP         an op other than READ, WRITE, FLUSH; or (READ, WRITE) a count of 0
 *                      or more than BLK_MAX_REQUEST_BLOCKS
 *   BLK_ERR_READ_ONLY  a WRITE when read-only
 *   BLK_ERR_RANGE      blocks not all inside [0, blocks)
 *   BLK_ERR_BUFFER     [offset, offset + count * BLK_BLOCK_SIZE) not wholly below buffer_limit
 * checked in that order. A FLUSH's count, block and offset are not looked at. No sum can
 * wrap: the count is bounded first, then each range is compared against a limit minus a
 * quantity already known to be below it.
 */
static inline enum blk_status blk_check_request(const struct blk_request *r, uint64_t blocks,
                                                bool read_only, uint64_t buffer_limit)
{
    if (r->op == BLK_FLUSH)
        return BLK_OK;
    if (r->op != BLK_READ && r->op != BLK_WRITE)
        return BLK_ERR_OP;
    if (r->count == 0 || r->count > BLK_MAX_REQUEST_BLOCKS)
        return BLK_ERR_OP;
    if (r->op == BLK_WRITE && read_only)
        return BLK_ERR_READ_ONLY;
    if (r->block >= blocks || r->count > blocks - r->block)
        return BLK_ERR_RANGE;
    uint64_t bytes = (uint64_t)r->count * BLK_BLOCK_SIZE;
    if (bytes > buffer_limit || r->offset > buffer_limit - bytes)
        return BLK_ERR_BUFFER;
    return BLK_OK;
}

#endif /* BASTION_BLK_CHECK_H */
