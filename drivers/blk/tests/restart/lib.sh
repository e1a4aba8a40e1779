# What the block restart tests share, sourced by drivers/blk/tests/restart/run.sh (the
# driver crashed) and drivers/blk/tests/virt_restart/run.sh (blk_virt restarted): both boot
# variants of a system in which blk_restart (blk_restart.c) keeps 48 requests in flight
# through blk_virt on partition 1 of a fresh disk, print PASS/FAIL lines and exit 1 if any
# check failed. The caller defines run_variant VARIANT, then calls blk_run_variants with its
# arguments (KERNEL BUILD_DIR LOG_DIR VARIANT...), which sets kernel, build (the variants'
# parent directory) and logdir for it.

failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

# blk_fresh_disk NAME IMAGE: makes IMAGE a fresh disk (drivers/blk/tests/disk.py good);
# if it cannot, prints NAME's FAIL line and returns 1.
blk_fresh_disk() {
    python3 drivers/blk/tests/disk.py good "$2" || { fail "$1" "cannot make the disk image"; return 1; }
}

# blk_boot NAME VARIANT IMAGE LOG TIMEOUT [QEMU_RUN_ARGS...]: boots build/VARIANT with IMAGE
# as the virtio-blk disk at 00:11.0 (scripts/qemu-run.sh as NAME, the serial log in LOG,
# qemu-run's own output in logdir/VARIANT.out). Returns qemu-run's status.
blk_boot() {
    local name=$1 variant=$2 img=$3 log=$4 timeout=$5 w
    shift 5
    local -a modules extra=()
    read -r -a modules <"$build/$variant/modules.args"
    for w in -drive "file=$img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=restart; do
        extra+=(--qemu-arg "$w")
    done
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "$name" --timeout "$timeout" --log "$log" "${extra[@]}" "$@" \
        >"$logdir/$variant.out" 2>&1
}

# The expectations of a run that must lose nothing: blk_restart's clean read-back and its
# verdict (qemu-run fails the boot if either line is missing).
BLK_CLEAN_RUN=(
    --expect '^blk_restart: final read-back: 0 of 256 blocks wrong$'
    --expect '^blk_restart: [0-9]+ writes, [0-9]+ reads checked, [0-9]+ flushes; 0 lost, 0 answered twice, 0 reads wrong: pass$'
)

# blk_check_image NAME IMAGE LOG: PASS if the image holds at every block the write
# blk_restart last had answered for it (check_image.py), FAIL otherwise.
blk_check_image() {
    local out
    if out=$(python3 drivers/blk/tests/restart/check_image.py "$2" "$3"); then
        pass "$1: the disk image holds every block's last answered write ($out)"
    else
        fail "$1: the disk image holds every block's last answered write" "$out"
    fi
}

# blk_run_variants KERNEL BUILD_DIR LOG_DIR VARIANT...: run_variant for each VARIANT, then
# exits with the verdict.
blk_run_variants() {
    local v
    kernel=$1 build=$2 logdir=$3
    shift 3
    mkdir -p "$logdir"
    for v in "$@"; do
        run_variant "$v"
    done
    exit $failed
}
