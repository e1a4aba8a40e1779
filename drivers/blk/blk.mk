# drivers/blk: the block class (docs/drivers.md, "Block"): the protocol and its rings
# (drivers/blk/include/bastion/blk), the virtio-blk driver (drivers/blk/virtio/virtio.mk),
# the partitioning virtualiser (drivers/blk/virt/virt.mk), the client library
# (drivers/blk/client/client.mk), and their tests.
#
#   make suite-blk-host   host tests of the rings against a hostile peer (ASan, UBSan) and
#                         the headers as freestanding C11 with gcc and clang

BLK_INC := -Idrivers/blk/include
BLK_HEADERS := $(wildcard drivers/blk/include/bastion/blk/*.h)

# Block sources see the driver and block headers.
$(LIB_BUILD)/drivers/blk/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC)

# Every block header compiles on its own as freestanding, pedantic C11 with -Wconversion,
# with gcc and with clang (as the queue library's do).
$(BUILD)/drivers/blk/header-check.stamp: $(BLK_HEADERS) $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)for cc in gcc clang; do for h in $(BLK_HEADERS); do \
	    echo "#include <$${h#drivers/blk/include/}>" | \
	    $$cc $(QUEUE_FREESTANDING) $(DRIVER_INC) $(BLK_INC) -Ilib/include -Iinclude \
	        -isystem "$$($$cc -print-file-name=include)" -x c -c - -o /dev/null || exit 1; \
	done; done
	$(Q)touch $@

BLK_HOST_QUEUE_TEST := $(BUILD)/drivers/blk/test-blk-queue
$(BLK_HOST_QUEUE_TEST): drivers/blk/tests/host/test_blk_queue.c $(BLK_HEADERS) $(QUEUE_HEADERS) \
    drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) $(BLK_INC) -Idrivers/common/tests \
	    $(filter %.c,$^) -o $@

ALL_TARGETS += $(BUILD)/drivers/blk/header-check.stamp $(BLK_HOST_QUEUE_TEST)
TEST_SUITES += blk-host

.PHONY: suite-blk-host
suite-blk-host: $(BLK_HOST_QUEUE_TEST) $(BUILD)/drivers/blk/header-check.stamp
	$(Q)scripts/run-suite.sh blk-host $(BUILD)/test-results -- $<

-include drivers/blk/virtio/virtio.mk
-include drivers/blk/virt/virt.mk
-include drivers/blk/client/client.mk
-include drivers/blk/tests/tests.mk
