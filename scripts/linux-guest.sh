#!/usr/bin/env bash
# Builds the inputs of microhv's Linux guest into build/linux/ (never committed):
#   build/linux/vmlinuz     Debian's stock x86-64 kernel (the bzImage of linux-image-amd64)
#   build/linux/initrd.img  a gzipped cpio (newc) initramfs: static busybox + guest/initramfs/init
# Usage: scripts/linux-guest.sh [--check] [--check-loader] [--cpu MODEL] [--timeout S]
#   --check        then boot the pair bare under QEMU TCG (no hypervisor) with the test command
#                  line; report when the init's marker appeared and whether the guest ended
#   --check-loader the same boot, but through microhv's own loader (guest/linux.c, built for
#                  the host) and the 64-bit entry, still without the hypervisor (needs gcc, nasm)
#   --cpu MODEL    QEMU's -cpu for both checks (e.g. qemu64,-apic: CPUID without the APIC bit)
#   --timeout S    QEMU's wall-clock limit for each check (default 300)
# Idempotent: packages already downloaded for the current candidate versions are reused and
# the initramfs is rebuilt only when busybox or guest/initramfs/ changed. apt-get update runs
# only when a download fails (stale or missing package lists). Needs apt-get, apt-cache,
# dpkg-deb and python3 (the cpio writer below; it writes the /dev nodes without root).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
out=$BUILD/linux
check=0 check_loader=0 timeout_s=300 cpu=
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1; shift ;;
	--check-loader) check_loader=1; shift ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "linux-guest: unknown argument $1" >&2; exit 2 ;;
	esac
done
for t in apt-get apt-cache dpkg-deb python3; do
	command -v "$t" >/dev/null || { echo "linux-guest: $t is needed" >&2; exit 2; }
done
mkdir -p "$out/deb"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
updated=0
# apt-get download PACKAGE into build/linux/deb, once per version; prints the .deb's path.
fetch() {
	local pkg=$1 ver deb
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		if [ $updated -eq 0 ]; then $SUDO apt-get update -q >&2; updated=1; fetch "$pkg"; return; fi
		echo "linux-guest: no installable version of $pkg" >&2; return 1
	fi
	deb=$(ls "$out/deb/${pkg}_"*.deb 2>/dev/null | grep -F -e "_${ver#*:}_" -e "%3a${ver#*:}_" | head -n1 || true)
	if [ -z "$deb" ]; then
		if ! (cd "$out/deb" && apt-get download -q "$pkg=$ver" >&2); then
			[ $updated -eq 0 ] || { echo "linux-guest: apt-get download $pkg failed" >&2; return 1; }
			$SUDO apt-get update -q >&2; updated=1; fetch "$pkg"; return
		fi
		deb=$(ls "$out/deb/${pkg}_"*.deb | grep -F -e "_${ver#*:}_" -e "%3a${ver#*:}_" | head -n1)
	fi
	echo "$deb"
}

# ---- the kernel: linux-image-amd64 is a metapackage; its dependency holds the image ----
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
	$SUDO apt-get update -q >&2; updated=1
	kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { echo "linux-guest: cannot resolve linux-image-amd64 to a kernel package" >&2; exit 1; }
kdeb=$(fetch "$kpkg")
if [ ! -f "$out/vmlinuz" ] || [ "$(cat "$out/vmlinuz.from" 2>/dev/null)" != "$(basename "$kdeb")" ]; then
	rm -rf "$out/pkg"
	dpkg-deb -x "$kdeb" "$out/pkg"
	vmlinuz=$(ls "$out"/pkg/boot/vmlinuz-* | head -n1)
	cp "$vmlinuz" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	basename "$kdeb" > "$out/vmlinuz.from"
fi

