#!/usr/bin/env bash
# Writes a system description of one shape and size to stdout, for the scaling tests
# (run-scale.sh) and measurements (measure-scaling.sh):
#
#   gen-shape.sh regions N   N regions, each mapped once by one of N/1000 PDs (gen-large.sh)
#   gen-shape.sh chain N     N PDs in a chain of notification channels, each with its own
#                            region and map, all running prog.elf (legal: with prog.elf
#                            in the search path, images are checked against every PD)
#   gen-shape.sh hw N        N I/O port ranges, N PCI devices with a BAR and an MSI each,
#                            50 of each per PD (legal; N at most 65,536)
#   gen-shape.sh calls N     N PDs of one priority, each calling the next, the last the
#                            first: a priority error per call and a cycle N calls long
#   gen-shape.sh flow N      the chain with a flow policy: 8 labels (one trusted) in turn
#                            on the PDs and on every other region, every label allowed to
#                            every other; each label's search crosses the whole graph
#   gen-shape.sh dma N       the flow chain with no label trusted, where every PD learns
#                            its region's physical address (setvar_paddr) and 4 PDs have a
#                            PCI device: every address reaches every device (issue 25)
set -euo pipefail
shape=$1 n=$2
case $shape in
regions) exec "$(dirname "$0")/gen-large.sh" "$n" ;;
chain | hw | calls | flow | dma) ;;
*)
    echo "gen-shape.sh: unknown shape '$shape'" >&2
    exit 2
    ;;
esac
awk -v shape="$shape" -v n="$n" '
function pd_open(p, extra) {
    printf "  <protection_domain name=\"pd%d\"%s>\n    <program_image path=\"prog.elf\"/>\n", p, extra
}
BEGIN {
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<system>"
    if (shape == "chain" || shape == "flow" || shape == "dma") {
        labels = shape == "chain" ? 0 : 8
        dma = shape == "dma"
        for (p = 0; p < n; p++) {
            rlabel = labels && p % 2 ? sprintf(" label=\"l%d\"", p % labels) : ""
            printf "  <memory_region name=\"r%d\" size=\"0x1000\"%s/>\n", p, rlabel
            pd_open(p, labels ? sprintf(" label=\"l%d\"", p % labels) : "")
            if (dma && p % int(n / 4) == 0)
                printf "    <pci_device address=\"00:%02x.0\"/>\n", p / int(n / 4)
            printf "    <map mr=\"r%d\" vaddr=\"0x1000000\"%s/>\n  </protection_domain>\n", p, dma ? " setvar_paddr=\"buf_paddr\"" : ""
        }
        for (p = 0; p + 1 < n; p++)
            printf "  <channel><end pd=\"pd%d\" id=\"0\"/><end pd=\"pd%d\" id=\"1\"/></channel>\n", p, p + 1
        if (labels) {
            print "  <flow_policy>"
            for (l = 0; l < labels; l++)
                printf "    <label name=\"l%d\"%s/>\n", l, l == 0 && !dma ? " trusted=\"true\"" : ""
            for (l = 0; l < labels; l++)
                for (m = l + 1; m < labels; m++)
                    printf "    <flow from=\"l%d\" to=\"l%d\" kinds=\"notify memory%s\" direction=\"both\"/>\n", l, m, dma ? " dma" : ""
            print "  </flow_policy>"
        }
    } else if (shape == "hw") {
        for (i = 0; i < n; i++) {
            if (i % 50 == 0) {
                if (i) print "  </protection_domain>"
                pd_open(i / 50, "")
            }
            id = i % 50
            pci = sprintf("%02x:%02x.%x", int(i / 256), int(i / 8) % 32, i % 8)
            printf "    <ioport id=\"%d\" base=\"0x%x\" size=\"1\"/>\n", id, i
            printf "    <pci_device address=\"%s\"><bar index=\"0\" vaddr=\"0x%x000\" size=\"0x1000\"/></pci_device>\n", pci, 65536 + i
            printf "    <irq id=\"%d\" pci=\"%s\"/>\n", id, pci
        }
        if (n) print "  </protection_domain>"
    } else {
        for (p = 0; p < n; p++) {
            pd_open(p, "")
            print "  </protection_domain>"
            printf "  <channel><end pd=\"pd%d\" id=\"0\" pp=\"true\"/><end pd=\"pd%d\" id=\"1\"/></channel>\n", p, (p + 1) % n
        }
    }
    print "</system>"
}'
