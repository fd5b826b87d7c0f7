/*
 * void ho_jump(u64 root, u64 entry, u64 bi, u64 stack_top)  (System V: RDI, RSI, RDX, RCX)
 *
 * The last step of the UEFI loader, after ExitBootServices: switch to the
 * loader's page tables (this code is identity-mapped in both), move to the
 * hand-over stack and enter core_entry64(bi) as if called: RSP + 8 is 16-byte
 * aligned at the entry (System V AMD64 ABI 3.2.2), the return address is 0.
 */
	.text
	.globl ho_jump
	.hidden ho_jump
	.type ho_jump, @function
ho_jump:
	cli
	mov %rdi, %cr3
	mov %rcx, %rsp
	mov %rdx, %rdi
	xor %ebp, %ebp
	pushq $0
	jmp *%rsi
	.size ho_jump, . - ho_jump

	.section .note.GNU-stack, "", @progbits