# ---- the initramfs: static busybox, applet links, console nodes, our /init ----
bdeb=$(fetch busybox-static)
stamp="$(basename "$bdeb") $(cat "$here"/guest/initramfs/* | sha256sum | cut -c1-16) $(sha256sum "$0" | cut -c1-16)"
if [ ! -f "$out/initrd.img" ] || [ "$(cat "$out/initrd.from" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$out/busybox"
	dpkg-deb -x "$bdeb" "$out/busybox"
	python3 - "$out/busybox/bin/busybox" "$here/guest/initramfs/init" "$out/initrd.img.tmp" <<'PY'
# A cpio "newc" archive (magic 070701: a 110-byte header of 13 eight-digit hex fields, the
# NUL-terminated name padded to 4 bytes, the data padded to 4 bytes, then TRAILER!!!),
# the format the kernel's initramfs unpacker reads; gzip-compressed. Fixed mtimes and inode
# numbers make the archive reproducible.
import gzip, stat, sys
busybox, init, dest = sys.argv[1:4]
ents = []  # (name, mode, data, rdev major, rdev minor)
def d(name): ents.append((name, stat.S_IFDIR | 0o755, b"", 0, 0))
def f(name, data, perm=0o755): ents.append((name, stat.S_IFREG | perm, data, 0, 0))
def l(name, target): ents.append((name, stat.S_IFLNK | 0o777, target.encode(), 0, 0))
def c(name, perm, major, minor): ents.append((name, stat.S_IFCHR | perm, b"", major, minor))
for x in ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "root", "etc"]:
    d(x)
f("bin/busybox", open(busybox, "rb").read())
f("init", open(init, "rb").read())
# Enough applets for /init to run `busybox --install -s` for the rest.
for a in ["sh", "ash", "mount", "umount", "mkdir", "cat", "echo", "ls", "grep", "uname", "tr",
          "setsid", "cttyhack", "poweroff", "reboot", "halt", "dmesg", "sleep", "mknod"]:
    l("bin/" + a, "busybox")
c("dev/console", 0o600, 5, 1)   # the kernel opens it for init's stdin/stdout/stderr
c("dev/ttyS0", 0o660, 4, 64)
c("dev/null", 0o666, 1, 3)
f("etc/profile", b'export PS1="microhv-linux# "\n', 0o644)
out = bytearray()
def rec(ino, name, mode, data, rmaj, rmin):
    n = name.encode() + b"\0"
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(n), 0]
    out.extend(b"070701" + b"".join(b"%08X" % v for v in fields) + n)
    out.extend(b"\0" * (-len(out) % 4))
    out.extend(data)
    out.extend(b"\0" * (-len(out) % 4))
for i, e in enumerate(ents):
    rec(i + 1, *e)
rec(0, "TRAILER!!!", 0, b"", 0, 0)
open(dest, "wb").write(gzip.compress(bytes(out), 9, mtime=0))
PY
	mv "$out/initrd.img.tmp" "$out/initrd.img"
	echo "$stamp" > "$out/initrd.from"
fi

