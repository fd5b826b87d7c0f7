#!/usr/bin/env bash
# Builds a bootable USB disk image: GPT, one EFI System partition (FAT32) holding
#   EFI/BOOT/BOOTX64.EFI   the loader, with the core inside it
#   microhv.cfg            hypervisor options (a comment on the keys, then the --cfg words)
#   guest.elf, initrd      only with --guest / --initrd (the loader reads them when present)
# or, with --kernel, the user's own Linux under its own file names, named in microhv.cfg:
#   NAME of --kernel       kernel=\NAME         (the guest image)
#   NAME of --initrd       initrd=\NAME
# and --append ARGS writes append=ARGS (the guest's command line) with either.
# Write it to a stick with scripts/write-usb.sh (or dd). No root, no loop devices: sfdisk
# partitions the plain file and mtools writes the FAT at the partition's offset. The same
# inputs give the same bytes (fixed GUIDs, volume serial and file times).
#
# Usage: scripts/mkusb.sh --efi FILE --out IMAGE [--cfg "WORDS"] [--guest FILE] [--initrd FILE]
#                         [--kernel FILE] [--append "ARGS"]
#                         [--size MIB]   (default: 64, more when the files need it)
set -euo pipefail

die() { echo "mkusb: $*" >&2; exit 1; }
usage() { sed -n '2,17p' "$0"; }

APPEND_MAX=1023 # BOOT_CMDLINE_MAX - 1 (arch/boot_info.h): the loader refuses a longer append=
efi= out= cfg= guest= initrd= kernel= append= size_mib=
while [ $# -gt 0 ]; do
	case "$1" in
	--efi|--out|--cfg|--guest|--initrd|--kernel|--append|--size) [ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case "$1" in
	--efi) efi=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cfg) cfg=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--size) size_mib=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
[ -n "$efi" ] || die "--efi FILE is required"
[ -n "$out" ] || die "--out IMAGE is required"
for f in "$efi" ${guest:+"$guest"} ${initrd:+"$initrd"} ${kernel:+"$kernel"}; do
	[ -f "$f" ] && [ -r "$f" ] || die "cannot read '$f'"
	[ -s "$f" ] || die "'$f' is empty"
done
case "$cfg" in *[![:print:]]*) die "--cfg holds a character that is not printable ASCII" ;; esac
case "$append" in *[![:print:]]*) die "--append holds a character that is not printable ASCII" ;; esac
[ ${#append} -le $APPEND_MAX ] || die "--append is ${#append} characters long; the loader takes at most $APPEND_MAX"
[ -z "$guest" ] || [ -z "$kernel" ] || die "--guest and --kernel both name the guest: give one"
kernel_name= initrd_name=initrd
if [ -n "$kernel" ]; then
	kernel_name=$(basename "$kernel")
	[ -n "$initrd" ] && initrd_name=$(basename "$initrd")
	for n in "$kernel_name" "$initrd_name"; do
		case "$n" in *[!A-Za-z0-9._+-]*|.*) die "'$n' is not a plain file name for the ESP (letters, digits, . _ + -)" ;; esac
		case "$n" in microhv.cfg|EFI) die "'$n' would replace the image's own $n" ;; esac
	done
	[ -z "$initrd" ] || [ "$kernel_name" != "$initrd_name" ] || die "--kernel and --initrd have the same file name '$kernel_name'"
fi
case "$size_mib" in *[!0-9]*) die "--size needs a number of MiB" ;; esac
for tool in sfdisk mformat mcopy truncate; do
	command -v "$tool" >/dev/null || die "$tool is not installed (run scripts/deps.sh: packages fdisk, mtools)"
done

# Layout: GPT in the first MiB, the ESP from 1 MiB to 1 MiB before the end (room for the
# backup GPT), sizes in whole MiB so every boundary is 1 MiB aligned.
MIB=$((1024 * 1024))
SECTOR=512
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B  # UEFI spec 5.3.3: EFI System Partition
DISK_GUID=6D696372-6F68-4876-8000-000000000001  # fixed: reproducible images
ESP_GUID=6D696372-6F68-4876-8000-000000000002
VOLUME_SERIAL=4d487631
FILE_TIME='2024-01-01 00:00:00'

payload=0
for f in "$efi" ${guest:+"$guest"} ${initrd:+"$initrd"} ${kernel:+"$kernel"}; do
	payload=$((payload + $(stat -c %s "$f")))
done
need_mib=$(( (payload + payload / 16) / MIB + 8 ))  # FAT, directories, rounding
[ "$need_mib" -lt 64 ] && need_mib=64
if [ -z "$size_mib" ]; then
	size_mib=$need_mib
