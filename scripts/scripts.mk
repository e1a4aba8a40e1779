# Set-up step shared by run, test and bench: install (or name) missing Debian packages.
.PHONY: deps
deps:
	$(Q)scripts/deps.sh
