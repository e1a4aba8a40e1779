# drivers/net/virtio: the virtio-net driver PD (virtio 1.x over PCI; docs/drivers.md,
# "virtio-net driver") and its tests.
#
#   VIRTIO_NET_SRCS   the driver program's sources: link it with
#                     $(call pd_program,virtio_net,$(VIRTIO_NET_SRCS),OUT_DIR)
#
#   make suite-system-net-driver   the driver against QEMU's virtio-net-pci with user
#                                  networking, on q35 and pc (drivers/net/virtio/tests):
#                                  ARP and ICMP echo with the slirp gateway, bursts,
#                                  descriptors the driver must refuse
#   make suite-virtio-net-host     host tests of the virtqueue bookkeeping and the
#                                  capability parser against a hostile device (ASan, UBSan)

include drivers/virtio/virtio.mk

VIRTIO_NET_DIR := drivers/net/virtio
VIRTIO_NET_SRCS := $(VIRTIO_NET_DIR)/virtio_net.c $(VIRTIO_NET_DIR)/virtq.c $(VIRTIO_TRANSPORT_SRCS)
VIRTIO_NET_HEADERS := $(wildcard $(VIRTIO_NET_DIR)/*.h) $(VIRTIO_TRANSPORT_HEADERS)

$(LIB_BUILD)/drivers/net/virtio/%.c.o: USER_INC += $(VIRTIO_INC)

# The test system: the driver and net_test (both virtualisers' stand-in).
# Short: boot module names are cut at 47 characters, and init looks for system.spec.
VIRTIO_NET_TEST_BUILD := $(BUILD)/net-driver
$(eval $(call pd_program,virtio_net,$(VIRTIO_NET_SRCS),$(VIRTIO_NET_TEST_BUILD)))
$(eval $(call pd_program,net_test,$(VIRTIO_NET_DIR)/tests/net_test.c,$(VIRTIO_NET_TEST_BUILD)))
$(VIRTIO_NET_TEST_BUILD)/modules.args: $(VIRTIO_NET_DIR)/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(VIRTIO_NET_TEST_BUILD)/virtio_net.elf \
    $(VIRTIO_NET_TEST_BUILD)/net_test.elf
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(VIRTIO_NET_TEST_BUILD) > $@.tmp && \
	    mv $@.tmp $@

# Host tests: virtq.c and the shared transport's parser, with a simulated device.
VIRTIO_NET_HOST_TEST := $(BUILD)/drivers/net/virtio/test-virtio-net
$(VIRTIO_NET_HOST_TEST): $(VIRTIO_NET_DIR)/tests/host/test_virtio.c $(VIRTIO_NET_DIR)/virtq.c \
    $(VIRTIO_TRANSPORT_SRCS) $(VIRTIO_NET_HEADERS) $(QUEUE_HEADERS) drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) -I$(VIRTIO_NET_DIR) $(VIRTIO_INC) \
	    -Idrivers/common/tests $(filter %.c,$^) -o $@

ALL_TARGETS += $(VIRTIO_NET_TEST_BUILD)/modules.args $(VIRTIO_NET_HOST_TEST)
TEST_SUITES += system-net-driver virtio-net-host

.PHONY: suite-system-net-driver suite-virtio-net-host
suite-system-net-driver: $(KERNEL_BIN) $(VIRTIO_NET_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-net-driver $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/net-driver \
	    net-driver:$(VIRTIO_NET_DIR)/tests:$(VIRTIO_NET_TEST_BUILD)
suite-virtio-net-host: $(VIRTIO_NET_HOST_TEST)
	$(Q)scripts/run-suite.sh virtio-net-host $(BUILD)/test-results -- $<