elif [ "$size_mib" -lt "$need_mib" ]; then
	die "--size $size_mib is too small: the files need $need_mib MiB"
fi
part_start=$((MIB / SECTOR))
part_sectors=$(( (size_mib - 2) * MIB / SECTOR ))

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkusb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
img=$tmp/usb.img

truncate -s "${size_mib}M" "$img"
cat > "$tmp/layout" <<LAYOUT
label: gpt
label-id: $DISK_GUID
unit: sectors
first-lba: $part_start
start=$part_start, size=$part_sectors, type=$ESP_TYPE, uuid=$ESP_GUID, name="microhv ESP"
LAYOUT
sfdisk --no-reread --no-tell-kernel --quiet "$img" <"$tmp/layout" >"$tmp/sfdisk.out" 2>&1 ||
	{ cat "$tmp/sfdisk.out" >&2; die "sfdisk failed"; }

# the partition's files, staged with fixed times
stage=$tmp/esp
mkdir -p "$stage/EFI/BOOT"
cp "$efi" "$stage/EFI/BOOT/BOOTX64.EFI"
[ -n "$guest" ] && cp "$guest" "$stage/guest.elf"
[ -n "$kernel" ] && cp "$kernel" "$stage/$kernel_name"
[ -n "$initrd" ] && cp "$initrd" "$stage/$initrd_name"
{
	echo "# microhv options, read by EFI/BOOT/BOOTX64.EFI from the root of this partition."
	echo "# key=value words separated by blanks or line breaks; '#' starts a comment."
	echo "#   on_exit=halt|reset|bochs|qemu   how a run ends (default halt)"
	echo "#   guest_mem=SIZE                  guest RAM, 2M..64G in whole 2M (default 256M)"
	echo "#   block_io=on|off                 run blocks of IO instructions per VM exit (default on)"
	echo "#   extent=page|cpu|BYTES           how far the scanner looks (default page; 16..4096)"
	echo "#   stats_interval=SECONDS          exit statistics every N s (default 0: at the end)"
	echo "#   trace=none|exits|blocks         (default none)"
	echo "#   console=serial|screen|both      where the console goes (default both)"
	echo "#   serial=auto|none|0x2f8|mmio:ADDR|pci:BB:DD.F  the serial console (default auto: ACPI SPCR, else COM1)"
	echo "# The guest (else guest.elf and initrd at the root, when present):"
	echo "#   kernel=FILE                     the guest image, e.g. a Linux bzImage (path from the root)"
	echo "#   initrd=FILE                     its initrd"
	echo "#   append=TEXT                     the guest's command line: the rest of the line, '#' too"
	echo "# EFI load options (e.g. from the UEFI shell) come after these words and win."
	[ -n "$cfg" ] && echo "$cfg"
	if [ -n "$kernel" ]; then
		printf 'kernel=\\%s\n' "$kernel_name"
		[ -z "$initrd" ] || printf 'initrd=\\%s\n' "$initrd_name"
	fi
	[ -z "$append" ] || printf 'append=%s\n' "$append"
} > "$stage/microhv.cfg"
find "$stage" -exec env TZ=UTC touch -h -d "$FILE_TIME" {} +

esp="$img@@$((part_start * SECTOR))"
export MTOOLS_SKIP_CHECK=1
TZ=UTC mformat -i "$esp" -F -H "$part_start" -T "$part_sectors" -N "$VOLUME_SERIAL" :: \
	>"$tmp/mtools.out" 2>&1 || { cat "$tmp/mtools.out" >&2; die "mformat failed"; }
(cd "$stage" && TZ=UTC mcopy -s -m -Q -i "$esp" ./* ::/) \
	>"$tmp/mtools.out" 2>&1 || { cat "$tmp/mtools.out" >&2; die "mcopy failed"; }

# read back what the firmware will read
TZ=UTC mcopy -n -i "$esp" ::/EFI/BOOT/BOOTX64.EFI "$tmp/check.efi" 2>"$tmp/mtools.out" ||
	{ cat "$tmp/mtools.out" >&2; die "cannot read BOOTX64.EFI back from the image"; }
cmp -s "$efi" "$tmp/check.efi" || die "BOOTX64.EFI read back from the image differs"

mv -f "$img" "$out"
files="EFI/BOOT/BOOTX64.EFI, microhv.cfg${guest:+, guest.elf}${kernel:+, $kernel_name}${initrd:+, $initrd_name}"
echo "mkusb: $out: ${size_mib} MiB, GPT + FAT32 ESP with $files"
