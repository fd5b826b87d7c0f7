#!/bin/busybox sh
# /init of L0, the Linux host that runs inside Bochs for the nested-KVM test (scripts/nested-image.sh
# puts it in the initramfs). It loads KVM with nested VMX, reports what the test checks, then
# runs QEMU with -enable-kvm once per line of /l1/runs ("TAG LIMIT [QEMU -cpu]"): microhv (L1)
# from /l1/TAG.iso on a virtio disk, running its guest (L2) under KVM's nested VMX. LIMIT is in
# L0 seconds: the kernel takes its TSC rate from CPUID (3.5 GHz on Bochs's corei7_skylake_x)
# while Bochs's TSC counts instructions, so an L0 second is 3.5 G emulated instructions.
# Every line of ours starts with "nested: "; the end is Bochs's shutdown port.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
say() { echo "nested: $*"; }
BOCHS_SHUTDOWN_PORT=35072 # 0x8900: "Shutdown" written there ends the simulation

say "L0 $(uname -r) up at $(cut -d' ' -f1 /proc/uptime) s"
say "cpu vmx: $(grep -c '^flags.* vmx' /proc/cpuinfo)"
for m in irqbypass kvm "kvm-intel nested=1"; do
	set -- $m
	mod=$1; shift
	if insmod "/lib/kvm/$mod.ko" "$@"; then say "insmod $mod: ok"; else say "insmod $mod: failed"; fi
done
for p in nested ept unrestricted_guest vpid enable_shadow_vmcs preemption_timer; do
	say "kvm_intel $p=$(cat /sys/module/kvm_intel/parameters/$p 2>/dev/null || echo '?')"
done
[ -c /dev/kvm ] && say "/dev/kvm: present" || say "/dev/kvm: absent"

while read -r tag limit cpu; do
	say "run $tag: begin at $(cut -d' ' -f1 /proc/uptime) s"
	QEMU_AUDIO_DRV=none timeout -s KILL "$limit" qemu-system-x86_64 -enable-kvm -cpu "${cpu:-host}" \
		-m 256 -smp 1 -nodefaults -display none -vga none -no-reboot -monitor none -serial stdio \
		-drive "file=/l1/$tag.iso,if=virtio,format=raw,readonly=on" -boot c \
		-device isa-debug-exit,iobase=0xf4,iosize=4 </dev/null
	rc=$?
	echo
	say "run $tag: end at $(cut -d' ' -f1 /proc/uptime) s, QEMU status $rc"
done < /l1/runs
say "done"
for c in S h u t d o w n; do printf "$c" | dd of=/dev/port bs=1 seek=$BOCHS_SHUTDOWN_PORT count=1 conv=notrunc 2>/dev/null; done
sleep 5
poweroff -f
