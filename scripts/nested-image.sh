#!/usr/bin/env bash
# Builds the L0 image of the nested-KVM test: a GRUB ISO that boots Debian's kernel (L0) with an
# initramfs holding static busybox, the kernel's KVM modules, QEMU and what it loads, SeaBIOS,
# scripts/nested-init.sh as /init, and one microhv ISO (L1 + its guest, L2) per run. Everything
# comes from Debian packages: linux-image-amd64's kernel and busybox-static (apt-get download,
# as scripts/linux-guest.sh), qemu-system-x86 and seabios (installed, scripts/deps.sh).
# Usage: scripts/nested-image.sh --out DIR --run "TAG GUEST LIMIT CPU [OPTION...]" ...
#   TAG     the run's name (its lines in the transcript: "nested: run TAG: ...")
#   GUEST   a test guest (build/guest/tests/GUEST.elf) or "linux" (build/linux/, from
#           scripts/linux-guest.sh)
#   LIMIT   QEMU's limit in L0 seconds (one is 3.5 G Bochs instructions, about a minute of wall)
#   CPU     QEMU's -cpu ("host", or e.g. "host,-vmx-preemption-timer")
#   OPTION  microhv's options (on_exit=qemu and guest_mem come first)
# Writes DIR/l0.iso. The tree without the runs (build/nested/base/) is put together once and
# reused while the kernel, busybox, QEMU and the init stay the same.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
out= runs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--run) runs+=("$2"); shift 2 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "nested-image: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] && [ ${#runs[@]} -gt 0 ] || { echo "nested-image: --out and at least one --run are needed" >&2; exit 2; }
for t in apt-get apt-cache dpkg-deb python3 zstd grub-mkrescue qemu-system-x86_64; do
	command -v "$t" >/dev/null || { echo "nested-image: $t is needed (scripts/deps.sh)" >&2; exit 2; }
done
[ -f /usr/share/seabios/bios-256k.bin ] || { echo "nested-image: SeaBIOS is needed (scripts/deps.sh)" >&2; exit 2; }
cache=$BUILD/nested
mkdir -p "$cache/deb" "$out"

