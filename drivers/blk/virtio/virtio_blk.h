/*
 * virtio-blk's part of virtio 1.x ("Block Device"), as the virtio-blk driver uses it: its
 * feature bits, device configuration, the request header and status byte, and the request
 * types. The device-independent part (PCI transport, split virtqueues) is
 * <bastion/virtio/virtio.h>. Written from the OASIS virtio 1.x specification.
 *
 * A request is one descriptor chain: the 16-byte header (device-readable), the data
 * (device-writable for IN and GET_ID, device-readable for OUT; none for FLUSH), then one
 * status byte (device-writable). Sectors are 512 bytes whatever the device's block size.
 *
 * Freestanding C11: only compiler headers.
 */
#ifndef VIRTIO_BLK_VIRTIO_BLK_H
#define VIRTIO_BLK_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/virtio/virtio.h>

/* Feature bits (device-specific: 0 to 23). */
#define VIRTIO_BLK_F_SIZE_MAX (UINT64_C(1) << 1) /* size_max: the largest segment */
#define VIRTIO_BLK_F_SEG_MAX  (UINT64_C(1) << 2) /* seg_max: data segments per request */
#define VIRTIO_BLK_F_RO       (UINT64_C(1) << 5) /* the device refuses writes */
#define VIRTIO_BLK_F_BLK_SIZE (UINT64_C(1) << 6) /* blk_size: the optimal block size */
#define VIRTIO_BLK_F_FLUSH    (UINT64_C(1) << 9) /* VIRTIO_BLK_T_FLUSH is supported */

/* Device configuration (struct virtio_blk_config), the part the driver reads. */
#define VIRTIO_BLK_CONFIG_CAPACITY 0u  /* le64: 512-byte sectors */
#define VIRTIO_BLK_CONFIG_SIZE_MAX 8u  /* le32 (VIRTIO_BLK_F_SIZE_MAX) */
#define VIRTIO_BLK_CONFIG_SEG_MAX  12u /* le32 (VIRTIO_BLK_F_SEG_MAX) */
#define VIRTIO_BLK_CONFIG_BLK_SIZE 20u /* le32 (VIRTIO_BLK_F_BLK_SIZE) */
#define VIRTIO_BLK_CONFIG_BYTES    24u /* what the driver reads */

/* Request types (struct virtio_blk_req_header.type). */
#define VIRTIO_BLK_T_IN     0u /* read */
#define VIRTIO_BLK_T_OUT    1u /* write */
#define VIRTIO_BLK_T_FLUSH  4u
#define VIRTIO_BLK_T_GET_ID 8u /* the device's id string: VIRTIO_BLK_ID_BYTES */

#define VIRTIO_BLK_ID_BYTES 20u /* not NUL-terminated when it fills them all */
#define VIRTIO_BLK_SECTOR   512u

/* Status byte values; any other is the device misbehaving. */
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u

struct virtio_blk_req_header {
    uint32_t type; /* VIRTIO_BLK_T_* */
    uint32_t reserved;
    uint64_t sector; /* the first 512-byte sector (IN, OUT) */
};
_Static_assert(sizeof(struct virtio_blk_req_header) == 16, "virtio_blk_req_header");
_Static_assert(offsetof(struct virtio_blk_req_header, sector) == 8, "virtio_blk_req_header.sector");

/* The one request queue (requestq). */
#define VIRTIO_BLK_REQUEST_QUEUE 0u

#endif /* VIRTIO_BLK_VIRTIO_BLK_H */
