# The bootable ISO (issue 22): GRUB for BIOS and UEFI, the kernel through Multiboot 2.
#
#   make iso            $(BUILD)/bastion.iso: the demo system (EXAMPLE=NAME for another),
#                       idling after its run; boot it in QEMU, on a USB stick or a CD
#   $(BUILD)/iso/demo-exit.iso  the demo with `exit` (QEMU ends after it): suite system-iso
#
# Suite:
#   system-iso   the test ISO booted under SeaBIOS and under OVMF (UEFI), each printing
#                what examples/demo/expect's first boot says, plus which firmware,
#                memory map and RSDP the kernel used and the platform init found in ACPI

ISO := $(BUILD)/bastion.iso
ISO_TEST := $(BUILD)/iso/demo-exit.iso
ISO_DEPS := $(KERNEL_ELF) scripts/make-iso.sh

# $(call iso_rule,OUTPUT,SYSTEM,COMMAND LINE)
define iso_rule
$(1): $(ISO_DEPS) $(EXAMPLE_BUILD)/$(2)/modules.args
	$$(Q)scripts/make-iso.sh $$@ $(KERNEL_ELF) "$(3)" $$$$(sed 's/--module //g' $(EXAMPLE_BUILD)/$(2)/modules.args)
endef

$(eval $(call iso_rule,$(ISO),$(EXAMPLE),))
$(eval $(call iso_rule,$(ISO_TEST),demo,exit))

.PHONY: iso
iso: deps $(ISO)

TEST_SUITES += system-iso
.PHONY: suite-system-iso
suite-system-iso: $(ISO_TEST)
	$(Q)scripts/run-suite.sh system-iso $(BUILD)/test-results -- \
	    tests/system/iso-boots.sh $(ISO_TEST) $(BUILD)/test-results/iso examples/demo/expect
