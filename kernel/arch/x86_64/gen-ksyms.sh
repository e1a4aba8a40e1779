#!/usr/bin/env bash
# Turn `nm -n --defined-only` output (read from the file named by $1, "-" for stdin,
# /dev/null for an empty table) into the kernel symbol table, as assembly.
#
# Only code symbols (nm types t/T) of the higher-half kernel are kept: the table names
# faulting instructions.
# Layout (read by kernel/symbols.c):
#   ksym_count:   .quad N
#   ksym_entries: N x { .quad address, .quad offset of the name in ksym_names }
#   ksym_names:   the NUL-terminated names
set -euo pipefail
input=${1:--}
awk '
    BEGIN { n = 0 }
    ($2 == "t" || $2 == "T") && $1 ~ /^ffffffff/ { addr[n] = $1; name[n] = $3; n++ }
    END {
        print "\t.section .ksymtab, \"a\""
        print "\t.balign 8"
        print "\t.globl ksym_count, ksym_entries, ksym_names"
        print "ksym_count:\n\t.quad " n+0
        print "ksym_entries:"
        off = 0
        for (i = 0; i < n; i++) {
            printf "\t.quad 0x%s, %d\n", addr[i], off
            off += length(name[i]) + 1
        }
        print "ksym_names:"
        for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
        print "\t.byte 0"
    }
' "$input"
