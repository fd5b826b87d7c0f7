#!/usr/bin/env bash
# Builds a BIOS GRUB ISO that loads the microhv core through Multiboot2.
# scripts/mkiso.sh --core build/microhv.elf --out X.iso [--cmdline "WORDS"] [--guest FILE] [--append "GUEST ARGS"] [--initrd FILE]
set -euo pipefail
core= out= cmdline= guest= initrd= append=
while [ $# -gt 0 ]; do
	case "$1" in
	--core) core=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	*) echo "mkiso: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$core" ] && [ -n "$out" ] || { echo "mkiso: --core and --out are required" >&2; exit 2; }
[ -f "$core" ] || { echo "mkiso: no core image $core" >&2; exit 1; }
case "$cmdline$append" in *[\"\;\$\`\\]*) echo "mkiso: the command line may not contain quotes, ';', '\$', '\`' or '\\'" >&2; exit 2 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/boot/grub"
cp "$core" "$tmp/boot/microhv.elf"
mods=
if [ -n "$guest" ]; then
	[ -f "$guest" ] || { echo "mkiso: no guest image $guest" >&2; exit 1; }
	cp "$guest" "$tmp/boot/guest"
	mods+="  module2 /boot/guest guest $append"$'\n'
fi
if [ -n "$initrd" ]; then
	[ -f "$initrd" ] || { echo "mkiso: no initrd $initrd" >&2; exit 1; }
	cp "$initrd" "$tmp/boot/initrd"
	mods+="  module2 /boot/initrd initrd"$'\n'
fi
cat > "$tmp/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "microhv" {
  multiboot2 /boot/microhv.elf $cmdline
${mods}  boot
}
CFG
mkdir -p "$(dirname "$out")"
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out" "$tmp" >"$tmp.log" 2>&1 || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
rm -f "$tmp.log"
