/* Host exception and panic reports (vector names: Intel SDM Vol. 3A table 7-1). */
#include "exceptions.h"
#include "console.h"
#include "cpu.h"
#include "desc.h"
#include "ksyms.h"
#include "printf.h"
#include "shutdown.h"

#define BACKTRACE_MAX 16

static enum on_exit_action exc_on_exit = ON_EXIT_HALT;
static bool in_report;
volatile u64 exc_root_nmis; /* isr.asm's NMI handler counts them */

u64 exc_root_nmi_count(void) { return exc_root_nmis; }

void exc_set_on_exit(enum on_exit_action how) { exc_on_exit = how; }

static const char *const vector_names[X86_EXC_COUNT] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD exception", "#VE virtualization exception", "#CP control protection", "reserved 22",
	"reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

/* "[hv]   #i 0xADDR function+0xoff": a return address points after its call, which may be the
 * last instruction of its function, so the function is that of ADDR-1. */
static void print_frame(int i, u64 ret)
{
	const char *name;
	u64 off;
	if (ksym_lookup(ksym_core_table(), ret - 1, &name, &off))
		con_log("  #%d 0x%016llx %s+0x%llx\n", i, (unsigned long long)ret, name, (unsigned long long)(off + 1));
	else
		con_log("  #%d 0x%016llx ?\n", i, (unsigned long long)ret);
}

static void backtrace(u64 rbp)
{
	con_log("backtrace:\n");
	for (int i = 0; i < BACKTRACE_MAX && rbp && !(rbp & 7) && desc_on_core_stack(rbp); i++) {
		const u64 *frame = (const u64 *)(uintptr_t)rbp;
		print_frame(i, frame[1]);
		if (frame[0] <= rbp)
			break; /* frames grow upwards; anything else is a corrupt chain */
		rbp = frame[0];
	}
}

void exc_report(struct exc_frame *f)
{
	if (in_report) /* a fault while reporting: do not recurse */
		hv_exit_action(exc_on_exit, HV_EXIT_PANIC);
	in_report = true;
	const char *name = f->vector < X86_EXC_COUNT ? vector_names[f->vector] : "unexpected interrupt";
	con_log("host exception: vector %llu (%s) error code 0x%llx\n", (unsigned long long)f->vector, name,
	        (unsigned long long)f->error);
	con_log("  rip=0x%016llx cs=0x%llx rflags=0x%llx rsp=0x%016llx ss=0x%llx cr2=0x%llx\n",
	        (unsigned long long)f->rip, (unsigned long long)f->cs, (unsigned long long)f->rflags,
	        (unsigned long long)f->rsp, (unsigned long long)f->ss, (unsigned long long)read_cr2());
	con_log("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", (unsigned long long)f->rax,
	        (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	con_log("  rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n", (unsigned long long)f->rsi,
	        (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	con_log("  r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n", (unsigned long long)f->r9,
	        (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	con_log("  r13=%016llx r14=%016llx r15=%016llx\n", (unsigned long long)f->r13, (unsigned long long)f->r14,
	        (unsigned long long)f->r15);
	const char *fn;
	u64 off;
	if (ksym_lookup(ksym_core_table(), f->rip, &fn, &off))
		con_log("  rip is %s+0x%llx\n", fn, (unsigned long long)off);
	backtrace(f->rbp);
	hv_exit(exc_on_exit, HV_EXIT_PANIC, "host exception");
}

void hv_panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	con_log("panic: %s\n", msg);
	backtrace((u64)(uintptr_t)__builtin_frame_address(0));
	hv_exit(exc_on_exit, HV_EXIT_PANIC, "panic");
}
