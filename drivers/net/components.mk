# The network class's platform components: the receive and transmit virtualisers and the
# copier (docs/drivers.md, "Network").
#
#   $(call net_components,OUT_DIR)   link net_rx_virt, net_tx_virt and net_copier into
#                                    OUT_DIR, where a system's build looks for its images
#   NET_COMPONENT_ELFS(OUT_DIR)      their paths, for a system's modules.args prerequisites

$(LIB_BUILD)/drivers/net/%.c.o: USER_INC += $(DRIVER_INC)

define net_components
$(eval $(call pd_program,net_rx_virt,drivers/net/virt/rx_virt.c,$(1)))
$(eval $(call pd_program,net_tx_virt,drivers/net/virt/tx_virt.c,$(1)))
$(eval $(call pd_program,net_copier,drivers/net/copier/copier.c,$(1)))
endef
NET_COMPONENT_ELFS = $(addprefix $(1)/,net_rx_virt.elf net_tx_virt.elf net_copier.elf)

# Every network header compiles on its own as freestanding, pedantic C11 with
# -Wconversion, with gcc and with clang (as the queue library's do).
$(BUILD)/drivers/net/header-check.stamp: $(NET_HEADERS) $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)for cc in gcc clang; do for h in $(NET_HEADERS); do \
	    echo "#include <$${h#drivers/net/include/}>" | \
	    $$cc $(QUEUE_FREESTANDING) $(DRIVER_INC) $(NET_INC) -Ilib/include -Iinclude \
	        -isystem "$$($$cc -print-file-name=include)" -x c -c - -o /dev/null || exit 1; \
	done; done
	$(Q)touch $@

$(call net_components,$(BUILD)/drivers/net/components)
ALL_TARGETS += $(BUILD)/drivers/net/header-check.stamp

# Host tests of the virtualisers (drivers/net/tests/host: each compiles a component's
# source in whole against stub_pd.h), ASan + UBSan.
NET_HOST_TESTS := $(BUILD)/drivers/net/test-rx-virt $(BUILD)/drivers/net/test-tx-virt
$(BUILD)/drivers/net/test-rx-virt: drivers/net/tests/host/test_rx_virt.c drivers/net/virt/rx_virt.c
$(BUILD)/drivers/net/test-tx-virt: drivers/net/tests/host/test_tx_virt.c drivers/net/virt/tx_virt.c
$(NET_HOST_TESTS): drivers/net/tests/host/stub_pd.h $(NET_HEADERS) $(QUEUE_HEADERS) \
    drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) $(NET_INC) -Ilib/include -Iinclude \
	    -Idrivers/common/include \
	    -Idrivers/common/tests $(filter drivers/net/tests/host/test_%.c,$^) -o $@

ALL_TARGETS += $(NET_HOST_TESTS)
TEST_SUITES += net-host

.PHONY: suite-net-host
suite-net-host: $(NET_HOST_TESTS) $(BUILD)/drivers/net/header-check.stamp
	$(Q)scripts/run-suite.sh net-host $(BUILD)/test-results -- \
	    bash -c 'status=0; for t in $(NET_HOST_TESTS); do $$t || status=1; done; exit $$status'

# The example (examples/net): its programs live in examples/net/src/, out of reach of
# examples.mk's one-file-per-program rule, because they link lwIP and the client library.
# $(call net_system_programs,OUT_DIR): the timer, the driver and the class's components.
define net_system_programs
$(call net_components,$(1))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(1)))
$(eval $(call pd_program,virtio_net,$(VIRTIO_NET_SRCS),$(1)))
endef
NET_SYSTEM_ELFS = $(call NET_COMPONENT_ELFS,$(1)) $(addprefix $(1)/,timer.elf virtio_net.elf)

NET_EXAMPLE_BUILD := $(EXAMPLE_BUILD)/net
NET_EXAMPLE_APPS := udp_echo tcp_echo http
$(call net_system_programs,$(NET_EXAMPLE_BUILD))
$(foreach app,$(NET_EXAMPLE_APPS),$(eval $(call net_client_program,$(app),examples/net/src/$(app).c $(NET_HTTP_SERVER_SRCS),$(NET_EXAMPLE_BUILD))))
$(NET_EXAMPLE_BUILD)/modules.args: $(call NET_SYSTEM_ELFS,$(NET_EXAMPLE_BUILD)) \
    $(addprefix $(NET_EXAMPLE_BUILD)/,$(addsuffix .elf,$(NET_EXAMPLE_APPS)))

# The system test (suite system-net, drivers/net/tests/run.sh): the example plus the
# sniffer client, driven by host clients (tests/net) over QEMU's user network.
NET_TEST_BUILD := $(BUILD)/net-test
$(call net_system_programs,$(NET_TEST_BUILD))
$(foreach app,$(NET_EXAMPLE_APPS),$(eval $(call net_client_program,$(app),examples/net/src/$(app).c $(NET_HTTP_SERVER_SRCS),$(NET_TEST_BUILD))))
$(eval $(call net_client_program,net_sniffer,drivers/net/tests/sniffer.c,$(NET_TEST_BUILD)))
$(eval $(call pd_program,net_evil,drivers/net/tests/evil.c $(TIMER_CLIENT_SRCS),$(NET_TEST_BUILD)))
$(NET_TEST_BUILD)/modules.args: drivers/net/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(call NET_SYSTEM_ELFS,$(NET_TEST_BUILD)) \
    $(addprefix $(NET_TEST_BUILD)/,$(addsuffix .elf,$(NET_EXAMPLE_APPS) net_sniffer net_evil))
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(NET_TEST_BUILD) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(NET_TEST_BUILD)/modules.args
TEST_SUITES += system-net

.PHONY: suite-system-net
suite-system-net: $(KERNEL_BIN) $(NET_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-net $(BUILD)/test-results -- \
	    drivers/net/tests/run.sh $(KERNEL_BIN) $(NET_TEST_BUILD) $(BUILD)/test-logs/net

# `make run EXAMPLE=net`: QEMU's user network with host ports forwarded to the servers
# (NET_UDP_PORT, NET_TCP_PORT, NET_HTTP_PORT on 127.0.0.1), and what to try printed first.
NET_UDP_PORT ?= 1235
NET_TCP_PORT ?= 1236
NET_HTTP_PORT ?= 8080
ifneq ($(filter run,$(MAKECMDGOALS)),)
ifeq ($(EXAMPLE),net)
RUN_ARGS += --qemu-arg -netdev --qemu-arg user,id=n0,hostfwd=udp:127.0.0.1:$(NET_UDP_PORT)-10.0.2.15:1235,hostfwd=tcp:127.0.0.1:$(NET_TCP_PORT)-10.0.2.16:1236,hostfwd=tcp:127.0.0.1:$(NET_HTTP_PORT)-10.0.2.17:80 \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0
run: net-run-banner
.PHONY: net-run-banner
net-run-banner:
	@echo "The network example: once the servers say they are up, try from another terminal"
	@echo "    curl http://127.0.0.1:$(NET_HTTP_PORT)/     the status page (10.0.2.17:80)"
	@echo "    nc -u 127.0.0.1 $(NET_UDP_PORT)             UDP echo (10.0.2.15:1235)"
	@echo "    nc 127.0.0.1 $(NET_TCP_PORT)                TCP echo (10.0.2.16:1236)"
	@echo "(ports: NET_HTTP_PORT, NET_UDP_PORT, NET_TCP_PORT)"
endif
endif
-include drivers/net/tests/restart/restart.mk
-include drivers/net/tests/virt_restart/virt_restart.mk
