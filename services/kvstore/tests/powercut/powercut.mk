# The key-value store's power-cut test (suite system-kvstore-powercut, run.sh beside this
# file): POWERCUT_CUTS cuts (default 100) in `make test`; `make soak-kvstore-powercut`
# runs 1000.

POWERCUT_BUILD := $(BUILD)/kvstore-powercut
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS),$(KVSTORE_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(POWERCUT_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(POWERCUT_BUILD)))
$(eval $(call pd_program,kvstore,$(KVSTORE_SRCS),$(POWERCUT_BUILD)))
$(POWERCUT_BUILD)/modules.args: services/kvstore/tests/powercut/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(addprefix $(POWERCUT_BUILD)/,virtio_blk.elf blk_virt.elf kvstore.elf)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(POWERCUT_BUILD) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(POWERCUT_BUILD)/modules.args
TEST_SUITES += system-kvstore-powercut

SOAK_TARGETS += soak-kvstore-powercut
.PHONY: suite-system-kvstore-powercut soak-kvstore-powercut
suite-system-kvstore-powercut: $(KERNEL_BIN) $(POWERCUT_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-kvstore-powercut $(BUILD)/test-results -- \
	    services/kvstore/tests/powercut/run.sh $(KERNEL_BIN) $(POWERCUT_BUILD) \
	    $(BUILD)/test-logs/kvstore-powercut
soak-kvstore-powercut: $(KERNEL_BIN) $(POWERCUT_BUILD)/modules.args
	services/kvstore/tests/powercut/run.sh $(KERNEL_BIN) $(POWERCUT_BUILD) \
	    $(BUILD)/soak-logs/kvstore-powercut 1000
endif
