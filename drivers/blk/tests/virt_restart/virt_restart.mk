# The block virtualiser-restart test (docs/drivers.md, "Restarting blk_virt"): blk_virt as
# the supervisor's on_fault="restart" child, faulting at random fault points under
# blk_restart's load (drivers/blk/tests/restart/blk_restart.c).
#
#   make suite-system-blk-virt-restart   blk_virt faulting at its fault points, 200 times
#                                        (system.xml), then crashed by the crasher at any
#                                        instruction, 200 times (crasher.xml), then 200
#                                        times at its fault points while the driver is
#                                        crashed too (double.xml): no client corrupted,
#                                        nothing lost, the disk image checked; then the
#                                        broken variant (virt_resync_broken 2: no client
#                                        handshake), in which the client must report a
#                                        failure. (Variant 1, no barrier and no id epoch,
#                                        does not show under QEMU, whose device answers
#                                        almost in order: blk-virt-host checks it.)
#   make soak-blk-virt-restart           1000 restarts of each kind (SOAK_TARGETS)
#
# system.xml, crasher.xml and double.xml are templates: each variant is made from one by sed and built
# in a directory of its own.

BLK_VRESTART_DIR := drivers/blk/tests/virt_restart
BLK_VRESTART_BUILD := $(BUILD)/blk-virt-restart
ifneq ($(and $(VIRTIO_BLK_SRCS),$(BLK_VIRT_SRCS),$(TIMER_DRIVER_SRCS),$(SUPERVISOR_SRCS)),)
$(eval $(call pd_program,virtio_blk,$(VIRTIO_BLK_SRCS),$(BLK_VRESTART_BUILD)))
$(eval $(call pd_program,blk_virt,$(BLK_VIRT_SRCS),$(BLK_VRESTART_BUILD)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(BLK_VRESTART_BUILD)))
$(eval $(call pd_program,supervisor,$(SUPERVISOR_SRCS),$(BLK_VRESTART_BUILD)))
$(eval $(call pd_program,crasher,drivers/blk/tests/restart/crasher.c $(TIMER_CLIENT_SRCS),$(BLK_VRESTART_BUILD)))
$(eval $(call pd_program,blk_restart,drivers/blk/tests/restart/blk_restart.c $(sort $(BLK_CLIENT_SRCS) $(TIMER_CLIENT_SRCS)),$(BLK_VRESTART_BUILD)))

BLK_VRESTART_ELFS := $(addprefix $(BLK_VRESTART_BUILD)/,virtio_blk.elf blk_virt.elf timer.elf \
    supervisor.elf crasher.elf blk_restart.elf)

# blk_vrestart_variant NAME TEMPLATE FAULT_MEAN SEED TARGET BROKEN [LIMIT MIN_US MAX_US]
# (the last three for crasher.xml: default no limit, every 5 to 25 ms)
define blk_vrestart_variant
$(BLK_VRESTART_BUILD)/$(1)/modules.args: $(BLK_VRESTART_DIR)/$(2) $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(BLK_VRESTART_ELFS) $(BLK_VRESTART_DIR)/virt_restart.mk
	@mkdir -p $$(dir $$@)
	$(Q)sed -e 's/@FAULT_MEAN@/$(3)/; s/@SEED@/$(4)/; s/@TARGET@/$(5)/; s/@BROKEN@/$(6)/' \
	    -e 's/@LIMIT@/$(or $(7),0)/; s/@MIN_US@/$(or $(8),5000)/; s/@MAX_US@/$(or $(9),25000)/' \
	    $$< > $$(dir $$@)system.xml
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$(dir $$@)system.xml $$(dir $$@) \
	    $(BLK_VRESTART_BUILD) > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(BLK_VRESTART_BUILD)/$(1)/modules.args
endef
$(eval $(call blk_vrestart_variant,test,system.xml,150,1,200,0))
$(eval $(call blk_vrestart_variant,crasher,crasher.xml,0,5,200,0))
$(eval $(call blk_vrestart_variant,double,double.xml,150,8,200,0))
$(eval $(call blk_vrestart_variant,broken2,system.xml,150,3,200,2))
$(eval $(call blk_vrestart_variant,soak,system.xml,150,4,1000,0))
$(eval $(call blk_vrestart_variant,soak-crasher,crasher.xml,0,6,1000,0))
$(eval $(call blk_vrestart_variant,soak-double,double.xml,150,9,1000,0))
# bench/recovery (class block-virt): 100 crashes 20 to 40 ms apart under -icount; the
# client never ends the run (its target is out of reach), the crasher's "done" line does.
$(eval $(call blk_vrestart_variant,bench,crasher.xml,0,7,1000000,0,100,20000,40000))

TEST_SUITES += system-blk-virt-restart
SOAK_TARGETS += soak-blk-virt-restart

.PHONY: suite-system-blk-virt-restart soak-blk-virt-restart
suite-system-blk-virt-restart: $(KERNEL_BIN) $(BLK_VRESTART_BUILD)/test/modules.args \
    $(BLK_VRESTART_BUILD)/crasher/modules.args $(BLK_VRESTART_BUILD)/double/modules.args \
    $(BLK_VRESTART_BUILD)/broken2/modules.args
	$(Q)scripts/run-suite.sh system-blk-virt-restart $(BUILD)/test-results -- \
	    $(BLK_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(BLK_VRESTART_BUILD) \
	    $(BUILD)/test-logs/blk-virt-restart test crasher double broken2
soak-blk-virt-restart: $(KERNEL_BIN) $(BLK_VRESTART_BUILD)/soak/modules.args \
    $(BLK_VRESTART_BUILD)/soak-crasher/modules.args $(BLK_VRESTART_BUILD)/soak-double/modules.args
	$(Q)scripts/run-suite.sh soak-blk-virt-restart $(BUILD)/test-results -- \
	    $(BLK_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(BLK_VRESTART_BUILD) \
	    $(BUILD)/test-logs/blk-virt-restart soak soak-crasher soak-double
endif
