#!/usr/bin/env bash
# The storage example driven from the host (suite system-storage; examples/storage/storage.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR
#
# Boots the example (examples/storage/system.xml) on a fresh GPT disk with QEMU's user
# network forwarding a free host port to kv_http (10.0.2.20:80), and checks through HTTP
# (kv_http.py): puts of 200 keys with values of 0 to 1024 bytes come back byte-exact,
# overwrites and deletes take effect, a missing key is 404, an oversize value 413, a bad
# request 400, and the store's figures count the keys. Then it kills QEMU (SIGKILL: no
# shutdown) and boots the same disk again: every key acknowledged before the kill reads
# back the same, the deleted ones stay deleted, and counter says boot 2.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
here=$(dirname "$0")
mkdir -p "$logdir"
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

img=$logdir/disk.img
state=$logdir/expected.json
python3 drivers/blk/tests/disk.py good "$img" || { fail storage "cannot make the disk image"; exit 1; }
modules=()
read -r -a words <"$build/modules.args"
for ((i = 0; i < ${#words[@]}; i++)); do
    [[ ${words[$i]} == --module ]] && modules+=("${words[$((i + 1))]}")
done

# boot N MODE: boot the disk, wait for kv_http and counter's boot N, run kv_http.py MODE.
boot() {
    local n=$1 mode=$2 log=$logdir/storage-boot$1.log port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    : >"$log"
    qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 128M -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -append "" \
        -initrd "$(IFS=,; echo "${modules[*]}")" -serial "file:$log" \
        -drive "file=$img,if=none,format=raw,id=d0" \
        -device virtio-blk-pci,drive=d0,addr=11.0,serial=storage-test \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-10.0.2.20:80" \
        -device virtio-net-pci,netdev=n0,addr=10.0 </dev/null >"$log.qemu" 2>&1 &
    local pid=$!
    for _ in $(seq 300); do
        grep -q '^kv_http: keys over HTTP' "$log" 2>/dev/null && grep -q '^counter: boot' "$log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if grep -q "^counter: boot $n of this disk" "$log"; then
        pass "storage boot $n: the counter says boot $n"
    else
        fail "storage boot $n: the counter says boot $n" "$(grep -a '^counter' "$log" | head -2) (log: $log)"
    fi
    if out=$(python3 "$here/kv_http.py" "$mode" 127.0.0.1 "$port" "$state" 2>&1); then
        pass "storage boot $n: HTTP $mode ($(tail -1 <<<"$out"))"
    else
        fail "storage boot $n: HTTP $mode" "$(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if tr -d '\r' <"$log" | grep -qE 'fault in PD|^FAIL'; then
        fail "storage boot $n: no fault" "$(tr -d '\r' <"$log" | grep -E 'fault in PD|^FAIL' | head -2)"
    else
        pass "storage boot $n: no fault"
    fi
}

boot 1 write
boot 2 verify
exit $failed
