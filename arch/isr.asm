; Exception entry stubs: each pushes an error code (a zero where the CPU pushes
; none, SDM Vol. 3A table 7-1 "Protected-Mode Exceptions and Interrupts") and its
; vector, then the common path saves every GPR and calls exc_report(frame).

bits 64
extern exc_report

%macro STUB_NOERR 1
isr_%1:
	push 0
	push %1
	jmp isr_common
%endmacro
%macro STUB_ERR 1
isr_%1:
	push %1
	jmp isr_common
%endmacro

section .text
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	STUB_ERR v
%else
	STUB_NOERR v
%endif
%assign v v+1
%endrep

global isr_unexpected
isr_unexpected:
	push 0
	push 255
	jmp isr_common

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	and rsp, -16
	call exc_report  ; never returns
.hang:
	cli
	hlt
	jmp .hang

section .rodata
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 32
	dq isr_ %+ v
%assign v v+1
%endrep
