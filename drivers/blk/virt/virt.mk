# drivers/blk/virt: blk_virt, the partitioning block virtualiser (docs/drivers.md, "blk_virt:
# partitions"), and its tests.
#
#   $(call blk_virt_program,OUT_DIR)   link blk_virt.elf into OUT_DIR, where a system's build
#                                      looks for its images
#   BLK_VIRT_ELF(OUT_DIR)              its path, for a system's modules.args prerequisites
#   make suite-blk-partition-host      the partition parser: hand-built good and hostile
#                                      tables, random damage (ASan, UBSan), and real images
#                                      from sfdisk and sgdisk read as `sfdisk --json` reads them
#   make suite-blk-virt-host           blk_virt compiled whole against a stub PD and a
#                                      simulated driver and clients (ASan, UBSan)

BLK_VIRT_SRCS := drivers/blk/virt/blk_virt.c drivers/blk/virt/partition.c

define blk_virt_program
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(1)))
endef
BLK_VIRT_ELF = $(1)/blk_virt.elf

$(call blk_virt_program,$(BUILD)/drivers/blk/virt)

BLK_VIRT_BUILD := $(BUILD)/drivers/blk/virt
BLK_VIRT_TEST_DIR := drivers/blk/virt/tests
BLK_VIRT_HOST_FLAGS = $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) $(BLK_INC) -Ilib/include -Iinclude \
    -Idrivers/common/include \
    -Idrivers/common/tests

$(BLK_VIRT_BUILD)/test-partition: $(BLK_VIRT_TEST_DIR)/test_partition.c \
    $(BLK_VIRT_TEST_DIR)/parse_image.h drivers/blk/virt/partition.c drivers/blk/virt/partition.h \
    drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(BLK_VIRT_HOST_FLAGS) $(filter %.c,$^) -o $@

$(BLK_VIRT_BUILD)/partdump: $(BLK_VIRT_TEST_DIR)/partdump.c $(BLK_VIRT_TEST_DIR)/parse_image.h \
    drivers/blk/virt/partition.c drivers/blk/virt/partition.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(BLK_VIRT_HOST_FLAGS) $(filter %.c,$^) -o $@

$(BLK_VIRT_BUILD)/test-blk-virt: $(BLK_VIRT_TEST_DIR)/test_blk_virt.c \
    $(BLK_VIRT_TEST_DIR)/stub_pd.h $(BLK_VIRT_SRCS) drivers/blk/virt/partition.h $(BLK_HEADERS) \
    $(QUEUE_HEADERS) drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(BLK_VIRT_HOST_FLAGS) $(BLK_VIRT_TEST_DIR)/test_blk_virt.c \
	    drivers/blk/virt/partition.c -o $@

ALL_TARGETS += $(BLK_VIRT_BUILD)/test-partition $(BLK_VIRT_BUILD)/partdump \
    $(BLK_VIRT_BUILD)/test-blk-virt
TEST_SUITES += blk-partition-host blk-virt-host

.PHONY: suite-blk-partition-host suite-blk-virt-host
suite-blk-partition-host: $(BLK_VIRT_BUILD)/test-partition $(BLK_VIRT_BUILD)/partdump
	$(Q)scripts/run-suite.sh blk-partition-host $(BUILD)/test-results -- bash -c \
	    'status=0; $(BLK_VIRT_BUILD)/test-partition || status=1; \
	     $(BLK_VIRT_TEST_DIR)/sfdisk_check.sh $(BLK_VIRT_BUILD)/partdump \
	         $(BLK_VIRT_BUILD)/images || status=1; exit $$status'

suite-blk-virt-host: $(BLK_VIRT_BUILD)/test-blk-virt
	$(Q)scripts/run-suite.sh blk-virt-host $(BUILD)/test-results -- $<
