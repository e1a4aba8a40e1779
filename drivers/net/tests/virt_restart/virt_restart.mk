# The network virtualiser-restart test (docs/drivers.md, "Restarting the network
# virtualisers"): net_rx_virt and net_tx_virt as the supervisor's on_fault="restart"
# children, faulting at random fault points (bst_fault_inject) under TCP and UDP traffic
# from the host (run.sh), with virtio_net the crasher's child beside them.
#
#   make suite-system-net-virt-restart   each virtualiser re-initialised 200 times (test),
#                                        then 200 times more while the driver is crashed
#                                        too (double): every TCP stream byte-exact, no
#                                        UDP datagram corrupt or twice (losses counted),
#                                        no frame at the wrong client, no receive buffer
#                                        with two owners, then traffic with no loss after
#                                        the last fault; then the broken variant
#                                        (virt_resync_broken: restarted runs ignore the
#                                        move journal and the holders), whose check must
#                                        fail
#   make soak-net-virt-restart           1000 restarts of each, the driver crashed too
#
# system.xml is the template: each variant is made from it by sed and built in a
# directory of its own.

NET_VRESTART_DIR := drivers/net/tests/virt_restart
NET_VRESTART_BUILD := $(BUILD)/net-virt-restart
ifneq ($(SUPERVISOR_SRCS),)
$(call net_system_programs,$(NET_VRESTART_BUILD))
$(foreach app,$(NET_EXAMPLE_APPS),$(eval $(call net_client_program,$(app),examples/net/src/$(app).c $(NET_HTTP_SERVER_SRCS),$(NET_VRESTART_BUILD))))
$(eval $(call net_client_program,net_sniffer,drivers/net/tests/sniffer.c,$(NET_VRESTART_BUILD)))
$(eval $(call pd_program,crasher,drivers/blk/tests/restart/crasher.c $(TIMER_CLIENT_SRCS),$(NET_VRESTART_BUILD)))
$(eval $(call pd_program,supervisor,$(SUPERVISOR_SRCS),$(NET_VRESTART_BUILD)))
NET_VRESTART_ELFS := $(call NET_SYSTEM_ELFS,$(NET_VRESTART_BUILD)) \
    $(addprefix $(NET_VRESTART_BUILD)/,$(addsuffix .elf,$(NET_EXAMPLE_APPS) net_sniffer crasher supervisor))

# net_vrestart_variant NAME FAULT_MEAN SEED TARGET BROKEN DRV_DELAY_US DRV_MIN_US DRV_MAX_US DRV_LIMIT [SED]
# (TARGET: the virtualisers' generation after which they fault no more; DRV_*: the
# driver's crashes, which begin after DRV_DELAY_US; SED: more sed arguments)
define net_vrestart_variant
$(NET_VRESTART_BUILD)/$(1)/modules.args: $(NET_VRESTART_DIR)/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(NET_VRESTART_ELFS) $(NET_VRESTART_DIR)/virt_restart.mk
	@mkdir -p $$(dir $$@)
	$(Q)sed -e 's/@FAULT_MEAN@/$(2)/g; s/@SEED@/$(3)/g; s/@TARGET@/$(4)/g; s/@BROKEN@/$(5)/g' \
	    -e 's/@DRV_DELAY_US@/$(6)/g; s/@DRV_MIN_US@/$(7)/g; s/@DRV_MAX_US@/$(8)/g; s/@DRV_LIMIT@/$(9)/g' \
	    $(10) $$< > $$(dir $$@)system.xml
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$(dir $$@)system.xml $$(dir $$@) \
	    $(NET_VRESTART_BUILD) > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(NET_VRESTART_BUILD)/$(1)/modules.args
endef
# The driver's crasher never starts (its delay is past any run) in test and broken.
$(eval $(call net_vrestart_variant,test,30,1,200,0,4000000000,20000,60000,0))
$(eval $(call net_vrestart_variant,double,30,2,200,0,1000000,50000,150000,150))
$(eval $(call net_vrestart_variant,broken,30,3,30,1,4000000000,20000,60000,0))
$(eval $(call net_vrestart_variant,soak,30,4,1000,0,1000000,50000,150000,1000))
# The recovery benchmark's variant (bench/recovery, classes net-virt-rx and net-virt-tx):
# a page of recovery stamp per virtualiser (bastion/driver/recovery_stamp.h) shared with
# the supervisor (child i's at 0x4000000 + i pages, supervisor.c's recovery_stamps),
# which stamps each fault; net_rx_virt completes it at the first frame it lends a client
# after the restart, net_tx_virt at the first sent buffer it gives back. Faults further
# apart (a mean of 400 points), 200 restarts of each, the driver never crashed.
NET_VRESTART_BENCH_SED := \
    -e 's|^\(  <memory_region name="hpet".*\)$$$$|\1\n  <memory_region name="vstamp0" size="0x1000"/>\n  <memory_region name="vstamp1" size="0x1000"/>|' \
    -e 's|^\(    <program_image path="supervisor.elf"/>\)$$$$|\1\n    <map mr="vstamp0" vaddr="0x4000000" setvar_vaddr="recovery_stamps"/>\n    <map mr="vstamp1" vaddr="0x4001000"/>|' \
    -e 's|^\(      <program_image path="net_rx_virt.elf"/>\)$$$$|\1\n      <map mr="vstamp0" vaddr="0x4000000" setvar_vaddr="recovery_stamp"/>|' \
    -e 's|^\(      <program_image path="net_tx_virt.elf"/>\)$$$$|\1\n      <map mr="vstamp1" vaddr="0x4000000" setvar_vaddr="recovery_stamp"/>|'
$(eval $(call net_vrestart_variant,bench,400,5,200,0,4000000000,20000,60000,0,$(NET_VRESTART_BENCH_SED)))

TEST_SUITES += system-net-virt-restart
SOAK_TARGETS += soak-net-virt-restart

.PHONY: suite-system-net-virt-restart soak-net-virt-restart
suite-system-net-virt-restart: $(KERNEL_BIN) $(NET_VRESTART_BUILD)/test/modules.args \
    $(NET_VRESTART_BUILD)/double/modules.args $(NET_VRESTART_BUILD)/broken/modules.args
	$(Q)scripts/run-suite.sh system-net-virt-restart $(BUILD)/test-results -- \
	    $(NET_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(NET_VRESTART_BUILD) \
	    $(BUILD)/test-logs/net-virt-restart test double broken
soak-net-virt-restart: $(KERNEL_BIN) $(NET_VRESTART_BUILD)/soak/modules.args
	$(Q)scripts/run-suite.sh soak-net-virt-restart $(BUILD)/test-results -- \
	    $(NET_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(NET_VRESTART_BUILD) \
	    $(BUILD)/test-logs/net-virt-restart soak
endif
