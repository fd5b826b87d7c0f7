/*
 * Differential test of dispatcher/emul/decode.c against Zydis 4 (Debian's libzydis-dev 4.0): for
 * every instruction the decoder puts in the subset, Zydis must decode the same bytes with the
 * same length, mnemonic, operand and address size, and the same operands (registers, memory
 * base/index/scale/displacement/segment, immediates); for DECODE_NOT_SUBSET with a length,
 * Zydis's length must be the same; DECODE_INVALID must be something Zydis rejects too.
 *
 * Inputs, each in 64-, 32- and 16-bit mode where it makes sense:
 *   random   uniform random bytes (fixed seed)
 *   shaped   random prefixes + opcodes of the subset + random ModRM/SIB/displacement/immediate
 *   code     executable sections of ELF files given on the command line, decoded linearly
 * Prints TAP lines ("ok - ..." / "not ok - ...") and a summary per input; the first
 * disagreements of each kind are printed with their bytes. Exit status 0 unless a file is
 * unreadable.
 */
#include <Zydis/Zydis.h>
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/emul/decode.h"
#include "dispatcher/vcpu/vcpu.h"

#define SHOW_MAX 8

struct stats {
	unsigned long total, subset, not_subset, not_subset_len, invalid, need_more;
	unsigned long zydis_ok;
	unsigned long fail;              /* disagreements that fail the test */
	unsigned long invalid_but_zydis; /* ours DECODE_INVALID, Zydis decodes: a failure */
	unsigned long notsub_zydis_bad;  /* ours NOT_SUBSET with a length, Zydis rejects: benign */
	unsigned long kinds[INSN_KIND_COUNT];
	int shown;
};

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void hex(char *out, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void report(struct stats *s, int mode, const uint8_t *b, unsigned n, const char *fmt, ...)
{
	s->fail++;
	if (s->shown++ >= SHOW_MAX)
		return;
	char h[64];
	hex(h, b, n > 16 ? 16 : n);
	printf("# mode %d bytes %s: ", mode, h);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* --- Zydis to decode.h --- */

static ZydisMnemonic jcc_mnemonic[16] = {
	ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB, ZYDIS_MNEMONIC_JNB,
	ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
	ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
	ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE,
};

static bool mnemonic_ok(const struct insn *in, ZydisMnemonic m)
{
	switch (in->kind) {
	case INSN_IN: return m == ZYDIS_MNEMONIC_IN;
	case INSN_OUT: return m == ZYDIS_MNEMONIC_OUT;
	case INSN_INS:
		return m == (in->opsize == 8 ? ZYDIS_MNEMONIC_INSB : in->opsize == 16 ? ZYDIS_MNEMONIC_INSW : ZYDIS_MNEMONIC_INSD);
	case INSN_OUTS:
		return m == (in->opsize == 8 ? ZYDIS_MNEMONIC_OUTSB : in->opsize == 16 ? ZYDIS_MNEMONIC_OUTSW : ZYDIS_MNEMONIC_OUTSD);
	case INSN_MOV: return m == ZYDIS_MNEMONIC_MOV;
	case INSN_MOVZX: return m == ZYDIS_MNEMONIC_MOVZX;
	case INSN_MOVSX: return m == ZYDIS_MNEMONIC_MOVSX;
	case INSN_MOVSXD: return m == ZYDIS_MNEMONIC_MOVSXD;
	case INSN_ADD: return m == ZYDIS_MNEMONIC_ADD;
	case INSN_OR: return m == ZYDIS_MNEMONIC_OR;
	case INSN_ADC: return m == ZYDIS_MNEMONIC_ADC;
	case INSN_SBB: return m == ZYDIS_MNEMONIC_SBB;
	case INSN_AND: return m == ZYDIS_MNEMONIC_AND;
	case INSN_SUB: return m == ZYDIS_MNEMONIC_SUB;
	case INSN_XOR: return m == ZYDIS_MNEMONIC_XOR;
	case INSN_CMP: return m == ZYDIS_MNEMONIC_CMP;
	case INSN_TEST: return m == ZYDIS_MNEMONIC_TEST;
	case INSN_INC: return m == ZYDIS_MNEMONIC_INC;
	case INSN_DEC: return m == ZYDIS_MNEMONIC_DEC;
	case INSN_NOT: return m == ZYDIS_MNEMONIC_NOT;
	case INSN_NEG: return m == ZYDIS_MNEMONIC_NEG;
	case INSN_SHL: return m == ZYDIS_MNEMONIC_SHL;
	case INSN_SHR: return m == ZYDIS_MNEMONIC_SHR;
	case INSN_SAR: return m == ZYDIS_MNEMONIC_SAR;
	case INSN_XCHG: return m == ZYDIS_MNEMONIC_XCHG;
	case INSN_NOP: return m == ZYDIS_MNEMONIC_NOP;
	case INSN_PAUSE: return m == ZYDIS_MNEMONIC_PAUSE;
	case INSN_JMP: return m == ZYDIS_MNEMONIC_JMP;
	case INSN_JCC: return m == jcc_mnemonic[in->cond & 15];
	case INSN_LEA: return m == ZYDIS_MNEMONIC_LEA;
	case INSN_CALL:
	case INSN_CALL_IND: return m == ZYDIS_MNEMONIC_CALL;
	case INSN_JMP_IND: return m == ZYDIS_MNEMONIC_JMP;
	case INSN_RET: return m == ZYDIS_MNEMONIC_RET;
	case INSN_PUSH: return m == ZYDIS_MNEMONIC_PUSH;
	case INSN_POP: return m == ZYDIS_MNEMONIC_POP;
	default: return false;
	}
}

/* A Zydis general-purpose register as (number, bits, high8); false for anything else. */
static bool zreg(ZydisRegister r, int *num, int *bits, bool *high8)
{
	static const ZydisRegister r8[16] = {
		ZYDIS_REGISTER_AL, ZYDIS_REGISTER_CL, ZYDIS_REGISTER_DL, ZYDIS_REGISTER_BL,
		ZYDIS_REGISTER_SPL, ZYDIS_REGISTER_BPL, ZYDIS_REGISTER_SIL, ZYDIS_REGISTER_DIL,
		ZYDIS_REGISTER_R8B, ZYDIS_REGISTER_R9B, ZYDIS_REGISTER_R10B, ZYDIS_REGISTER_R11B,
		ZYDIS_REGISTER_R12B, ZYDIS_REGISTER_R13B, ZYDIS_REGISTER_R14B, ZYDIS_REGISTER_R15B};
	static const ZydisRegister hi[4] = {ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH, ZYDIS_REGISTER_DH,
	                                    ZYDIS_REGISTER_BH};
	for (int i = 0; i < 4; i++)
		if (r == hi[i]) {
			*num = i + 4;
			*bits = 8;
			*high8 = true;
			return true;
		}
	*high8 = false;
	for (int i = 0; i < 16; i++) {
		if (r == r8[i]) {
			*num = i;
			*bits = 8;
			return true;
		}
		if ((int)r == ZYDIS_REGISTER_AX + i) {
			*num = i;
			*bits = 16;
			return true;
		}
		if ((int)r == ZYDIS_REGISTER_EAX + i) {
			*num = i;
			*bits = 32;
			return true;
		}
		if ((int)r == ZYDIS_REGISTER_RAX + i) {
			*num = i;
			*bits = 64;
			return true;
		}
	}
	return false;
}

static int zseg(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return VCPU_ES;
	case ZYDIS_REGISTER_CS: return VCPU_CS;
	case ZYDIS_REGISTER_SS: return VCPU_SS;
	case ZYDIS_REGISTER_DS: return VCPU_DS;
	case ZYDIS_REGISTER_FS: return VCPU_FS;
	case ZYDIS_REGISTER_GS: return VCPU_GS;
	default: return -1;
	}
}

static unsigned long zydis_bug_592;

static uint64_t mask(unsigned bits) { return bits >= 64 ? ~0ULL : (1ULL << bits) - 1; }

/* NULL when they agree, else what differs. */
static const char *compare_operand(const struct insn *in, const struct insn_operand *o,
                                   const ZydisDecodedOperand *z, char *why)
{
	if (o->type == OPND_REG) {
		int num, bits;
		bool high8;
		if (z->type != ZYDIS_OPERAND_TYPE_REGISTER || !zreg(z->reg.value, &num, &bits, &high8))
			return "operand type (register)";
		if (num != o->reg || bits != o->size || high8 != o->high8) {
			sprintf(why, "register: ours %u/%u%s, zydis %s", o->reg, o->size, o->high8 ? "h" : "",
			        ZydisRegisterGetString(z->reg.value));
			return why;
		}
		return NULL;
	}
	if (o->type == OPND_IMM) {
		if (z->type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
			return "operand type (immediate)";
		bool branch = in->kind == INSN_JMP || in->kind == INSN_JCC || in->kind == INSN_CALL;
		if (branch != (bool)z->imm.is_relative)
			return "immediate relativity";
		unsigned bits = branch ? 64 : o->size;
		if ((z->imm.value.u & mask(bits)) != (in->imm & mask(bits))) {
			sprintf(why, "immediate: ours %llx, zydis %llx", (unsigned long long)in->imm,
			        (unsigned long long)z->imm.value.u);
			return why;
		}
		if (branch && z->size != in->imm_size * 8)
			return "branch displacement size";
		return NULL;
	}
	if (o->type == OPND_MEM) {
		const struct insn_mem *m = &in->mem;
		if (z->type != ZYDIS_OPERAND_TYPE_MEMORY)
			return "operand type (memory)";
		if (z->size != o->size) {
			sprintf(why, "memory size: ours %u, zydis %u", o->size, z->size);
			return why;
		}
		int num, bits;
		bool high8;
		int base = INSN_REG_NONE, index = INSN_REG_NONE;
		if (z->mem.base == ZYDIS_REGISTER_RIP || z->mem.base == ZYDIS_REGISTER_EIP)
			base = INSN_REG_RIP;
		else if (z->mem.base != ZYDIS_REGISTER_NONE && zreg(z->mem.base, &num, &bits, &high8))
			base = num;
		else if (z->mem.base != ZYDIS_REGISTER_NONE)
			return "memory base register kind";
		if (z->mem.index != ZYDIS_REGISTER_NONE && zreg(z->mem.index, &num, &bits, &high8))
			index = num;
		else if (z->mem.index != ZYDIS_REGISTER_NONE)
			return "memory index register kind";
		/* Zydis 4.0 bug (zyantific/zydis#592, fixed by #593 after Debian 12's 4.0.0): with 67
		 * and REX.B in 64-bit mode, the SIB no-base form (base 101, mod 00: disp32 whatever
		 * REX.B says, SDM Vol. 2A table 2-5) comes back as base R13D without displacement,
		 * although the length counts the disp32. Only the base and displacement are skipped. */
		if (in->mode == 64 && in->addrsize == 32 && in->rex_b && in->has_sib && in->mod == 0 &&
		    (in->sib & 7) == 5 && z->mem.base == ZYDIS_REGISTER_R13D && m->base == INSN_REG_NONE) {
			zydis_bug_592++;
			base = INSN_REG_NONE;
			if (index != m->index)
				return "memory index (zydis#592 form)";
			return zseg(z->mem.segment) == m->seg ? NULL : "segment (zydis#592 form)";
		}
		if (base != m->base || index != m->index) {
			sprintf(why, "memory base/index: ours %d/%d, zydis %s/%s", m->base, m->index,
			        ZydisRegisterGetString(z->mem.base), ZydisRegisterGetString(z->mem.index));
			return why;
		}
		if (index != INSN_REG_NONE && z->mem.scale != m->scale)
			return "memory scale";
		uint64_t am = mask(in->addrsize);
		if (((uint64_t)z->mem.disp.value & am) != ((uint64_t)m->disp & am)) {
			sprintf(why, "displacement: ours %llx, zydis %llx", (unsigned long long)m->disp,
			        (unsigned long long)z->mem.disp.value);
			return why;
		}
		if (zseg(z->mem.segment) != m->seg) {
			sprintf(why, "segment: ours %u, zydis %s", m->seg, ZydisRegisterGetString(z->mem.segment));
			return why;
		}
		return NULL;
	}
	return "operand type";
}

static const char *compare_subset(const struct insn *in, const ZydisDecodedInstruction *zi,
                                  const ZydisDecodedOperand *zo, char *why)
{
	if (zi->length != in->length)
		return "length";
	if (!mnemonic_ok(in, zi->mnemonic)) {
		sprintf(why, "mnemonic: ours %s, zydis %s", insn_kind_name(in->kind),
		        ZydisMnemonicGetString(zi->mnemonic));
		return why;
	}
	if (zi->attributes & ZYDIS_ATTRIB_HAS_LOCK)
		return "lock prefix in the subset";
	/* Zydis reports operand_width 64 for REX.W INS/OUTS while naming INSD/OUTSD with a 32-bit
	 * memory operand (the SDM: no 64-bit form): the mnemonic and the operands decide there. */
	bool rexw_string = insn_is_string_io(in->kind) && in->rex_w;
	if (in->kind != INSN_NOP && in->kind != INSN_PAUSE && !rexw_string && zi->operand_width != in->opsize) {
		sprintf(why, "operand size: ours %u, zydis %u", in->opsize, zi->operand_width);
		return why;
	}
	if (zi->address_width != in->addrsize) {
		sprintf(why, "address size: ours %u, zydis %u", in->addrsize, zi->address_width);
		return why;
	}
	bool string = insn_is_string_io(in->kind);
	if (string && in->rep != !!(zi->attributes & ZYDIS_ATTRIB_HAS_REP))
		return "rep";
	/* Zydis lists the operands of INS/OUTS as hidden ones, the rest as visible ones. */
	const ZydisDecodedOperand *z[ZYDIS_MAX_OPERAND_COUNT];
	int nz = 0;
	for (int i = 0; i < zi->operand_count; i++)
		if (string ? i < 2 : zo[i].visibility != ZYDIS_OPERAND_VISIBILITY_HIDDEN)
			z[nz++] = &zo[i];
	int want = in->nops;
	if (in->kind == INSN_NOP && in->nops == 1)
		nz = 1; /* Zydis adds the ModRM reg operand of 0F 1F */
	if (nz != want) {
		sprintf(why, "operand count: ours %d, zydis %d", want, nz);
		return why;
	}
	for (int i = 0; i < want; i++) {
		const char *w = compare_operand(in, &in->op[i], z[i], why);
		if (w)
			return w;
	}
	return NULL;
}

static ZydisDecoder zdec[3];
static int mode_index(int mode) { return mode == 64 ? 0 : mode == 32 ? 1 : 2; }

static void init_zydis(void)
{
	ZydisDecoderInit(&zdec[0], ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisDecoderInit(&zdec[1], ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&zdec[2], ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
}

/* Compares one decode; returns Zydis's length (0 when it rejects the bytes). */
static unsigned check_one(struct stats *s, int mode, const uint8_t *b, unsigned avail)
{
	struct insn in;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	int r = decode_insn(b, avail, (enum cpu_mode)mode, &in);
	bool zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zdec[mode_index(mode)], b, avail, &zi, zo));
	char why[160];
	s->total++;
	s->zydis_ok += zok;
	switch (r) {
	case DECODE_OK: {
		s->subset++;
		s->kinds[in.kind]++;
		if (!zok) {
			report(s, mode, b, in.length, "ours %s (length %u), zydis rejects", insn_kind_name(in.kind), in.length);
			break;
		}
		const char *w = compare_subset(&in, &zi, zo, why);
		if (w)
			report(s, mode, b, zi.length, "%s: %s", insn_kind_name(in.kind), w);
		break;
	}
	case DECODE_NOT_SUBSET:
		s->not_subset++;
		if (in.length) {
			s->not_subset_len++;
			if (!zok)
				s->notsub_zydis_bad++;
			else if (zi.length != in.length)
				report(s, mode, b, zi.length, "not-subset length: ours %u, zydis %u (%s)", in.length,
				       zi.length, ZydisMnemonicGetString(zi.mnemonic));
		}
		break;
	case DECODE_INVALID:
		s->invalid++;
		if (zok) {
			s->invalid_but_zydis++;
			report(s, mode, b, zi.length, "ours invalid, zydis %s length %u",
			       ZydisMnemonicGetString(zi.mnemonic), zi.length);
		}
		break;
	case DECODE_NEED_MORE:
		s->need_more++;
		if (zok)
			report(s, mode, b, zi.length, "ours needs more than %u bytes, zydis %s length %u", avail,
			       ZydisMnemonicGetString(zi.mnemonic), zi.length);
		break;
	default:
		report(s, mode, b, 1, "unexpected return %d", r);
	}
	return zok ? zi.length : 0;
}

static void summary(const char *name, const struct stats *s)
{
	printf("# %s: %lu decoded, %lu in the subset (compared), %lu not in the subset (%lu with a "
	       "length compared; %lu of those Zydis rejects), %lu invalid, %lu need-more; %lu "
	       "disagreements\n",
	       name, s->total, s->subset, s->not_subset, s->not_subset_len, s->notsub_zydis_bad,
	       s->invalid, s->need_more, s->fail);
	printf("#   kinds:");
	for (int k = 1; k < INSN_KIND_COUNT; k++)
		if (s->kinds[k])
			printf(" %s=%lu", insn_kind_name((enum insn_kind)k), s->kinds[k]);
	printf("\n");
	printf("%s - decoder vs zydis: %s\n", s->fail ? "not ok" : "ok", name);
}

/* --- Inputs. --- */

static const uint8_t prefixes[] = {0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65};
static const uint8_t subset_ops[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
	0x40, 0x48, 0x4f, 0x63, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x75, 0x7f, 0x80, 0x81, 0x83, 0x84, 0x85,
	0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x90, 0x91, 0x97, 0xa0, 0xa1, 0xa2, 0xa3, 0xa8, 0xa9, 0xb0,
	0xb4, 0xb7, 0xb8, 0xbc, 0xbf, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xe4, 0xe5, 0xe6,
	0xe7, 0xe9, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf6, 0xf7, 0xfe, 0xff};
static const uint8_t subset_0f[] = {0x1f, 0x80, 0x84, 0x8f, 0xb6, 0xb7, 0xbe, 0xbf};

static void shaped(uint8_t *b, int mode)
{
	for (int i = 0; i < 24; i++)
		b[i] = (uint8_t)rnd();
	int n = 0;
	int np = (int)(rnd() % 5);
	for (int i = 0; i < np; i++)
		b[n++] = prefixes[rnd() % sizeof prefixes];
	if (mode == 64 && rnd() % 2)
		b[n++] = (uint8_t)(0x40 | (rnd() & 0xf));
	unsigned pick = (unsigned)(rnd() % 8);
	if (pick == 0) {
		b[n++] = 0x0f;
		b[n++] = subset_0f[rnd() % sizeof subset_0f];
	} else if (pick == 1) {
		b[n++] = (uint8_t)rnd();
	} else {
		b[n++] = subset_ops[rnd() % sizeof subset_ops];
	}
	/* ModRM: favour register forms and the SIB/disp32/16-bit special cases */
	uint8_t modrm = (uint8_t)rnd();
	if (rnd() % 4 == 0)
		modrm = (uint8_t)((modrm & 0xf8) | 4);
	if (rnd() % 8 == 0)
		modrm = (uint8_t)((modrm & 0x38) | 5);
	b[n] = modrm;
}

static void run_random(int mode, uint64_t seed, unsigned long count, bool shape)
{
	struct stats s = {0};
	uint8_t b[32];
	rng_state = seed;
	for (unsigned long i = 0; i < count; i++) {
		if (shape) {
			shaped(b, mode);
		} else {
			for (int k = 0; k < 32; k++)
				b[k] = (uint8_t)rnd();
		}
		check_one(&s, mode, b, 16);
		/* every truncation of a subset instruction needs more bytes */
		struct insn in;
		if (i % 16 == 0 && decode_insn(b, 16, (enum cpu_mode)mode, &in) == DECODE_OK) {
			for (unsigned k = 0; k < in.length; k++) {
				struct insn t;
				if (decode_insn(b, k, (enum cpu_mode)mode, &t) != DECODE_NEED_MORE)
					report(&s, mode, b, in.length, "truncated to %u: not need-more", k);
			}
		}
	}
	char name[64];
	snprintf(name, sizeof name, "%s bytes, %d-bit mode", shape ? "shaped random" : "random", mode);
	summary(name, &s);
}

static void sweep(struct stats *s, int mode, const uint8_t *p0, uint64_t len)
{
	for (uint64_t p = 0; p < len;) {
		unsigned avail = (unsigned)(len - p < 16 ? len - p : 16);
		unsigned n = check_one(s, mode, p0 + p, avail);
		p += n ? n : 1;
	}
}

/* A raw image (a BIOS: real-mode code) decoded linearly from its start in 16-bit mode. */
static int run_raw16(const char *path, const uint8_t *img, long size)
{
	struct stats s = {0};
	sweep(&s, 16, img, (uint64_t)size);
	char name[300];
	snprintf(name, sizeof name, "%s (raw, 16-bit mode)", path);
	summary(name, &s);
	return 0;
}

/* Executable sections of an ELF file, decoded linearly in the mode of its class; a file
 * named raw16:PATH is decoded whole in 16-bit mode. */
static int run_file(const char *arg)
{
	bool raw16 = strncmp(arg, "raw16:", 6) == 0;
	const char *path = raw16 ? arg + 6 : arg;
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("ok - decoder vs zydis: %s # SKIP not readable\n", path);
		return 0;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *img = malloc((size_t)size + 16);
	if (!img || fread(img, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(img);
		printf("not ok - decoder vs zydis: %s unreadable\n", path);
		return 1;
	}
	fclose(f);
	memset(img + size, 0, 16);
	if (raw16) {
		int rc = run_raw16(path, img, size);
		free(img);
		return rc;
	}
	if (size < (long)sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) != 0) {
		free(img);
		printf("ok - decoder vs zydis: %s # SKIP not an ELF file\n", path);
		return 0;
	}
	struct stats s = {0};
	int mode = img[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	uint64_t shoff, nsec, shentsize;
	if (mode == 64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
		shoff = eh->e_shoff, nsec = eh->e_shnum, shentsize = eh->e_shentsize;
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
		shoff = eh->e_shoff, nsec = eh->e_shnum, shentsize = eh->e_shentsize;
	}
	for (uint64_t i = 0; i < nsec && shoff + (i + 1) * shentsize <= (uint64_t)size; i++) {
		uint64_t off, len, flags, type;
		if (mode == 64) {
			Elf64_Shdr *sh = (Elf64_Shdr *)(img + shoff + i * shentsize);
			off = sh->sh_offset, len = sh->sh_size, flags = sh->sh_flags, type = sh->sh_type;
		} else {
			Elf32_Shdr *sh = (Elf32_Shdr *)(img + shoff + i * shentsize);
			off = sh->sh_offset, len = sh->sh_size, flags = sh->sh_flags, type = sh->sh_type;
		}
		if (type != SHT_PROGBITS || !(flags & SHF_EXECINSTR) || off + len > (uint64_t)size)
			continue;
		sweep(&s, mode, img + off, len);
	}
	free(img);
	char name[300];
	snprintf(name, sizeof name, "%s (%d-bit code)", path, mode);
	summary(name, &s);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	init_zydis();
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	static const int modes[] = {64, 32, 16};
	for (int i = 0; i < 3; i++) {
		run_random(modes[i], 0x9e3779b97f4a7c15ULL + (uint64_t)modes[i], n, false);
		run_random(modes[i], 0xd1b54a32d192ed03ULL + (uint64_t)modes[i], n, true);
	}
	int rc = 0;
	for (int i = 2; i < argc; i++)
		rc |= run_file(argv[i]);
	printf("# memory operands where Zydis 4.0's bug #592 was allowed for: %lu\n", zydis_bug_592);
	return rc;
}
