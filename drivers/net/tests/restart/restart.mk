# The network driver-restart test (docs/drivers.md, "Restart without loss"): virtio_net as
# the crasher's child (drivers/blk/tests/restart/crasher.c), crashed at random moments
# while the host streams TCP through tcp_echo and UDP through udp_echo.
#
#   make suite-system-net-restart   200 crashes, re-initialisations among them: every TCP
#                                   stream byte-exact, UDP losses counted and nothing corrupt
#                                   or duplicated, then a clean stream and UDP run with no
#                                   loss after the last crash; then a short run with the
#                                   virtualisers' resync_broken set, whose traffic after
#                                   the crashes must fail (buffers lost)
#   make soak-net-restart           1000 crashes (SOAK_TARGETS)

NET_RESTART_DIR := drivers/net/tests/restart
NET_RESTART_BUILD := $(BUILD)/net-restart
$(call net_system_programs,$(NET_RESTART_BUILD))
$(foreach app,$(NET_EXAMPLE_APPS),$(eval $(call net_client_program,$(app),examples/net/src/$(app).c $(NET_HTTP_SERVER_SRCS),$(NET_RESTART_BUILD))))
$(eval $(call net_client_program,net_sniffer,drivers/net/tests/sniffer.c,$(NET_RESTART_BUILD)))
$(eval $(call pd_program,crasher,drivers/blk/tests/restart/crasher.c $(TIMER_CLIENT_SRCS),$(NET_RESTART_BUILD)))
NET_RESTART_ELFS := $(call NET_SYSTEM_ELFS,$(NET_RESTART_BUILD)) \
    $(addprefix $(NET_RESTART_BUILD)/,$(addsuffix .elf,$(NET_EXAMPLE_APPS) net_sniffer crasher))

# net_restart_variant NAME SEED MIN_US MAX_US TARGET DELAY_US REINIT BROKEN
define net_restart_variant
$(NET_RESTART_BUILD)/$(1)/modules.args: $(NET_RESTART_DIR)/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(NET_RESTART_ELFS)
	@mkdir -p $$(dir $$@)
	$(Q)sed -e 's/@SEED@/$(2)/; s/@MIN_US@/$(3)/; s/@MAX_US@/$(4)/; s/@TARGET@/$(5)/g; s/@DELAY_US@/$(6)/; s/@REINIT@/$(7)/; s/@BROKEN@/$(8)/' \
	    $$< > $$(dir $$@)system.xml
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$(dir $$@)system.xml $$(dir $$@) \
	    $(NET_RESTART_BUILD) > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(NET_RESTART_BUILD)/$(1)/modules.args
endef
$(eval $(call net_restart_variant,test,1,10000,40000,200,3000000,1,0))
$(eval $(call net_restart_variant,broken,2,10000,40000,10,3000000,1,1))
$(eval $(call net_restart_variant,soak,3,10000,40000,1000,3000000,1,0))
$(eval $(call net_restart_variant,bench,4,40000,80000,60,3000000,1,0))

TEST_SUITES += system-net-restart
SOAK_TARGETS += soak-net-restart

.PHONY: suite-system-net-restart soak-net-restart
suite-system-net-restart: $(KERNEL_BIN) $(NET_RESTART_BUILD)/test/modules.args \
    $(NET_RESTART_BUILD)/broken/modules.args
	$(Q)scripts/run-suite.sh system-net-restart $(BUILD)/test-results -- \
	    $(NET_RESTART_DIR)/run.sh $(KERNEL_BIN) $(NET_RESTART_BUILD)/test $(BUILD)/test-logs/net-restart \
	    $(NET_RESTART_BUILD)/broken
soak-net-restart: $(KERNEL_BIN) $(NET_RESTART_BUILD)/soak/modules.args
	$(Q)scripts/run-suite.sh soak-net-restart $(BUILD)/test-results -- \
	    $(NET_RESTART_DIR)/run.sh $(KERNEL_BIN) $(NET_RESTART_BUILD)/soak $(BUILD)/test-logs/net-restart-soak
