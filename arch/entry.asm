; The core's 64-bit entry, shared by every loader: core_entry64(struct boot_info *bi).
; Loaders call it with paging on, the core mapped at KERNEL_VBASE + KERNEL_PBASE,
; all RAM identity-mapped and interrupts off; it moves to the core's own stack.

bits 64
extern core_main

section .text
global core_entry64
core_entry64:
	cli
	cld
	lea rsp, [rel core_stack_top]
	xor ebp, ebp
	call core_main
.hang:
	hlt
	jmp .hang

section .bss
align 16
global core_stack_bottom, core_stack_top
core_stack_bottom:
	resb 65536
core_stack_top:

; ELF note "microhv" type 1: the address of core_entry64 for the UEFI loader.
section .note.microhv note alloc noexec nowrite align=4
	dd 8                 ; namesz ("microhv" + NUL)
	dd 8                 ; descsz
	dd 1                 ; CORE_NOTE_ENTRY64
	db "microhv", 0
	dq core_entry64
