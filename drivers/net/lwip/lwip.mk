# drivers/net/lwip: lwIP 2.1.3, fetched from Debian's source package and built
# freestanding for network clients (docs/drivers.md, "lwIP and the client library").
# Included by drivers/net/net.mk.
#
#   LWIP_LIB       $(BUILD)/drivers/net/lwip/liblwip.a: lwIP's core (IPv4, ARP, ICMP, UDP,
#                  TCP, raw), our port (clock, random numbers, assertions) and the small
#                  C library subset lwIP needs (libc/: string.h, stdlib.h)
#   LWIP_INC       include flags of code that uses lwIP (lwipopts.h, arch/, libc/, lwIP's
#                  headers)
#   LWIP_STAMP     the unpacked, checked lwIP tree: an order-only prerequisite of every
#                  object that includes lwIP's headers
#   NET_CLIENT_SRCS, NET_CLIENT_INC, $(call net_client_program,NAME,SOURCES[,OUTDIR])
#                  the client library (drivers/net/client) and how a client PD is
#                  linked: below
#
#   make lwip                        fetch (if need be) and build liblwip.a
#   make suite-net-client-host       host tests of the transmit pool, header checks
#   make suite-system-net-client     the loopback system test of the library and lwIP
#
# Nothing of lwIP is in the repository: scripts/fetch-lwip.sh downloads Debian's
# lwip_2.1.3+dfsg1.orig.tar.xz with `apt-get source --download-only` (a private apt
# configuration, no root needed) into $(LWIP_CACHE), checks it and unpacks it into
# $(LWIP_DIR), once. It runs only when something needs lwIP: parsing this file or
# `make clean` never fetches. LWIP_CACHE (default ~/.cache/bastion/debian-src) keeps the
# tarball across `make clean`.

LWIP_VERSION := 2.1.3
LWIP_DIR := $(BUILD)/third_party/lwip-$(LWIP_VERSION)
LWIP_STAMP := $(LWIP_DIR)/.bastion-unpacked
LWIP_CACHE ?= $(if $(HOME),$(HOME)/.cache/bastion/debian-src,$(BUILD)/third_party/cache)
LWIP_BUILD := $(BUILD)/drivers/net/lwip
LWIP_LIB := $(LWIP_BUILD)/liblwip.a

LWIP_INC := -Idrivers/net/lwip/include -Idrivers/net/lwip/libc/include \
    -isystem $(LWIP_DIR)/src/include

$(LWIP_STAMP): scripts/fetch-lwip.sh
	$(Q)scripts/fetch-lwip.sh $(BUILD)/third_party $(LWIP_CACHE)

.PHONY: lwip-fetch
lwip-fetch: $(LWIP_STAMP)

# lwIP's core and IPv4 files and its Ethernet layer (lwIP's COREFILES, CORE4FILES and
# netif/ethernet.c), named here because they do not exist before the fetch. A file whose
# feature lwipopts.h turns off compiles to nothing; the archive holds what a client
# links only when it refers to it.
LWIP_CORE_FILES := core/altcp.c core/altcp_alloc.c core/altcp_tcp.c core/def.c core/dns.c \
    core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c core/netif.c core/pbuf.c \
    core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
    core/timeouts.c core/udp.c \
    core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c \
    core/ipv4/igmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
    netif/ethernet.c
LWIP_SRCS := $(addprefix $(LWIP_DIR)/src/,$(LWIP_CORE_FILES))
LWIP_OBJS := $(patsubst %,$(LWIP_BUILD)/obj/%.o,$(LWIP_CORE_FILES))

# lwIP's own files are not ours: they are compiled with the project's freestanding user
# flags (no SSE, small code model, gcc or clang) and their own warning set. lwIP 2.1.3
# with this lwipopts.h passes the project's whole set (WARN_FLAGS, -Werror included) with
# gcc 12 and clang 14, so that is the set; only -Wconversion, which the project does not
# use either, would fail. Should another compiler find something in lwIP, the warning is
# turned off here, for lwIP's files only; ours (port/, libc/) keep the project's set.
LWIP_WARN_FLAGS := $(WARN_FLAGS)
LWIP_CFLAGS := $(filter-out $(WARN_FLAGS),$(USER_CFLAGS)) $(LWIP_WARN_FLAGS)
LWIP_OWN_INC := -Idrivers/net/lwip/include -Idrivers/net/lwip/libc/include \
    -I$(LWIP_DIR)/src/include $(USER_INC)

