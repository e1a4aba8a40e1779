#!/usr/bin/env bash
# Writes a legal system description with N memory regions to stdout: N/1000 (at least 1)
# protection domains, each region mapped once, by one of them, at its own address.
# Used by the scaling measurement (measure-scaling.sh) and the large-description CLI test.
#
#   gen-large.sh N [DUPLICATE-NAME]
#
# With DUPLICATE-NAME every region is given that same name (a description with N-1
# duplicates), for the error-cap test.
set -euo pipefail
n=$1 dup=${2:-}
awk -v n="$n" -v dup="$dup" 'BEGIN {
    pds = int(n / 1000); if (pds < 1) pds = 1
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<system>"
    for (i = 0; i < n; i++)
        printf "  <memory_region name=\"%s\" size=\"0x1000\"/>\n", dup != "" ? dup : "r" i
    for (p = 0; p < pds; p++) {
        printf "  <protection_domain name=\"pd%d\">\n    <program_image path=\"pd%d.elf\"/>\n", p, p
        for (i = p; i < n; i += pds)
            printf "    <map mr=\"%s\" vaddr=\"0x%x000\" perms=\"rw\"/>\n", dup != "" ? dup : "r" i, 65536 + i
        print "  </protection_domain>"
    }
    print "</system>"
}'
