/*
 * The driver's request checks (request.h): the class's one check (bastion/blk/check.h)
 * against the disk and the device-address limit.
 */
#include "request.h"

#include <bastion/blk/check.h>

enum blk_status blk_request_check(const struct blk_request *r, struct blk_disk disk)
{
    if (r->op == BLK_BARRIER) /* blk_virt's: a flush's ordering, nothing for the device */
        return BLK_OK;
    return blk_check_request(r, disk.blocks, disk.read_only, BLK_DEVICE_ADDRESS_LIMIT);
}
