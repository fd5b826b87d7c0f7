; Interrupt entry stubs of the test guests: one per vector, for the exceptions (0..31) and the
; remapped PIC IRQs (0x20..0x2F). Each leaves the same frame (vector and error code above
; PUSHAD) and calls isr_dispatch(frame) in desc.c. The processor pushes an error code only for
; the vectors in ERR_VECTORS (SDM Vol. 3A 6.13); the others push a zero in its place.
bits 32

extern isr_dispatch
global isr_stubs

%macro STUB 1
isr_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
	push dword %1
%else
	push dword 0
	push dword %1
%endif
	jmp isr_common
%endmacro

section .text
isr_common:
	pushad
	cld                ; the C code expects DF = 0 (SysV ABI)
	push esp           ; struct isr_frame *
	call isr_dispatch
	add esp, 4
	popad
	add esp, 8         ; vector and error code
	iretd

%assign v 0
%rep 32
STUB %[v]
%assign v v + 1
%endrep
%assign v 0x20
%rep 16
STUB %[v]
%assign v v + 1
%endrep

section .rodata
align 4
; isr_stubs[0..31]: vectors 0..31; isr_stubs[32..47]: vectors 0x20..0x2F
isr_stubs:
%assign v 0
%rep 48
	dd isr_%[v]
%assign v v + 1
%endrep
