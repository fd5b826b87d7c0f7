; Exception entry stubs: each pushes an error code (a zero where the CPU pushes
; none, SDM Vol. 3A table 7-1 "Protected-Mode Exceptions and Interrupts") and its
; vector, then the common path saves every GPR and calls exc_report(frame).

bits 64
extern exc_report
extern exc_root_nmis
extern lapic_root_irq

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

; An NMI in root mode (IST stack, desc.c): counted for the run loop, which reflects or drops it
; (vmx/nmi.c), and nothing else, so the handler cannot fault. IRETQ ends the NMI blocking the
; delivery began (SDM Vol. 3A 7.7.1, "Handling Multiple NMIs"); a second NMI that arrived meanwhile is taken right after.
global isr_nmi
isr_nmi:
	lock inc qword [rel exc_root_nmis]
	iretq

; The local APIC timer's vector in root mode (arch/lapic.h): the core runs with IF=0, so only
; code that enables interrupts gets here; count it and end it with an EOI.
global isr_lapic_timer
isr_lapic_timer:
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push rbp
	mov rbp, rsp
	and rsp, -16
	cld
	call lapic_root_irq
	mov rsp, rbp
	pop rbp
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	iretq

; A spurious APIC interrupt needs no EOI (SDM Vol. 3A 11.9).
global isr_spurious
isr_spurious:
	iretq

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
