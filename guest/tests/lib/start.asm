; Entry of the test guests: the Multiboot1 header (spec 0.6.96, 3.1), a stack, then the C runtime.
; Assembled once as is (ELF loading) and once with -DMB_AOUT (load by the header's address fields).
bits 32

MB_MAGIC equ 0x1BADB002
MB_PAGE_ALIGN equ 1 << 0
MB_MEMINFO equ 1 << 1
MB_AOUT_KLUDGE equ 1 << 16
%ifdef MB_AOUT
MB_FLAGS equ MB_PAGE_ALIGN | MB_MEMINFO | MB_AOUT_KLUDGE
%else
MB_FLAGS equ MB_PAGE_ALIGN | MB_MEMINFO
%endif
STACK_SIZE equ 16384

extern guest_main, uart_init, guest_exit
%ifdef MB_AOUT
extern __image_start, __data_end, __bss_end
%endif

section .multiboot progbits alloc noexec nowrite align=4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
%ifdef MB_AOUT
	dd mb_header     ; header_addr
	dd __image_start ; load_addr
	dd __data_end    ; load_end_addr
	dd __bss_end     ; bss_end_addr
	dd _start        ; entry_addr
%endif

section .text
global _start
_start:
	; EAX = magic, EBX = MBI; ESP and EFLAGS.DF are undefined (spec 3.2)
	cld
	mov esp, stack_top
	xor ebp, ebp
	push ebx
	push eax
	call uart_init
	call guest_main
	push dword 0
	call guest_exit

section .bss
align 16
stack:
	resb STACK_SIZE
stack_top:
