# The block driver-restart test (docs/drivers.md, "Restart without loss"): virtio_blk as the
# crasher's child, crashed at random moments under blk_restart's load through blk_virt.
#
#   make suite-system-blk-restart   200 crashes, nothing lost or answered twice, the disk
#                                   image checked; then the same with blk_virt's
#                                   resync_broken set, which must lose requests
#   make soak-blk-restart           1000 crashes (SOAK_TARGETS)
#
# The system.xml is a template: each variant (its crasher's seed, interval and target,
# and resync_broken) is made from it by sed and built in a directory of its own.

BLK_RESTART_DIR := drivers/blk/tests/restart
BLK_RESTART_BUILD := $(BUILD)/blk-restart
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS),$(TIMER_DRIVER_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(BLK_RESTART_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(BLK_RESTART_BUILD)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(BLK_RESTART_BUILD)))
$(eval $(call pd_program,crasher,$(BLK_RESTART_DIR)/crasher.c $(TIMER_CLIENT_SRCS),$(BLK_RESTART_BUILD)))
$(eval $(call pd_program,blk_restart,$(BLK_RESTART_DIR)/blk_restart.c $(sort $(BLK_CLIENT_SRCS) $(TIMER_CLIENT_SRCS)),$(BLK_RESTART_BUILD)))
$(LIB_BUILD)/$(BLK_RESTART_DIR)/%.c.o: USER_INC += $(DRIVER_INC) $(BLK_INC)

BLK_RESTART_ELFS := $(addprefix $(BLK_RESTART_BUILD)/,virtio_blk.elf blk_virt.elf timer.elf \
    crasher.elf blk_restart.elf)

# blk_restart_variant NAME SEED MIN_US MAX_US TARGET BROKEN
define blk_restart_variant
$(BLK_RESTART_BUILD)/$(1)/modules.args: $(BLK_RESTART_DIR)/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(BLK_RESTART_ELFS)
	@mkdir -p $$(dir $$@)
	$(Q)sed -e 's/@SEED@/$(2)/; s/@MIN_US@/$(3)/; s/@MAX_US@/$(4)/; s/@TARGET@/$(5)/g; s/@BROKEN@/$(6)/' \
	    $$< > $$(dir $$@)system.xml
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$(dir $$@)system.xml $$(dir $$@) \
	    $(BLK_RESTART_BUILD) > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(BLK_RESTART_BUILD)/$(1)/modules.args
endef
$(eval $(call blk_restart_variant,test,1,1000,6000,200,0))
$(eval $(call blk_restart_variant,broken,2,1000,6000,200,1))
$(eval $(call blk_restart_variant,soak,3,1000,6000,1000,0))
$(eval $(call blk_restart_variant,bench,4,20000,40000,100,0))

TEST_SUITES += system-blk-restart
SOAK_TARGETS += soak-blk-restart

.PHONY: suite-system-blk-restart soak-blk-restart
suite-system-blk-restart: $(KERNEL_BIN) $(BLK_RESTART_BUILD)/test/modules.args \
    $(BLK_RESTART_BUILD)/broken/modules.args
	$(Q)scripts/run-suite.sh system-blk-restart $(BUILD)/test-results -- \
	    $(BLK_RESTART_DIR)/run.sh $(KERNEL_BIN) $(BLK_RESTART_BUILD) $(BUILD)/test-logs/blk-restart \
	    test broken
soak-blk-restart: $(KERNEL_BIN) $(BLK_RESTART_BUILD)/soak/modules.args
	$(Q)scripts/run-suite.sh soak-blk-restart $(BUILD)/test-results -- \
	    $(BLK_RESTART_DIR)/run.sh $(KERNEL_BIN) $(BLK_RESTART_BUILD) $(BUILD)/test-logs/blk-restart \
	    soak
endif