# ---- Debian's kernel (with its modules) and busybox-static ----
download() { # PACKAGE: the .deb of its candidate version in $cache/deb
	local pkg=$1 ver deb
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "nested-image: no installable $pkg (apt-get update?)" >&2; return 1; }
	deb=$(ls "$cache/deb/${pkg}_"*.deb 2>/dev/null | grep -F -e "_${ver#*:}_" -e "%3a${ver#*:}_" | head -n1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache/deb" && apt-get download -q "$pkg=$ver" >&2) || { echo "nested-image: apt-get download $pkg failed" >&2; return 1; }
		deb=$(ls "$cache/deb/${pkg}_"*.deb | grep -F -e "_${ver#*:}_" -e "%3a${ver#*:}_" | head -n1)
	fi
	echo "$deb"
}
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || { echo "nested-image: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}
kdeb=$(download "$kpkg")
bdeb=$(download busybox-static)
qemu=$(command -v qemu-system-x86_64)

# ---- the base initramfs: everything but the runs ----
stamp="$(basename "$kdeb") $(basename "$bdeb") $(sha256sum "$qemu" "$here/scripts/nested-init.sh" "$0" | sha256sum | cut -c1-16)"
if [ ! -d "$cache/base" ] || [ "$(cat "$cache/base.from" 2>/dev/null)" != "$stamp" ]; then
	t=$cache/tmp
	rm -rf "$t"
	mkdir -p "$t/root"
	dpkg-deb -x "$kdeb" "$t/kpkg"
	dpkg-deb -x "$bdeb" "$t/bb"
	cp "$t/kpkg/boot/vmlinuz-$kver" "$cache/vmlinuz"
	R=$t/root
	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,lib/kvm,lib64,usr/share/qemu,usr/share/seabios,l1}
	cp "$t/bb/bin/busybox" "$R/bin/"
	cp "$here/scripts/nested-init.sh" "$R/init"
	# irqbypass, kvm and kvm-intel, uncompressed: busybox's insmod takes plain ELF
	km=$t/kpkg/lib/modules/$kver/kernel
	for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-intel; do
		dst=$R/lib/kvm/$(basename "$m").ko
		if [ -f "$km/$m.ko" ]; then cp "$km/$m.ko" "$dst"
		elif [ -f "$km/$m.ko.xz" ]; then xz -dc "$km/$m.ko.xz" > "$dst"
		elif [ -f "$km/$m.ko.zst" ]; then zstd -qdc "$km/$m.ko.zst" > "$dst"
		else echo "nested-image: $kpkg has no $m.ko" >&2; exit 1; fi
	done
	# QEMU, every library it links (same paths), the loader, its firmware
	cp "$qemu" "$R/usr/bin/"
	for lib in $(ldd "$qemu" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
	for f in bios-256k.bin bios.bin; do
		cp -L "/usr/share/seabios/$f" "$R/usr/share/seabios/"
		cp -L "/usr/share/seabios/$f" "$R/usr/share/qemu/"
	done
	for f in kvmvapic.bin linuxboot_dma.bin; do cp -L "/usr/share/qemu/$f" "$R/usr/share/qemu/"; done
	rm -rf "$cache/base"
	mv "$R" "$cache/base"
	echo "$stamp" > "$cache/base.from"
	rm -rf "$t"
fi

# ---- the runs: one small GRUB ISO each (L1 = microhv, L2 = the guest), uncompressed cpio ----
t=$out/runs
rm -rf "$t"
mkdir -p "$t/l1"
: > "$t/l1/runs"
for r in "${runs[@]}"; do
	read -r tag guest limit cpu opts <<<"$r"
	case "$tag" in ''|*[!a-z0-9_-]*) echo "nested-image: bad run tag '$tag'" >&2; exit 2 ;; esac
	case "$limit" in ''|*[!0-9]*) echo "nested-image: run $tag: LIMIT must be whole L0 seconds" >&2; exit 2 ;; esac
	[ -n "$cpu" ] || { echo "nested-image: run $tag: no CPU" >&2; exit 2; }
	if [ "$guest" = linux ]; then
		[ -f "$BUILD/linux/vmlinuz" ] || { echo "nested-image: no $BUILD/linux/vmlinuz (scripts/linux-guest.sh)" >&2; exit 1; }
		"$here/scripts/mkiso.sh" --small --bios-gfx text --core "$BUILD/microhv.elf" --out "$t/l1/$tag.iso" \
			--cmdline "on_exit=qemu guest_mem=128M $opts" --guest "$BUILD/linux/vmlinuz" --initrd "$BUILD/linux/initrd.img" \
			--append "console=ttyS0 nolapic noapic acpi=off pci=off nosmp reboot=pci microhv.test=1"
	else
		[ -f "$BUILD/guest/tests/$guest.elf" ] || { echo "nested-image: no $BUILD/guest/tests/$guest.elf (make guests)" >&2; exit 1; }
		"$here/scripts/mkiso.sh" --small --bios-gfx text --core "$BUILD/microhv.elf" --out "$t/l1/$tag.iso" \
			--cmdline "on_exit=qemu guest_mem=16M $opts" --guest "$BUILD/guest/tests/$guest.elf"
	fi
	echo "$tag $limit $cpu" >> "$t/l1/runs"
done
python3 "$here/scripts/cpio.py" "$out/initrd.cpio" "$cache/base" "$t" --dev dev/console:5:1:600 dev/ttyS0:4:64:660 dev/null:1:3:666
zstd -q -f -9 -T2 --rm "$out/initrd.cpio" -o "$out/initrd"
rm -rf "$t"
# L0's own APIC stays on (KVM needs it); no tsc_early_khz: a nested exit is ~20 us of guest
# time at the CPUID rate, where the PIT-driven guests keep their timing.
"$here/scripts/mkiso.sh" --bare --small --guest "$cache/vmlinuz" --initrd "$out/initrd" --out "$out/l0.iso" \
	--append "console=ttyS0,115200 acpi=off pci=off nosmp panic=-1 quiet loglevel=3"
rm -f "$out/initrd"
echo "nested-image: kernel $kver, $(basename "$bdeb"), $(qemu-system-x86_64 -version | head -n1), ${#runs[@]} runs: $out/l0.iso ($(stat -c %s "$out/l0.iso") bytes)"
