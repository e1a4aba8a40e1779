/*
 * What the virtio-blk driver accepts from blk_virt: the checks every request passes
 * before the device sees it (bastion/blk/protocol.h says what a request may name on the
 * driver's connection). Pure: no shared memory, no device. Freestanding C11.
 */
#ifndef VIRTIO_BLK_REQUEST_H
#define VIRTIO_BLK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/protocol.h>

/* The disk as the driver publishes it. */
struct blk_disk {
    uint64_t blocks; /* BLK_BLOCK_SIZE blocks: the device's capacity in sectors / 8 */
    bool read_only;
};

/*
 * BLK_OK if `r` may go to the device, else the status of its refusal (nothing is done):
 *   BLK_ERR_OP         an op other than READ, WRITE, FLUSH; or (READ, WRITE) a count of 0
 *                      or more than BLK_MAX_REQUEST_BLOCKS
 *   BLK_ERR_READ_ONLY  a WRITE to a read-only disk
 *   BLK_ERR_RANGE      blocks not all inside [0, disk.blocks)
 *   BLK_ERR_BUFFER     the buffer [offset, offset + count * BLK_BLOCK_SIZE) not wholly below
 *                      BLK_DEVICE_ADDRESS_LIMIT
 * checked in that order. A FLUSH's count, block and offset are not looked at.
 */
enum blk_status blk_request_check(const struct blk_request *r, struct blk_disk disk);

#endif /* VIRTIO_BLK_REQUEST_H */