kver=${kpkg#linux-image-}
echo "linux-guest: kernel $kver ($(basename "$kdeb")): $out/vmlinuz, $(stat -c %s "$out/vmlinuz") bytes"
echo "linux-guest: initramfs ($(basename "$bdeb")): $out/initrd.img, $(stat -c %s "$out/initrd.img") bytes"

[ $check -eq 1 ] || [ $check_loader -eq 1 ] || exit 0
command -v qemu-system-x86_64 >/dev/null || { echo "linux-guest: qemu-system-x86_64 is not installed" >&2; exit 2; }
append="console=ttyS0 nolapic noapic acpi=off pci=off nosmp microhv.test=1"
now() { date +%s%N; }
# qemu_boot WHAT LOG QEMU-ARGS...: boots bare under QEMU TCG with -m 256 -no-reboot, serial to
# LOG; passes when the init's marker appears and the guest then ends the machine by itself.
# No host display, sound (-audiodev none) or terminal (stdin from /dev/null).
qemu_boot() {
	local what=$1 log=$2 start marker= rc=0 total qpid
	shift 2
	: > "$log"
	start=$(now)
	qemu-system-x86_64 -accel tcg "$@" -display none -audiodev none,id=noaudio -serial "file:$log" \
		-monitor none -m 256 -no-reboot </dev/null &
	qpid=$!
	while kill -0 $qpid 2>/dev/null; do
		[ -n "$marker" ] || ! grep -q "^microhv-linux-init: up" "$log" || marker=$(( ($(now) - start) / 1000000 ))
		if [ $(( ($(now) - start) / 1000000000 )) -ge "$timeout_s" ]; then kill $qpid; break; fi
		sleep 0.2
	done
	wait $qpid || rc=$?
	total=$(( ($(now) - start) / 1000000 ))
	[ -n "$marker" ] || ! grep -q "^microhv-linux-init: up" "$log" || marker=$total
	if [ -z "$marker" ]; then
		echo "linux-guest: $what did not reach the marker (QEMU status $rc, ${total} ms); last lines of $log:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
	echo "linux-guest: $what: marker after ${marker} ms (wall), QEMU exited after ${total} ms, status $rc (log: $log)"
	grep -q "^microhv-linux-init: test mode done" "$log" && [ $rc -eq 0 ] ||
		{ echo "linux-guest: $what: the guest did not end by itself" >&2; return 1; }
}

status=0
# ---- QEMU's own Linux loader (16-bit entry): the oracle for the boot under microhv ----
if [ $check -eq 1 ]; then
	log=$out/qemu-bare${cpu:+-$(echo "$cpu" | tr -c 'a-zA-Z0-9\n' '_')}.log
	qemu_boot "QEMU TCG${cpu:+ with -cpu $cpu}" "$log" ${cpu:+-cpu "$cpu"} \
		-kernel "$out/vmlinuz" -initrd "$out/initrd.img" -append "$append" || status=1
fi

# ---- microhv's loader (guest/linux.c, 64-bit entry), no hypervisor ----
# A host build of guest/linux.c lays out guest RAM as the core would; a Multiboot1 shim that
# QEMU loads at 72 MiB copies that RAM into place, switches to long mode with the loader's
# page tables and GDT, sets the registers of linux_entry_state() and jumps to the kernel.
# So the loader's boot_params, e820 map, page tables and entry state meet the real kernel.
if [ $check_loader -eq 1 ]; then
	for t in gcc nasm; do command -v $t >/dev/null || { echo "linux-guest: --check-loader needs $t" >&2; exit 2; }; done
	w=$out/loader-check
	mkdir -p "$w"
	cat > "$w/dump.c" <<'EOF'
/* Runs linux_load() into a RAM buffer; writes the pieces and the entry state for shim.asm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest/linux.h"
static u8 *ram;
static u64 ram_size;
static int ram_write(void *c, u64 g, const void *s, u64 n) { (void)c; if (g + n > ram_size) return -1; memcpy(ram + g, s, n); return 0; }
static int ram_fill(void *c, u64 g, u8 b, u64 n) { (void)c; if (g + n > ram_size) return -1; memset(ram + g, b, n); return 0; }
static u8 *slurp(const char *p, u64 *n)
{
	FILE *f = fopen(p, "rb");
	if (!f) { perror(p); exit(1); }
	fseek(f, 0, SEEK_END); *n = (u64)ftell(f); fseek(f, 0, SEEK_SET);
	u8 *b = malloc(*n);
	if (!b || fread(b, 1, *n, f) != *n) exit(1);
	fclose(f);
	return b;
}
static void spill(const char *p, const u8 *b, u64 n) { FILE *f = fopen(p, "wb"); if (!f || fwrite(b, 1, n, f) != n) exit(1); fclose(f); }
int main(int argc, char **argv)
{
	if (argc != 5) return 2;
	ram_size = strtoull(argv[4], 0, 0) * 1024 * 1024;
	ram = calloc(1, ram_size);
	u64 ks, is;
	u8 *k = slurp(argv[1], &ks), *i = slurp(argv[2], &is);
	struct guest_mem gm = {0, ram_write, ram_fill, ram_size};
	struct linux_boot b;
	struct guest_entry_state s;
	char err[256];
	if (linux_load(k, ks, i, is, argv[3], &gm, &b, err, sizeof(err))) { fprintf(stderr, "%s\n", err); return 1; }
	linux_entry_state(&b, &s);
	spill("low.bin", ram + LINUX_GDT_ADDR, LINUX_CMDLINE_ADDR + LINUX_CMDLINE_AREA - LINUX_GDT_ADDR);
	spill("kernel.bin", ram + b.kernel_addr, b.kernel_size);
	spill("initrd.bin", ram + b.initrd_addr, b.initrd_size);
	FILE *h = fopen("state.inc", "w");
	fprintf(h, "LOW equ 0x%llx\nKADDR equ 0x%llx\nIADDR equ 0x%llx\nRIP_V equ 0x%llx\nRSI_V equ 0x%llx\n"
		   "RSP_V equ 0x%llx\nCR0_V equ 0x%llx\nCR3_V equ 0x%llx\nCR4_V equ 0x%llx\nEFER_V equ 0x%llx\n"
		   "GDT_BASE equ 0x%llx\nGDT_LIMIT equ 0x%x\nCS_V equ 0x%x\nDS_V equ 0x%x\nRFLAGS_V equ 0x%llx\n",
		(unsigned long long)LINUX_GDT_ADDR, (unsigned long long)b.kernel_addr, (unsigned long long)b.initrd_addr,
		(unsigned long long)s.rip, (unsigned long long)s.gpr[VCPU_RSI], (unsigned long long)s.gpr[VCPU_RSP],
		(unsigned long long)s.cr0, (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer,
		(unsigned long long)s.gdtr.base, s.gdtr.limit, s.seg[VCPU_CS].sel, s.seg[VCPU_DS].sel,
		(unsigned long long)s.rflags);
	fclose(h);
	printf("kernel at 0x%llx (+0x%llx), initrd at 0x%llx (+0x%llx), entry 0x%llx\n", (unsigned long long)b.kernel_addr,
	       (unsigned long long)b.kernel_size, (unsigned long long)b.initrd_addr, (unsigned long long)b.initrd_size,
	       (unsigned long long)s.rip);
	return 0;
}
EOF
	cat > "$w/shim.asm" <<'EOF'
; Multiboot1 (a.out kludge) shim at 72 MiB: puts the loader's RAM in place, enters the kernel.
%include "state.inc"
ORG_V equ 0x4800000
bits 32
org ORG_V
hdr:	dd 0x1BADB002, 0x10000, -(0x1BADB002 + 0x10000)
	dd hdr, ORG_V, 0, 0, start
start:	cli
	cld
	mov esi, low_blob
	mov edi, LOW
	mov ecx, low_end - low_blob
	rep movsb
	mov esi, kernel_blob
	mov edi, KADDR
	mov ecx, kernel_end - kernel_blob
	rep movsb
	mov esi, initrd_blob
	mov edi, IADDR
	mov ecx, initrd_end - initrd_blob
	rep movsb
	lgdt [gdtr]
	mov eax, CR4_V
	mov cr4, eax
	mov eax, CR3_V
	mov cr3, eax
	mov ecx, 0xC0000080
	mov eax, EFER_V & ~0x400	; LMA is the processor's to set
	xor edx, edx
	wrmsr
	mov eax, CR0_V
	mov cr0, eax
	jmp CS_V:long_mode
bits 64
long_mode:
	mov ax, DS_V
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov rsp, RSP_V
	push RFLAGS_V
	popfq
	mov rsi, RSI_V
	mov rax, RIP_V
	jmp rax
align 8
gdtr:	dw GDT_LIMIT
	dd GDT_BASE
align 16
low_blob: incbin "low.bin"
low_end:
kernel_blob: incbin "kernel.bin"
kernel_end:
initrd_blob: incbin "initrd.bin"
initrd_end:
EOF
	gcc -std=c11 -O1 -I"$here" -o "$w/dump" "$w/dump.c" "$here/guest/linux.c" "$here/arch/printf.c"
	# 240 MiB of the 256: SeaBIOS keeps its tables at the top of RAM, which the shim must not
	# overwrite with the initrd.
	(cd "$w" && ./dump "$out/vmlinuz" "$out/initrd.img" "$append" 240 && nasm -f bin -o shim.bin shim.asm) || exit 1
	qemu_boot "QEMU TCG${cpu:+ with -cpu $cpu} via microhv's loader (64-bit entry)" "$out/qemu-loader.log" ${cpu:+-cpu "$cpu"} \
		-kernel "$w/shim.bin" || status=1
fi
exit $status
