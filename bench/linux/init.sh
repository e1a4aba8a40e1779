#!/bin/busybox sh
# /init of the Linux guest of the network benchmark (bench/linux/mkinitramfs.sh puts it
# in the initramfs). Brings up eth0 (virtio-net) with QEMU user networking's default
# address, starts the echo server and its control port, then waits.
#
# Kernel command line words read here (all optional):
#   bench.echo=PORT     the echo port, recvmmsg/sendmmsg batches (1235)
#   bench.echo1=PORT    the echo port, one recvfrom/sendto per datagram (1237)
#   bench.control=PORT  the control port (1236)
#   bench.addr=A/N bench.gw=G   the address (10.0.2.15/24) and gateway (10.0.2.2)
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo_port=1235 echo1_port=1237 control_port=1236 addr=10.0.2.15/24 gw=10.0.2.2
for word in $(cat /proc/cmdline); do
    case "$word" in
    bench.echo=*) echo_port=${word#*=} ;;
    bench.control=*) control_port=${word#*=} ;;
    bench.echo1=*) echo1_port=${word#*=} ;;
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
for d in /sys/bus/virtio/devices/*; do
    [ "$(cat "$d/device")" = 0x0001 ] && echo "bench-linux: virtio-net features $(cat "$d/features")"
done
for v in /sys/devices/system/cpu/vulnerabilities/*; do
    echo "bench-linux: vulnerability ${v##*/}: $(cat "$v")"
done
/bin/udp_echo -e "$echo_port" -1 "$echo1_port" -c "$control_port" &
sleep 1
echo "bench-linux: ready on $addr"
wait
echo "bench-linux: the echo servers stopped"
poweroff -f
