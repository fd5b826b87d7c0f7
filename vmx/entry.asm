; VM entry and exit (Intel SDM Vol. 3C 27 "VM entries", 28.5 "Loading host state").
; int vmx_enter(u64 *gprs, int launched, u64 *host_rsp)
;   gprs: 16 guest GPRs in x86 encoding order (RSP's slot unused: RSP is in the VMCS).
;   Returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid (read the VM-instruction
;   error field). The VMCS's HOST_RIP is vmx_exit_point. HOST_RSP is written only when the
;   stack pointer here differs from *host_rsp, the value last written: the run loop calls from
;   one frame, so that is once. Under nested virtualization every VMWRITE may be an exit.

bits 64
VMCS_HOST_RSP equ 0x6c14
%define G(r) [rdi + (r) * 8]
RAX_ equ 0
RCX_ equ 1
RDX_ equ 2
RBX_ equ 3
RBP_ equ 5
RSI_ equ 6
RDI_ equ 7

section .text
global vmx_enter, vmx_exit_point
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                 ; the gprs pointer, found again at the exit
	cmp rsp, [rdx]
	je .rsp_set
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_no_guest
	mov [rdx], rsp
.rsp_set:
	test esi, esi            ; flags survive the loads below (MOV leaves them alone)
	mov rax, G(RAX_)
	mov rcx, G(RCX_)
	mov rdx, G(RDX_)
	mov rbx, G(RBX_)
	mov rbp, G(RBP_)
	mov rsi, G(RSI_)
	mov r8, G(8)
	mov r9, G(9)
	mov r10, G(10)
	mov r11, G(11)
	mov r12, G(12)
	mov r13, G(13)
	mov r14, G(14)
	mov r15, G(15)
	mov rdi, G(RDI_)
	jnz .resume
	vmlaunch
	jmp .fail
.resume:
	vmresume
.fail:
	; only reached when the instruction failed: CF=1 invalid, ZF=1 valid
	mov eax, 1
	jc .out
	mov eax, 2
.out:
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
.fail_no_guest:
	mov eax, 1
	jmp .out

vmx_exit_point:
	push rdi                 ; the guest's RDI
	mov rdi, [rsp + 8]       ; the gprs pointer
	mov G(RAX_), rax
	mov G(RCX_), rcx
	mov G(RDX_), rdx
	mov G(RBX_), rbx
	mov G(RBP_), rbp
	mov G(RSI_), rsi
	mov G(8), r8
	mov G(9), r9
	mov G(10), r10
	mov G(11), r11
	mov G(12), r12
	mov G(13), r13
	mov G(14), r14
	mov G(15), r15
	pop rax
	mov G(RDI_), rax
	pop rdi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	xor eax, eax
	ret