# The sources appear with the stamp (an order-only prerequisite: a tree that is there is
# never fetched again, and the empty recipe leaves the files' own times alone).
$(LWIP_SRCS): | $(LWIP_STAMP) ;

$(LWIP_BUILD)/obj/%.c.o: $(LWIP_DIR)/src/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LWIP_CFLAGS) $(LWIP_OWN_INC) -c $< -o $@

# Our port and C library subset, compiled by lib/lib.mk's rule with every warning.
LWIP_PORT_SRCS := drivers/net/lwip/port/sys_arch.c drivers/net/lwip/port/chksum.c \
    drivers/net/lwip/libc/string.c \
    drivers/net/lwip/libc/stdlib.c
LWIP_PORT_OBJS := $(patsubst %,$(LIB_BUILD)/%.o,$(LWIP_PORT_SRCS))
$(LIB_BUILD)/drivers/net/lwip/%.c.o: USER_INC += $(LWIP_INC)
$(LWIP_PORT_OBJS): | $(LWIP_STAMP)

$(LWIP_LIB): $(LWIP_OBJS) $(LWIP_PORT_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

.PHONY: lwip
lwip: $(LWIP_LIB)

ALL_TARGETS += $(LWIP_LIB)

-include $(LWIP_OBJS:.o=.d) $(LWIP_PORT_OBJS:.o=.d)

# ---- The client library (drivers/net/client, bastion/net/client.h) -------------------
#
#   NET_CLIENT_SRCS    the library's sources, the timer client library's included
#   NET_CLIENT_INC     include flags of a client's sources (lwIP, the network, queue,
#                      timer and driver headers)
#   $(call net_client_program,NAME,SOURCES[,OUTDIR])
#                      link a client PD: SOURCES with the library, liblwip.a and
#                      libbastion (pd_crt0), into OUTDIR/NAME.elf (default
#                      $(BUILD)/user), added to `make all`; use it with $(eval ...) as
#                      pd_program. SOURCES may name the timer or serial client libraries
#                      too: each object is linked once.

NET_CLIENT_SRCS := drivers/net/client/net_client.c $(TIMER_CLIENT_SRCS)
# A PD serving HTTP adds this one (bastion/net/http_server.h).
NET_HTTP_SERVER_SRCS := drivers/net/client/http_server.c
NET_CLIENT_INC := $(LWIP_INC) $(NET_INC) $(DRIVER_INC)
NET_CLIENT_OBJS := $(patsubst %,$(LIB_BUILD)/%.o,$(NET_CLIENT_SRCS))

$(LIB_BUILD)/drivers/net/client/%.c.o: USER_INC += $(LWIP_INC)
$(NET_CLIENT_OBJS): | $(LWIP_STAMP)

define net_client_program
$(or $(3),$(BUILD)/user)/$(1).elf: $(patsubst %,$(LIB_BUILD)/%.o,$(sort $(2) $(NET_CLIENT_SRCS))) \
    $(LIB_PD_CRT0) $(LWIP_LIB) $(LIBBASTION) $(USER_LDS)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(LD) $$(USER_LDFLAGS) -o $$@ $(LIB_PD_CRT0) \
	    $(patsubst %,$(LIB_BUILD)/%.o,$(sort $(2) $(NET_CLIENT_SRCS))) $(LWIP_LIB) $(LIBBASTION)
$(patsubst %,$(LIB_BUILD)/%.o,$(filter-out $(NET_CLIENT_SRCS),$(2))): USER_INC += $(NET_CLIENT_INC)
$(patsubst %,$(LIB_BUILD)/%.o,$(2)): | $(LWIP_STAMP)
ALL_TARGETS += $(or $(3),$(BUILD)/user)/$(1).elf
-include $(patsubst %,$(LIB_BUILD)/%.d,$(2) $(NET_CLIENT_SRCS))
endef

# The loopback test (suite system-net-client, drivers/net/client/tests): the smoke client
# (lwip_smoke.c: lwIP up, ARP, ping, UDP and TCP echo) and a peer PD (peer.c) that plays
# its copier and net_tx_virt, with the timer driver. No network device is involved. The
# smoke client also shows that the library, lwIP and libbastion link into a PD with each
# compiler (`make`; `make CC=clang` in suite system-kernel-clang).
# (A short directory: init finds its modules by name, and names are cut at 47 bytes.)
NET_CLIENT_TEST_BUILD := $(BUILD)/net-client
$(eval $(call net_client_program,lwip_smoke,drivers/net/client/tests/lwip_smoke.c,$(NET_CLIENT_TEST_BUILD)))
$(eval $(call pd_program,net_client_peer,drivers/net/client/tests/peer.c $(TIMER_CLIENT_SRCS),$(NET_CLIENT_TEST_BUILD)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(NET_CLIENT_TEST_BUILD)))
$(LIB_BUILD)/drivers/net/client/tests/peer.c.o: | $(LWIP_STAMP)
$(NET_CLIENT_TEST_BUILD)/modules.args: drivers/net/client/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(addprefix $(NET_CLIENT_TEST_BUILD)/,timer.elf net_client_peer.elf \
    lwip_smoke.elf)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(NET_CLIENT_TEST_BUILD) > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(NET_CLIENT_TEST_BUILD)/modules.args
TEST_SUITES += system-net-client

.PHONY: suite-system-net-client
suite-system-net-client: $(KERNEL_BIN) $(NET_CLIENT_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-net-client $(BUILD)/test-results -- \
	    drivers/net/client/tests/run.sh $(KERNEL_BIN) $(NET_CLIENT_TEST_BUILD) \
	    $(BUILD)/test-logs/net-client

# Host tests of the library's pure parts (the transmit pool, tx_pool.h) under ASan and
# UBSan, and every header of the client library compiled alone as freestanding,
# pedantic C11 with gcc and clang.
NET_CLIENT_HOST_TEST := $(BUILD)/drivers/net/client/test-tx-pool
$(NET_CLIENT_HOST_TEST): drivers/net/client/tests/host/test_tx_pool.c drivers/net/client/tx_pool.h \
    $(NET_HEADERS) $(QUEUE_HEADERS) drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) -Wsign-conversion $(QUEUE_ASAN_FLAGS) $(NET_INC) \
	    -Idrivers/net/client -Idrivers/common/tests $< -o $@

NET_CLIENT_HEADERS := drivers/net/include/bastion/net/client.h drivers/net/client/tx_pool.h
$(BUILD)/drivers/net/client/header-check.stamp: $(NET_CLIENT_HEADERS) $(NET_HEADERS) $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)for cc in gcc clang; do for h in $(NET_CLIENT_HEADERS); do \
	    echo "#include \"$$PWD/$$h\"" | \
	    $$cc $(QUEUE_FREESTANDING) $(NET_INC) $(DRIVER_INC) -Ilib/include -Iinclude \
	        -isystem "$$($$cc -print-file-name=include)" -x c -c - -o /dev/null || exit 1; \
	done; done
	$(Q)touch $@

# The port's checksum (port/chksum.c) against the definition.
NET_CHKSUM_HOST_TEST := $(BUILD)/drivers/net/client/test-chksum
$(NET_CHKSUM_HOST_TEST): drivers/net/client/tests/host/test_chksum.c drivers/net/lwip/port/chksum.c \
    drivers/net/lwip/include/arch/bastion_port.h drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) -Wsign-conversion $(QUEUE_ASAN_FLAGS) \
	    -Idrivers/net/lwip/include -Idrivers/common/tests $(filter %.c,$^) -o $@

ALL_TARGETS += $(NET_CLIENT_HOST_TEST) $(NET_CHKSUM_HOST_TEST) \
    $(BUILD)/drivers/net/client/header-check.stamp
TEST_SUITES += net-client-host

.PHONY: suite-net-client-host
suite-net-client-host: $(NET_CLIENT_HOST_TEST) $(NET_CHKSUM_HOST_TEST) \
    $(BUILD)/drivers/net/client/header-check.stamp
	$(Q)scripts/run-suite.sh net-client-host $(BUILD)/test-results -- \
	    bash -c '$(NET_CLIENT_HOST_TEST) && $(NET_CHKSUM_HOST_TEST)'
