; Multiboot2 header and the 32-to-64-bit entry for GRUB.
; GRUB enters in 32-bit protected mode, paging off, EAX = 0x36d76289 and
; EBX = the Multiboot2 information (Multiboot2 spec 3.3 "I386 machine state").
; We build early page tables (identity map of the first 4 GiB, the first GiB
; again at KERNEL_VBASE), enable long mode (Intel SDM Vol. 3A 10.8.5
; "Initializing IA-32e mode") and jump to the higher-half 64-bit code.

bits 32

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
MB2_BOOT_MAGIC  equ 0x36d76289
MB2_TAG_END     equ 0
MB2_TAG_ENTRY   equ 3
MB2_TAG_FB      equ 5
MB2_TAG_OPTIONAL equ 1
KERNEL_VBASE    equ 0xFFFFFFFF80000000
CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
EFER_MSR        equ 0xC0000080
EFER_LME        equ 1 << 8
PTE_P_W         equ 0x3
PTE_PS          equ 0x80

extern core_entry64
extern mb2_to_boot_info
extern mb2_early_fail

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	align 8
	; entry address tag: GRUB jumps to mb2_entry32 in 32-bit mode
	dw MB2_TAG_ENTRY, 0
	dd 12
	dd mb2_entry32
	align 8
	; framebuffer tag (spec 3.1.10), optional, no preferred size or depth: GRUB keeps the mode
	; grub.cfg's gfxpayload asks for (EGA text on BIOS, the GOP mode on UEFI) and says which
	dw MB2_TAG_FB, MB2_TAG_OPTIONAL
	dd 20
	dd 0, 0, 0
	align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
global mb2_entry32
mb2_entry32:
	cli
	cld
	mov esp, boot_stack_top
	cmp eax, MB2_BOOT_MAGIC
	jne .bad_magic
	mov [mb2_info_ptr], ebx

	; CPUID must report long mode (CPUID.80000001H:EDX.LM[bit 29])
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; PML4[0] -> low PDPT (4 x 1 GiB of 2 MiB pages), PML4[511] -> high PDPT
	mov eax, boot_pdpt_low
	or eax, PTE_P_W
	mov [boot_pml4], eax
	mov eax, boot_pdpt_high
	or eax, PTE_P_W
	mov [boot_pml4 + 511 * 8], eax
	; low PDPT entries 0..3 -> the four PDs
	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P_W
	mov [boot_pdpt_low + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	; high PDPT entry 510 (KERNEL_VBASE) -> the first PD (first GiB)
	mov eax, boot_pd
	or eax, PTE_P_W
	mov [boot_pdpt_high + 510 * 8], eax
	; 2048 PD entries of 2 MiB: physical 0 .. 4 GiB
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P_W | PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	mov eax, boot_pml4
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, EFER_MSR
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax
	lgdt [boot_gdt_desc]
	jmp 0x08:mb2_entry64_low

.bad_magic:
	mov esi, msg_bad_magic
	jmp early_fail32
.no_long_mode:
	mov esi, msg_no_lm
	jmp early_fail32

; Prints ESI (NUL-terminated) on COM1 without initialising it (GRUB's serial
; setup is left alone) and halts: the core is not reachable in 32-bit mode.
early_fail32:
	mov dx, 0x3f8
.next:
	lodsb
	test al, al
	jz .halt
	out dx, al
	jmp .next
.halt:
	hlt
	jmp .halt

bits 64
mb2_entry64_low:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, .high
	jmp rax
.high:
	; now in the higher half: convert the MBI and enter the core
	mov rsp, boot_stack_top + KERNEL_VBASE
	mov edi, [mb2_info_ptr]
	mov rax, mb2_to_boot_info
	call rax
	mov rdi, rax
	mov rax, core_entry64
	jmp rax

section .boot.data progbits alloc noexec write align=16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff ; 64-bit code
	dq 0x00cf92000000ffff ; data
boot_gdt_end:
boot_gdt_desc:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt
mb2_info_ptr:
	dd 0
msg_bad_magic:
	db "[hv] boot: not started by a Multiboot2 loader (bad EAX magic)", 13, 10, 0
msg_no_lm:
	db "[hv] boot: the CPU has no long mode (CPUID.80000001H:EDX.LM=0)", 13, 10, 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_stack:     resb 16384
boot_stack_top:
