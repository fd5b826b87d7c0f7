#!/usr/bin/env bash
# Writes the microhv USB image to a USB stick, after checks that keep it off every other disk.
# Usage: scripts/write-usb.sh DEVICE [--image FILE] [--yes]
#   DEVICE        the whole stick, e.g. /dev/sdb (not a partition such as /dev/sdb1)
#   --image FILE  the image (default build/microhv-usb.img, from `make usb`)
#   --yes         do not ask for confirmation
# Refused: anything but a block device, a partition, a disk the kernel does not call
# removable (/sys/block/NAME/removable), a disk with a mounted or otherwise used partition,
# a stick smaller than the image. Without --yes the device name must be typed to confirm.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

refuse() { echo "write-usb: refused: $*" >&2; exit 1; }
usage() { sed -n '2,8p' "$0"; }

device= image="$here/build/microhv-usb.img" yes=0
while [ $# -gt 0 ]; do
	case "$1" in
	--image) [ $# -ge 2 ] || { echo "write-usb: --image needs a file" >&2; exit 2; }; image=$2; shift 2 ;;
	--yes) yes=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; echo "write-usb: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$device" ] || { echo "write-usb: more than one DEVICE given" >&2; exit 2; }; device=$1; shift ;;
	esac
done
[ -n "$device" ] || { usage >&2; echo "write-usb: no DEVICE given" >&2; exit 2; }

# 1. a block device
[ -e "$device" ] || refuse "$device does not exist"
[ -b "$device" ] || refuse "$device is not a block device"
real=$(readlink -f -- "$device")
name=$(basename -- "$real")
sys=/sys/class/block/$name
[ -d "$sys" ] || refuse "$device: the kernel lists no block device '$name' in /sys/class/block"

# 2. the whole disk, not a partition
if [ -e "$sys/partition" ]; then
	parent=$(basename -- "$(dirname -- "$(readlink -f -- "$sys")")")
	refuse "$device is a partition; give the whole disk (/dev/$parent)"
fi

# 3. removable
removable=$(cat "/sys/block/$name/removable" 2>/dev/null || echo "?")
[ "$removable" = 1 ] || refuse "$device is not a removable disk (/sys/block/$name/removable is $removable)"

# 4. not in use: no mount, swap or device-mapper/md holder on the disk or its partitions
parts=("$name")
for p in "/sys/block/$name/$name"*; do
	[ -e "$p/partition" ] && parts+=("$(basename -- "$p")")
done
for p in "${parts[@]}"; do
	while read -r src mnt _; do
		[ "$(readlink -f -- "$src" 2>/dev/null)" = "/dev/$p" ] && refuse "/dev/$p is mounted on $mnt; unmount it first"
	done < /proc/mounts
	while read -r src _; do
		[ "$(readlink -f -- "$src" 2>/dev/null)" = "/dev/$p" ] && refuse "/dev/$p is in use as swap"
	done < <(tail -n +2 /proc/swaps 2>/dev/null)
	holders=$(ls -A "/sys/class/block/$p/holders" 2>/dev/null)
	[ -z "$holders" ] || refuse "/dev/$p is in use by $(echo $holders) (LVM, dm-crypt or md)"
done

# 5. the image, and room for it
[ -f "$image" ] && [ -r "$image" ] || refuse "cannot read the image '$image' (run make usb)"
image_bytes=$(stat -c %s -- "$image")
disk_bytes=$(( $(cat "/sys/block/$name/size") * 512 ))
[ "$disk_bytes" -gt 0 ] || refuse "$device has no medium (size 0)"
[ "$image_bytes" -le "$disk_bytes" ] || refuse "$device holds $disk_bytes bytes, the image needs $image_bytes"

vendor=$(sed 's/  */ /g; s/ *$//' "/sys/block/$name/device/vendor" 2>/dev/null)
model=$(sed 's/  */ /g; s/ *$//' "/sys/block/$name/device/model" 2>/dev/null)
echo "write-usb: target /dev/$name: ${vendor:+$vendor }${model:-unknown model}," \
	"$((disk_bytes / 1000000)) MB ($disk_bytes bytes)"
echo "write-usb: image $image ($image_bytes bytes); everything on /dev/$name will be lost"

# 6. confirmation
if [ "$yes" != 1 ]; then
	[ -t 0 ] || refuse "not confirmed (no terminal to ask on; pass --yes to write without asking)"
	read -r -p "Type the device name ($name) to write it: " answer || answer=
	[ "$answer" = "$name" ] || [ "$answer" = "/dev/$name" ] || refuse "not confirmed (typed '$answer')"
fi

# 7. write
[ -w "/dev/$name" ] || refuse "no write permission on /dev/$name (run as root, e.g. with sudo)"
dd if="$image" of="/dev/$name" bs=4M conv=fsync status=progress || { echo "write-usb: dd failed" >&2; exit 1; }
sync
echo "write-usb: done; /dev/$name boots EFI/BOOT/BOOTX64.EFI (options in microhv.cfg on its FAT partition)"
