# drivers/blk/virtio: the virtio-blk driver PD (virtio 1.x over PCI; docs/drivers.md,
# "virtio-blk driver") and its tests. Included by drivers/blk/blk.mk.
#
#   VIRTIO_BLK_SRCS   the driver program's sources: link it with
#                     $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),OUT_DIR)
#
#   make suite-system-blk-driver   the driver against QEMU's virtio-blk-pci on q35 and pc
#                                  (drivers/blk/virtio/tests): info, writes read back,
#                                  64 requests in flight, flush as a barrier, refused
#                                  requests, a restart with requests in flight, a read-only
#                                  disk, and the image checked from the host
#   make suite-virtio-blk-host     host tests of the virtqueue bookkeeping, the request
#                                  checks and the transport's device matching against a
#                                  hostile device (ASan, UBSan)

include drivers/virtio/virtio.mk

VIRTIO_BLK_DIR := drivers/blk/virtio
VIRTIO_BLK_SRCS := $(VIRTIO_BLK_DIR)/virtio_blk.c $(VIRTIO_BLK_DIR)/blkq.c \
    $(VIRTIO_BLK_DIR)/request.c $(VIRTIO_TRANSPORT_SRCS)
VIRTIO_BLK_HEADERS := $(wildcard $(VIRTIO_BLK_DIR)/*.h) $(VIRTIO_TRANSPORT_HEADERS)

$(LIB_BUILD)/drivers/blk/virtio/%.c.o: USER_INC += $(VIRTIO_INC)

# The test system: the driver and blk_test (blk_virt's stand-in).
VIRTIO_BLK_TEST_BUILD := $(BUILD)/blk-driver
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(VIRTIO_BLK_TEST_BUILD)))
$(eval $(call pd_program,blk_test,$(VIRTIO_BLK_DIR)/tests/blk_test.c,$(VIRTIO_BLK_TEST_BUILD)))
$(VIRTIO_BLK_TEST_BUILD)/modules.args: $(VIRTIO_BLK_DIR)/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(VIRTIO_BLK_TEST_BUILD)/virtio_blk.elf \
    $(VIRTIO_BLK_TEST_BUILD)/blk_test.elf
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(VIRTIO_BLK_TEST_BUILD) > $@.tmp && \
	    mv $@.tmp $@

# Host tests: blkq.c, request.c and the shared transport's matching, with a simulated device.
VIRTIO_BLK_HOST_TEST := $(BUILD)/drivers/blk/virtio/test-virtio-blk
$(VIRTIO_BLK_HOST_TEST): $(VIRTIO_BLK_DIR)/tests/host/test_virtio_blk.c $(VIRTIO_BLK_DIR)/blkq.c \
    $(VIRTIO_BLK_DIR)/request.c $(VIRTIO_TRANSPORT_SRCS) $(VIRTIO_BLK_HEADERS) $(BLK_HEADERS) \
    $(QUEUE_HEADERS) drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) -I$(VIRTIO_BLK_DIR) $(VIRTIO_INC) \
	    $(BLK_INC) -Idrivers/common/tests $(filter %.c,$^) -o $@

ALL_TARGETS += $(VIRTIO_BLK_TEST_BUILD)/modules.args $(VIRTIO_BLK_HOST_TEST)
TEST_SUITES += system-blk-driver virtio-blk-host

.PHONY: suite-system-blk-driver suite-virtio-blk-host
suite-system-blk-driver: $(KERNEL_BIN) $(VIRTIO_BLK_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-blk-driver $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/blk-driver \
	    blk-driver:$(VIRTIO_BLK_DIR)/tests:$(VIRTIO_BLK_TEST_BUILD)
suite-virtio-blk-host: $(VIRTIO_BLK_HOST_TEST)
	$(Q)scripts/run-suite.sh virtio-blk-host $(BUILD)/test-results -- $<
