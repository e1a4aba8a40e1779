# drivers/net/model: the Spin model of the network receive handover (net_rx_virt lending
# receive buffers to several clients; docs/net-model.md).
#
#   make suite-net-model   exhaustive Spin searches of rx_lending.pml (safety, six LTL
#                          properties, a wider and a statement-for-statement
#                          configuration) and proof that two broken variants are caught

TEST_SUITES += net-model

.PHONY: suite-net-model
suite-net-model:
	$(Q)scripts/run-suite.sh net-model $(BUILD)/test-results -- \
	    drivers/net/model/check.sh $(BUILD)/drivers/net/model
