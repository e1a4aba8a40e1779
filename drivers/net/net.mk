# drivers/net: the network class (docs/drivers.md, "Network"): the virtio-net driver
# (drivers/net/virtio/virtio.mk), the receive and transmit virtualisers and the copier
# (drivers/net/virt, drivers/net/copier), lwIP built freestanding and the client library
# (drivers/net/lwip/lwip.mk), and their tests.

NET_INC := -Idrivers/net/include
NET_HEADERS := $(wildcard drivers/net/include/bastion/net/*.h)

# Network sources see the driver and network headers.
$(LIB_BUILD)/drivers/net/%.c.o: USER_INC += $(NET_INC)

-include drivers/net/virtio/virtio.mk
-include drivers/net/lwip/lwip.mk
-include drivers/net/components.mk
-include drivers/net/model/model.mk
