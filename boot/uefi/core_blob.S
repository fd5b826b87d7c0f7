/*
 * The core ELF image (build/microhv.elf), carried inside BOOTX64.EFI as data.
 * The loader validates it with elf_parse() and copies its segments; nothing
 * here is executed in place. CORE_ELF is the path, set by boot/uefi/uefi.mk.
 */
	.section .rodata.core_blob, "a"
	.balign 64
	.globl core_blob_start
	.hidden core_blob_start
core_blob_start:
	.incbin CORE_ELF
	.globl core_blob_end
	.hidden core_blob_end
core_blob_end:

	.section .note.GNU-stack, "", @progbits
