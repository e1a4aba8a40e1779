#!/bin/busybox sh
# /init of the Linux guest of the block benchmark (bench/linux/mkinitramfs.sh puts it in
# the block initramfs; docs/performance.md, "Block: against Linux"). Loads virtio-blk,
# runs the workload (bench/linux/blk_io.c) on the disk's first partition, powers off.
#
# Kernel command line words read here (all optional):
#   bench.requests=N     measured requests per phase (blk_io's default)
#   bench.sched=NAME     the disk's I/O scheduler (none)
#   bench.dev=NAME       the partition (vda1)
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

requests="" sched=none dev=vda1
for word in $(cat /proc/cmdline); do
    case "$word" in
    bench.requests=*) requests=${word#*=} ;;
    bench.sched=*) sched=${word#*=} ;;
    bench.dev=*) dev=${word#*=} ;;
    esac
done

# The virtio-blk driver and what it needs, in dependency order (modules.order).
while read -r module; do
    insmod "/lib/modules/$module" || echo "bench-linux: insmod $module failed"
done </lib/modules/modules.order

disk=${dev%%[0-9]*}
tries=0
while [ ! -b "/dev/$dev" ] && [ $tries -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
[ -b "/dev/$dev" ] || { echo "bench-linux: no /dev/$dev"; poweroff -f; }
echo "$sched" >"/sys/block/$disk/queue/scheduler" 2>/dev/null ||
    echo "bench-linux: scheduler $sched refused"

echo "bench-linux: kernel $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for d in /sys/bus/virtio/devices/*; do
    [ "$(cat "$d/device")" = 0x0002 ] && echo "bench-linux: virtio-blk features $(cat "$d/features")"
done
echo "bench-linux: scheduler $(cat "/sys/block/$disk/queue/scheduler"), hardware queues $(ls "/sys/block/$disk/mq" | wc -l), partition $dev of $(cat "/sys/block/$disk/$dev/size") sectors"
for v in /sys/devices/system/cpu/vulnerabilities/*; do
    echo "bench-linux: vulnerability ${v##*/}: $(cat "$v")"
done
/bin/blk_io ${requests:+-n "$requests"} "/dev/$dev"
echo "bench-linux: blk_io exited with status $?"
poweroff -f
