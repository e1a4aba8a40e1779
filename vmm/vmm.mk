# vmm/: the virtual-machine monitor (docs/virtualisation.md, "The VMM") and its Linux guest.
#
#   $(GUEST_STAMP)           $(BUILD)/guest/{bzImage,initramfs.cpio.gz}: the Linux guest,
#                            built on demand by scripts/guest-assets.sh from Debian's
#                            linux-image-amd64 and busybox-static (never part of `all`:
#                            it downloads about 71 MB the first time; GUEST_CACHE, default
#                            ~/.cache/bastion/debian-bin, keeps the .deb files across
#                            `make clean`)
#   make guest               build the guest's files
#   make suite-guest-linux   boot the guest straight under QEMU (no Bastion): /init's
#                            marker, a line echoed over the serial console, power-off.
#                            `make test` runs it, which builds the guest first
#   make suite-host-vmm      the VMM library's host tests (ASan, UBSan), the boot-image
#                            parser fuzzed

GUEST_DIR := $(BUILD)/guest
GUEST_STAMP := $(GUEST_DIR)/.bastion-guest
GUEST_CACHE ?= $(if $(HOME),$(HOME)/.cache/bastion/debian-bin,$(GUEST_DIR)/cache)

$(GUEST_STAMP): scripts/guest-assets.sh vmm/guest/init vmm/guest/mkcpio.py
	$(Q)scripts/guest-assets.sh $(GUEST_DIR) $(GUEST_CACHE)

.PHONY: guest suite-guest-linux
guest: $(GUEST_STAMP)

TEST_SUITES += guest-linux
suite-guest-linux: $(GUEST_STAMP)
	$(Q)scripts/run-suite.sh guest-linux $(BUILD)/test-results -- \
	    vmm/guest/boot_check.py $(GUEST_DIR)
