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
