# Example systems (examples/NAME/: system.xml, one PD program per .c file) and the PD
# runtime's test systems (init/tests/NAME/, the same shape plus an `expect` file).
#
#   make run [EXAMPLE=NAME]   build the example and boot it (default: demo; EXAMPLE=kernel
#                             boots the kernel alone, its own demo)
#   $(BUILD)/examples/NAME/modules.args   the qemu-run.sh --module arguments of NAME
#
# Suites:
#   examples-check    every examples/*/system.xml passes `bastion check`, and the tool
#                     refuses each init/tests/reject/*.xml with the message its
#                     `<!-- expect: REGEX -->` line names (a PPC to a lower priority, ...)
#   system-examples   each example boots and prints what examples/NAME/expect says
#   system-pd         the runtime's test systems (init/tests/*): every API call and error
#                     path, faults with and without a parent, restart and re-initialise,
#                     the CSpace check failing on purpose, malformed specs refused, a
#                     flow policy checked at boot (init/tests/flow: it boots, and a spec
#                     whose policy lost its rules is refused), cache colouring checked at
#                     boot (init/tests/colour: it holds, and fails with init-nocolour.elf
#                     and, for the kernel image copies, with init-nokimage.elf),
#                     a guest made by init (init/tests/guest: its caps, a tiny guest run,
#                     refused without SVM)

EXAMPLE ?= demo
EXAMPLES := $(patsubst examples/%/system.xml,%,$(wildcard examples/*/system.xml))
PD_TESTS := $(patsubst init/tests/%/system.xml,%,$(wildcard init/tests/*/system.xml))
EXAMPLE_BUILD := $(BUILD)/examples
PD_TEST_BUILD := $(BUILD)/pdtests
SPEC_CORRUPT := $(BUILD)/pdtests/spec-corrupt

# $(call system_rules,SRC_DIR,OUT_DIR,INIT_ELF): PD programs and modules.args of one system.
define system_rules
$(foreach src,$(wildcard $(1)/*.c),$(eval $(call pd_program,$(basename $(notdir $(src))),$(src),$(2))))
# The kernel goes to the tool too (TOOL_KERNEL_ELF): a coloured domain's colours must hold
# its copy of the kernel image.
$(2)/modules.args: $(1)/system.xml $(patsubst $(1)/%.c,$(2)/%.elf,$(wildcard $(1)/*.c)) $(TOOL) $(3) scripts/build-example.sh $(KERNEL_ELF)
	$$(Q)BASTION_KERNEL_ELF=$$(TOOL_KERNEL_ELF) scripts/build-example.sh $(TOOL) $(3) $(1)/system.xml $(2) > $$@.tmp && mv $$@.tmp $$@
endef

TOOL_KERNEL_ELF = $(KERNEL_ELF)
# colourfull tests init's refusal of a domain whose colours cannot hold its kernel image
# copy, which the tool refuses first when it knows the kernel: it is built without.
$(PD_TEST_BUILD)/colourfull/modules.args: TOOL_KERNEL_ELF :=

$(foreach e,$(EXAMPLES),$(eval $(call system_rules,examples/$(e),$(EXAMPLE_BUILD)/$(e),$(INIT_ELF))))
$(foreach t,$(PD_TESTS),$(eval $(call system_rules,init/tests/$(t),$(PD_TEST_BUILD)/$(t),$(INIT_ELF))))

# `make run`: the top-level rule boots $(RUN_IMAGE) $(RUN_ARGS); an example adds its modules.
ifneq ($(filter run,$(MAKECMDGOALS)),)
ifneq ($(EXAMPLE),kernel)
ifeq ($(filter $(EXAMPLE),$(EXAMPLES)),)
$(error EXAMPLE=$(EXAMPLE): no examples/$(EXAMPLE)/system.xml (examples: $(EXAMPLES) kernel))
endif
run: $(EXAMPLE_BUILD)/$(EXAMPLE)/modules.args
RUN_ARGS += $$(cat $(EXAMPLE_BUILD)/$(EXAMPLE)/modules.args)
endif
endif

.PHONY: examples
examples: $(foreach e,$(EXAMPLES),$(EXAMPLE_BUILD)/$(e)/modules.args)

# A host helper that damages a spec in controlled ways (init/tests/spec_corrupt.c).
$(SPEC_CORRUPT): init/tests/spec_corrupt.c include/bastion/spec.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Iinclude -o $@ $<

TEST_SUITES += examples-check system-examples system-pd

.PHONY: suite-examples-check suite-system-examples suite-system-pd
suite-examples-check: $(TOOL)
	$(Q)scripts/run-suite.sh examples-check $(BUILD)/test-results -- bash -c '\
	    for x in examples/*/system.xml; do \
	        if $(TOOL) check "$$x" --search-path $(EXAMPLE_BUILD)/$$(basename $$(dirname $$x)); \
	        then echo "PASS: check/$$x"; else echo "FAIL: check/$$x: bastion check failed"; fi; \
	    done; \
	    for x in init/tests/reject/*.xml; do \
	        re=$$(sed -n "s/^<!-- expect: \(.*\) -->$$/\1/p" "$$x"); \
	        msg=$$($(TOOL) check "$$x" 2>&1); rc=$$?; \
	        if [[ $$rc -eq 1 ]] && grep -qE -- "$$re" <<<"$$msg"; \
	        then echo "PASS: reject/$$x"; else echo "FAIL: reject/$$x: status $$rc, message: $$msg"; fi; \
	    done'

suite-system-examples: $(KERNEL_BIN) $(foreach e,$(EXAMPLES),$(EXAMPLE_BUILD)/$(e)/modules.args)
	$(Q)scripts/run-suite.sh system-examples $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/examples \
	    $(foreach e,$(EXAMPLES),$(e):examples/$(e):$(EXAMPLE_BUILD)/$(e))

suite-system-pd: $(KERNEL_BIN) $(INIT_TAMPER_ELF) $(INIT_NOCOLOUR_ELF) $(INIT_NOKIMAGE_ELF) \
    $(INIT_NOCOLOUROBJ_ELF) \
    $(SPEC_CORRUPT) $(foreach t,$(PD_TESTS),$(PD_TEST_BUILD)/$(t)/modules.args)
	$(Q)scripts/run-suite.sh system-pd $(BUILD)/test-results -- \
	    env INIT_TAMPER_ELF=$(INIT_TAMPER_ELF) INIT_NOCOLOUR_ELF=$(INIT_NOCOLOUR_ELF) \
	    INIT_NOKIMAGE_ELF=$(INIT_NOKIMAGE_ELF) INIT_NOCOLOUROBJ_ELF=$(INIT_NOCOLOUROBJ_ELF) \
	    SPEC_CORRUPT=$(SPEC_CORRUPT) TOOL=$(TOOL) \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/pd \
	    $(foreach t,$(PD_TESTS),$(t):init/tests/$(t):$(PD_TEST_BUILD)/$(t))
