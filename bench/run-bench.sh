#!/usr/bin/env bash
# `make bench`: boot the benchmark selection and print a table; write the same as JSON.
#
#   run-bench.sh KERNEL_IMAGE BENCH_ROOTTASK RESULTS_DIR
#
# Four boots: the kernel's own benchmarks (kbench=all: the hardware floor and kernel
# paths measured inside the kernel), then the benchmark root task (system calls and
# IPC measured from user space), the root task again with page-table isolation forced
# on (kpti=on), and once more with the fastpaths off (nofastpath: every system call
# through the full path, whose own length issue 19 sets a target for).
#
# Unit: under QEMU TCG with -icount shift=0,align=off, guest time advances one
# nanosecond per instruction and the TSC follows it, so counter deltas are path lengths
# ("icount cycles"): identical from run to run on any host, and never to be mixed with
# real cycles. Every figure has the measurement overhead (the median cost of reading the
# counter twice with nothing between, shown as measurement.overhead) subtracted.
set -euo pipefail
image=$1 roottask=$2 results=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$results"
log="$results/icount-tcg.log"

run() { # run NAME QEMU-RUN-ARGS...
    local name=$1
    shift
    "$here/../scripts/qemu-run.sh" --image "$image" --icount --no-protocol --name "$name" \
        --log "$results/$name.log" --timeout 300 "$@" >/dev/null ||
        { echo "bench: the $name boot failed (log: $results/$name.log)" >&2; exit 1; }
}
run kernel-bench --append "kbench=all"
# QEMU's Intel VT-d unit for the IOMMU map/unmap figures (bench/roottask/iommu.c); no
# device does DMA here, so it changes no other figure.
run roottask-bench --append "" --module "$roottask" --qemu-arg -device --qemu-arg intel-iommu
# The same with page-table isolation forced on, for its cost (the CPU QEMU emulates
# needs none, so the figures above are without it; docs/kernel.md, "Meltdown").
run roottask-bench-kpti --append "kpti=on" --module "$roottask"
run roottask-bench-nofastpath --append "nofastpath" --module "$roottask"
cat "$results/kernel-bench.log" "$results/roottask-bench.log" | tr -d '\r' >"$log"
grep -E '^BENCH ' "$log" >"$results/icount-tcg.lines" ||
    { echo "bench: no BENCH lines in $log" >&2; exit 1; }
tr -d '\r' <"$results/roottask-bench-kpti.log" | grep -E '^BENCH ' >"$results/icount-tcg-kpti.lines" ||
    { echo "bench: no BENCH lines in $results/roottask-bench-kpti.log" >&2; exit 1; }
tr -d '\r' <"$results/roottask-bench-nofastpath.log" | grep -E '^BENCH ' >"$results/icount-tcg-nofastpath.lines" ||
    { echo "bench: no BENCH lines in $results/roottask-bench-nofastpath.log" >&2; exit 1; }

table() { # table LINES-FILE
    printf '%-52s %8s %8s %8s %8s %8s\n' benchmark min median max mean stddev
    awk '{
        name = $2; delete f
        for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "%-52s %8s %8s %8s %8s %8s\n", name, f["min"], f["median"], f["max"], f["mean"], f["stddev"]
    }' "$1"
}
json_results() { # json_results LINES-FILE: the entries of a JSON array
    awk '{
        delete f
        for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "%s\n    {\"name\": \"%s\", \"samples\": %s, \"min\": %s, \"median\": %s, \"max\": %s, \"mean\": %s, \"stddev\": %s, \"overhead\": %s}", (NR > 1 ? "," : ""), $2, f["samples"], f["min"], f["median"], f["max"], f["mean"], f["stddev"], f["overhead"]
    }' "$1"
}

version=$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)
# Which speculation mitigations were active: the kernel says at boot ("not affected;
# page-table isolation off", for instance).
meltdown=$(sed -n 's/^cpu: meltdown (rogue data cache load): //p' "$log" | head -n 1)
kpti_on=$(tr -d '\r' <"$results/roottask-bench-kpti.log" |
    sed -n 's/^cpu: meltdown (rogue data cache load): //p' | head -n 1)
echo "Bastion $version benchmarks: QEMU TCG, -icount shift=0,align=off (icount cycles)"
echo "CPU: $(sed -n 's/^cpu: \(.*\), family.*/\1/p' "$log" | head -n 1); Meltdown: ${meltdown:-unknown}"
table "$results/icount-tcg.lines"
echo
echo "The user-space benchmarks again with kpti=on (Meltdown: ${kpti_on:-unknown}):"
table "$results/icount-tcg-kpti.lines"
echo
echo "The user-space benchmarks again with the fastpaths off (nofastpath: the full path):"
table "$results/icount-tcg-nofastpath.lines"

{
    printf '{\n  "version": "%s",\n  "unit": "icount cycles",\n' "$version"
    printf '  "machine": "qemu-system-x86_64 -machine q35 -cpu max -accel tcg -icount shift=0,align=off",\n'
    printf '  "meltdown": "%s",\n  "overhead_subtracted": true,\n  "results": [' "${meltdown:-unknown}"
    json_results "$results/icount-tcg.lines"
    printf '\n  ],\n  "kpti_on": {\n    "meltdown": "%s",\n    "results": [' "${kpti_on:-unknown}"
    json_results "$results/icount-tcg-kpti.lines" | sed 's/^    {/      {/'
    printf '\n    ]\n  },\n  "nofastpath": {\n    "results": ['
    json_results "$results/icount-tcg-nofastpath.lines" | sed 's/^    {/      {/'
    printf '\n    ]\n  }\n}\n'
} >"$results/icount-tcg.json"
echo "(written to $results/icount-tcg.json)"

# Real cycles need real hardware virtualization. Try KVM when /dev/kvm is usable, and
# believe it only if reading the TSC costs what it costs on hardware (a software
# nested hypervisor traps RDTSC: thousands of cycles per read).
if [[ -r /dev/kvm && -w /dev/kvm && "${BENCH_KVM:-1}" != 0 ]]; then
    klog="$results/kvm-bench.log"
    if ACCEL=kvm "$here/../scripts/qemu-run.sh" --image "$image" --module "$roottask" --append "" \
        --no-protocol --name kvm-bench --log "$klog" --timeout 120 >/dev/null 2>&1; then
        cost=$(tr -d '\r' <"$klog" | awk '$2 == "user.measurement_overhead" {
            for (i = 3; i <= NF; i++) if ($i ~ /^median=/) { sub(/median=/, "", $i); print $i } }')
        if [[ -n "$cost" && "$cost" -lt 500 ]]; then
            echo
            echo "KVM (real cycles; rdtsc pair costs $cost cycles):"
            tr -d '\r' <"$klog" | grep -E '^BENCH ' | awk '{ printf "%-52s %s\n", $2, $5 }'
        else
            echo "KVM: a TSC read pair costs ${cost:-?} cycles here: not real hardware" \
                "virtualization, so no real-cycle figures are reported"
        fi
    else
        echo "KVM: the benchmark image did not run under KVM here (log: $klog.qemu);" \
            "no real-cycle figures are reported"
    fi
fi
