# The block class's system test (suite system-blk, drivers/blk/tests/run.sh): the driver,
# blk_virt and two testers on a GPT disk made by disk.py, on q35 and pc, then the disk
# image checked on the host; and blk_virt against hostile partition tables.

BLK_TEST_BUILD := $(BUILD)/blk-test
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(BLK_TEST_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(BLK_TEST_BUILD)))
$(eval $(call pd_program,blk_tester,drivers/blk/tests/blk_tester.c $(BLK_CLIENT_SRCS),$(BLK_TEST_BUILD)))
$(BLK_TEST_BUILD)/modules.args: drivers/blk/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(addprefix $(BLK_TEST_BUILD)/,virtio_blk.elf blk_virt.elf blk_tester.elf)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(BLK_TEST_BUILD) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(BLK_TEST_BUILD)/modules.args
TEST_SUITES += system-blk

.PHONY: suite-system-blk
suite-system-blk: $(KERNEL_BIN) $(BLK_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-blk $(BUILD)/test-results -- \
	    drivers/blk/tests/run.sh $(KERNEL_BIN) $(BLK_TEST_BUILD) $(BUILD)/test-logs/blk
endif
-include drivers/blk/tests/restart/restart.mk
-include drivers/blk/tests/virt_restart/virt_restart.mk
