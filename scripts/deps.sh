#!/usr/bin/env bash
# Installs the Debian packages microhv needs, only those missing (apt-get update first).
# Used by `make run`, `make test` and `make bench`; safe to run again.
set -euo pipefail
PACKAGES=(gcc make nasm binutils gnu-efi grub-pc-bin grub-common xorriso mtools dosfstools fdisk
	bochs bochsbios vgabios qemu-system-x86 ovmf libcmocka-dev python3
	libzydis-dev clang libclang-rt-14-dev valgrind
	tesseract-ocr grub-efi-amd64-bin)
PACKAGES+=(python3-matplotlib python3-serial) # scripts/hvstat: plots, live serial view
PACKAGES+=(seabios zstd) # the nested-KVM test's L0 image (scripts/nested-image.sh)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
