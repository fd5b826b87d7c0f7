#!/usr/bin/env bash
# Builds a hybrid GRUB ISO (BIOS: i386-pc; UEFI: x86_64-efi, Debian's grub-efi-amd64-bin) that
# loads the microhv core through Multiboot2. The screen the core gets: a VBE framebuffer on BIOS
# (or VGA text, --bios-gfx text), a GOP mode GRUB chooses on UEFI. GRUB's multiboot2 command
# sets gfxpayload itself from the kernel's framebuffer tag (to auto), so grub.cfg sets it
# after that command, and on BIOS only (keep on UEFI would keep GRUB's text console: no
# framebuffer at all).
# scripts/mkiso.sh --core build/microhv.elf --out X.iso [--cmdline "WORDS"] [--guest FILE] [--append "GUEST ARGS"] [--initrd FILE] [--bios-gfx MODE]
#   --bios-gfx MODE: GRUB's gfxpayload on BIOS: auto (the default: the best VBE mode), WxH[xD] or
#                    text (80x25 VGA text, cheap to draw: what Bochs runs use)
# scripts/mkiso.sh --bare --guest bzImage --out X.iso [--append "ARGS"] [--initrd FILE]
#   --bare: no hypervisor; GRUB boots the Linux kernel itself with its `linux` and `initrd`
#   commands (the 32-bit boot protocol), the comparison for microhv's overhead (make bench).
#   --small: only the GRUB modules these menus use (about 1.6 MB instead of 10 MB): the nested-KVM
#   test (scripts/nested-image.sh) boots one per run from QEMU's virtio disk inside Bochs.
set -euo pipefail
core= out= cmdline= guest= initrd= append= bare=0 bios_gfx=auto small=0
while [ $# -gt 0 ]; do
	case "$1" in
	--bare) bare=1; shift ;;
	--small) small=1; shift ;;
	--core) core=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--bios-gfx) bios_gfx=$2; shift 2 ;;
	*) echo "mkiso: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ "$bare" = 1 ]; then
	[ -n "$guest" ] && [ -n "$out" ] || { echo "mkiso: --bare needs --guest and --out" >&2; exit 2; }
	[ -z "$core$cmdline" ] || { echo "mkiso: --bare boots no hypervisor: no --core or --cmdline" >&2; exit 2; }
else
	[ -n "$core" ] && [ -n "$out" ] || { echo "mkiso: --core and --out are required" >&2; exit 2; }
	[ -f "$core" ] || { echo "mkiso: no core image $core" >&2; exit 1; }
fi
case "$bios_gfx" in text|auto|[0-9]*x[0-9]*) ;; *) echo "mkiso: --bios-gfx takes text, auto or WxH[xD]" >&2; exit 2 ;; esac
case "$bios_gfx" in *[!0-9a-z]*) echo "mkiso: --bios-gfx takes text, auto or WxH[xD]" >&2; exit 2 ;; esac
case "$cmdline$append" in *[\"\;\$\`\\]*) echo "mkiso: the command line may not contain quotes, ';', '\$', '\`' or '\\'" >&2; exit 2 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/boot/grub"
[ "$bare" = 1 ] || cp "$core" "$tmp/boot/microhv.elf"
if [ -n "$guest" ]; then
	[ -f "$guest" ] || { echo "mkiso: no guest image $guest" >&2; exit 1; }
	cp "$guest" "$tmp/boot/guest"
fi
if [ -n "$initrd" ]; then
	[ -f "$initrd" ] || { echo "mkiso: no initrd $initrd" >&2; exit 1; }
	cp "$initrd" "$tmp/boot/initrd"
fi
if [ "$bare" = 1 ]; then
	entry="  linux /boot/guest $append"$'\n'
	[ -n "$initrd" ] && entry+="  initrd /boot/initrd"$'\n'
else
	entry="  multiboot2 /boot/microhv.elf $cmdline"$'\n'
	[ -n "$guest" ] && entry+="  module2 /boot/guest guest $append"$'\n'
	[ -n "$initrd" ] && entry+="  module2 /boot/initrd initrd"$'\n'
	entry+="  if [ \"\$grub_platform\" != efi ]; then set gfxpayload=$bios_gfx; fi"$'\n'
fi
cat > "$tmp/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
if [ "\$grub_platform" = efi ]; then insmod all_video; fi
menuentry "$([ "$bare" = 1 ] && echo "Linux, bare" || echo microhv)" {
${entry}  boot
}
CFG
mkdir -p "$(dirname "$out")"
for platform in i386-pc x86_64-efi; do
	[ -d "/usr/lib/grub/$platform" ] || { echo "mkiso: no GRUB for $platform (run scripts/deps.sh)" >&2; exit 1; }
done
if [ "$small" = 1 ]; then
	# BIOS only (QEMU's SeaBIOS inside the nested test), only the modules the menu uses
	grub-mkrescue -d /usr/lib/grub/i386-pc --install-modules="multiboot2 linux normal iso9660 biosdisk part_msdos configfile test" \
		--locales= --fonts= --themes= -o "$out" "$tmp" >"$tmp.log" 2>&1 || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
else
	# without -d, grub-mkrescue puts every platform under /usr/lib/grub on the image: both above
	grub-mkrescue -o "$out" "$tmp" >"$tmp.log" 2>&1 || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
fi
rm -f "$tmp.log"
