# tests/net: the host side of the network tests, and the suite that tests it.
#
#   make suite-net-host-tools   the tools against host-local stand-ins (selftest.py): echo
#                               servers with faults, a stand-in guest on a dgram socket
#                               pair, and QEMU's own user network behind -netdev dgram
#
# The tools (udp_echo_check.py, tcp_stream_check.py, http_check.sh, udp_load.py,
# net_inject.py) and how system tests use them: tests/net/README.md. Python 3 from
# Debian, standard library only, and curl.

NET_TOOLS_DIR := tests/net
NET_TOOLS_PYTHON := /usr/bin/python3

TEST_SUITES += net-host-tools

.PHONY: suite-net-host-tools
suite-net-host-tools:
	$(Q)scripts/run-suite.sh net-host-tools $(BUILD)/test-results -- \
	    $(NET_TOOLS_PYTHON) $(NET_TOOLS_DIR)/selftest.py --work $(BUILD)/tests/net
