#!/usr/bin/env bash
# scripts/write-usb.sh refuses every target that is not a whole removable disk, without
# writing anything. It never gets --yes here and its stdin is /dev/null, and the image it
# is given does not exist: a target that slipped through the device checks would still be
# refused at the image check, before any write.
source "$(dirname "$0")/lib.sh"
out=$BUILD/test/write_usb
mkdir -p "$out"
script=$root/scripts/write-usb.sh
no_image=$out/no-such-image.img
rm -f "$no_image"

refused() { # NAME TARGET REGEX: a nonzero status and the message
	local name=$1 target=$2 regex=$3 log=$out/$(echo "$1" | tr -c 'a-z0-9\n' '_').log
	"$script" "$target" --image "$no_image" </dev/null >"$log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		not_ok "write-usb $name: refused (exit status 0)" "$log"
	elif ! grep -Eq -- "$regex" "$log"; then
		not_ok "write-usb $name: refused with the reason (no line matches /$regex/)" "$log"
	else
		ok "write-usb $name: refused with the reason"
	fi
}

victim=$out/regular-file
printf 'keep me\n' > "$victim"
refused "regular file" "$victim" 'refused: .* is not a block device'
if [ "$(cat "$victim")" = "keep me" ]; then ok "write-usb regular file: left as it was"
else not_ok "write-usb regular file: left as it was"; fi

refused "/dev/null" /dev/null 'refused: /dev/null is not a block device'
refused "missing device" "$out/no-such-device" 'refused: .* does not exist'

fixed=
for d in /sys/block/*; do
	n=$(basename "$d")
	case "$n" in loop*|ram*|zram*) continue ;; esac
	[ "$(cat "$d/removable" 2>/dev/null)" = 0 ] && [ -b "/dev/$n" ] && { fixed=$n; break; }
done
if [ -n "$fixed" ]; then
	refused "non-removable disk /dev/$fixed" "/dev/$fixed" "refused: /dev/$fixed is not a removable disk"
else
	ok "write-usb non-removable disk: refused # SKIP no non-removable disk here"
fi

part=
for p in /sys/class/block/*; do
	[ -e "$p/partition" ] && [ -b "/dev/$(basename "$p")" ] && { part=$(basename "$p"); break; }
done
if [ -n "$part" ]; then
	refused "partition /dev/$part" "/dev/$part" "refused: /dev/$part is a partition; give the whole disk"
else
	ok "write-usb partition: refused # SKIP no partition here"
fi
exit 0
