#!/bin/busybox sh
# /init of the Linux guest of the network benchmark (bench/linux/mkinitramfs.sh puts it
# in the initramfs). Brings up eth0 (virtio-net) with QEMU user networking's default
# address, starts the echo server and its control port, then waits.
#
# Kernel command line words read here (all optional):
#   bench.echo=PORT     the echo port (1235)
#   bench.control=PORT  the control port (1236)
#   bench.mode=single   one datagram per system call instead of recvmmsg/sendmmsg
#   bench.addr=A/N bench.gw=G   the address (10.0.2.15/24) and gateway (10.0.2.2)
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo_port=1235 control_port=1236 mode=batch addr=10.0.2.15/24 gw=10.0.2.2
for word in $(cat /proc/cmdline); do
    case "$word" in
    bench.echo=*) echo_port=${word#*=} ;;
    bench.control=*) control_port=${word#*=} ;;
    bench.mode=*) mode=${word#*=} ;;
    bench.addr=*) addr=${word#*=} ;;
    bench.gw=*) gw=${word#*=} ;;
    esac
done

# The virtio-net driver and what it needs, in dependency order (modules.order).
while read -r module; do
    insmod "/lib/modules/$module" || echo "bench-linux: insmod $module failed"
done </lib/modules/modules.order

ip link set lo up
ip link set eth0 up || { echo "bench-linux: no eth0"; poweroff -f; }
ip addr add "$addr" dev eth0
ip route add default via "$gw"

echo "bench-linux: kernel $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for v in /sys/devices/system/cpu/vulnerabilities/*; do
    echo "bench-linux: vulnerability ${v##*/}: $(cat "$v")"
done
flag=
[ "$mode" = single ] && flag=-1
/bin/udp_echo $flag "$echo_port" "$control_port" &
sleep 1
echo "bench-linux: ready on $addr, echo port $echo_port, control port $control_port"
wait
echo "bench-linux: the echo server stopped"
poweroff -f
