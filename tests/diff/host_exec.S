/*
 * Runs one instruction natively for tests/diff/diff_interp.c (x86-64 Linux, user mode).
 *
 *   void host_exec(struct hstate *s, const void *code);
 *   struct hstate { uint64_t gpr[16]; uint64_t rflags; uint64_t taken; };
 *
 * Loads every register but RSP and the flags from *s, jumps to code (the instruction under
 * test, followed by "jmp [rip+0]" stubs to host_return_fall and, for branches, at the branch
 * target, to host_return_taken), then stores the registers, the flags and which stub was
 * reached back into *s. Nothing between the popfq and the pushfq changes a flag.
 */
	.intel_syntax noprefix
	.text
	.globl host_exec
	.globl host_return_fall
	.globl host_return_taken
	.type host_exec, @function
host_exec:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rip + saved_rsp], rsp
	mov [rip + saved_state], rdi
	mov [rip + code_ptr], rsi
	push qword ptr [rdi + 128]
	popfq
	mov rax, [rdi + 0]
	mov rcx, [rdi + 8]
	mov rdx, [rdi + 16]
	mov rbx, [rdi + 24]
	mov rbp, [rdi + 40]
	mov rsi, [rdi + 48]
	mov r8, [rdi + 64]
	mov r9, [rdi + 72]
	mov r10, [rdi + 80]
	mov r11, [rdi + 88]
	mov r12, [rdi + 96]
	mov r13, [rdi + 104]
	mov r14, [rdi + 112]
	mov r15, [rdi + 120]
	mov rdi, [rdi + 56]
	jmp qword ptr [rip + code_ptr]

host_return_taken:
	mov byte ptr [rip + taken], 1
	jmp 1f
host_return_fall:
	mov byte ptr [rip + taken], 0
1:
	push rax
	mov rax, [rip + saved_state]
	pop qword ptr [rax + 0]
	mov [rax + 8], rcx
	mov [rax + 16], rdx
	mov [rax + 24], rbx
	mov [rax + 40], rbp
	mov [rax + 48], rsi
	mov [rax + 56], rdi
	mov [rax + 64], r8
	mov [rax + 72], r9
	mov [rax + 80], r10
	mov [rax + 88], r11
	mov [rax + 96], r12
	mov [rax + 104], r13
	mov [rax + 112], r14
	mov [rax + 120], r15
	pushfq
	pop qword ptr [rax + 128]
	movzx ecx, byte ptr [rip + taken]
	mov [rax + 136], rcx
	mov rsp, [rip + saved_rsp]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
	.size host_exec, . - host_exec

	.bss
	.balign 8
saved_rsp: .quad 0
saved_state: .quad 0
code_ptr: .quad 0
taken: .byte 0

	.section .note.GNU-stack, "", @progbits
