# drivers/virtio: the virtio 1.x PCI transport every virtio driver shares (docs/drivers.md,
# "The shared virtio transport"): the device-independent constants and split-virtqueue
# structures (include/bastion/virtio/virtio.h) and the transport (transport.c,
# include/bastion/virtio/transport.h). No program of its own: a driver adds
# $(VIRTIO_TRANSPORT_SRCS) to its sources and $(VIRTIO_INC) to its include path.
#
# Included by each virtio driver's fragment (drivers/net/virtio, drivers/blk/virtio); the
# guard makes a second inclusion a no-op.

ifndef VIRTIO_TRANSPORT_MK_INCLUDED
VIRTIO_TRANSPORT_MK_INCLUDED := 1

VIRTIO_INC := -Idrivers/virtio/include
VIRTIO_TRANSPORT_SRCS := drivers/virtio/transport.c
VIRTIO_TRANSPORT_HEADERS := $(wildcard drivers/virtio/include/bastion/virtio/*.h)

$(LIB_BUILD)/drivers/virtio/%.c.o: USER_INC += $(VIRTIO_INC)

endif
