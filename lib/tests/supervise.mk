# Host tests of the supervision policy (lib/tests/host_supervise.c), with ASan and UBSan:
# suite host-supervise.
SUPERVISE_TEST := $(BUILD)/host/supervise-tests
$(SUPERVISE_TEST): lib/tests/host_supervise.c lib/src/supervise_policy.c \
    lib/include/libbastion/supervise.h include/bastion/spec.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -Ilib/include -Iinclude -o $@ lib/tests/host_supervise.c \
	    lib/src/supervise_policy.c
ALL_TARGETS += $(SUPERVISE_TEST)

TEST_SUITES += host-supervise
.PHONY: suite-host-supervise
suite-host-supervise: $(SUPERVISE_TEST)
	$(Q)scripts/run-suite.sh host-supervise $(BUILD)/test-results -- $<
