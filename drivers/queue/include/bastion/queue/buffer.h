/*
 * Buffer descriptors: how a queue names a piece of a shared data region.
 *
 * A descriptor is an offset into the data region the two components share, and a length.
 * It is never a pointer: the region is mapped at different addresses in different
 * components, and a descriptor read from shared memory is only an allegation by the
 * peer. queue_buffer_fits() is the one check that turns it into something the receiver
 * may use: the whole buffer lies inside the receiver's own (private) idea of the region.
 *
 * Freestanding C11: only compiler headers.
 */
#ifndef BASTION_QUEUE_BUFFER_H
#define BASTION_QUEUE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One descriptor as it lies in a ring slot (shared memory). */
struct queue_buffer {
    uint64_t offset;   /* from the start of the data region, in bytes */
    uint32_t length;   /* bytes of data (or of room, on a free queue) */
    uint32_t reserved; /* written as 0, ignored on read */
};

_Static_assert(sizeof(struct queue_buffer) == 16, "queue_buffer is part of the shared ABI");
_Static_assert(offsetof(struct queue_buffer, offset) == 0, "queue_buffer.offset");
_Static_assert(offsetof(struct queue_buffer, length) == 8, "queue_buffer.length");

/*
 * Whether buf lies wholly inside a data region of region_size bytes. Written so that no
 * offset or length, however large, can overflow the test.
 */
/*@ predicate queue_buffer_inside(struct queue_buffer b, integer region_size) =
        b.offset + b.length <= region_size;
 */
/*@ assigns \nothing;
    ensures \result <==> queue_buffer_inside(buf, region_size);
 */
static inline bool queue_buffer_fits(struct queue_buffer buf, uint64_t region_size)
{
    return buf.offset <= region_size && buf.length <= region_size - buf.offset;
}

#endif /* BASTION_QUEUE_BUFFER_H */
