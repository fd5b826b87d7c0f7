/* ELF32/ELF64 executable validation (System V gABI, "ELF header" and "Program header" chapters). */
#include "elf.h"
#include "boot_info.h"
#include "printf.h"

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define PT_LOAD 1
#define PT_NOTE 4
#define ELF_MAX_PHNUM 64

/* Little-endian field readers: the image may be unaligned. */
static u64 rd(const u8 *p, unsigned n)
{
	u64 v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

struct layout { /* field offsets and widths for one ELF class */
	unsigned ehsize, e_type, e_machine, e_version, e_entry, e_phoff, e_phentsize, e_phnum, addr;
	unsigned phsize, p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
};
static const struct layout l32 = {52, 16, 18, 20, 24, 28, 42, 44, 4, 32, 0, 24, 4, 8, 12, 16, 20};
static const struct layout l64 = {64, 16, 18, 20, 24, 32, 54, 56, 8, 56, 0, 4, 8, 16, 24, 32, 40};

#define FAIL(...)                                        \
	do {                                                 \
		fmt_snprintf(err, errlen, __VA_ARGS__);          \
		return -1;                                       \
	} while (0)

static bool add_ok(u64 a, u64 b, u64 *sum)
{
	*sum = a + b;
	return *sum >= a;
}

/* Walks the notes of one PT_NOTE segment; a note that does not fit the segment is an error. */
static int scan_notes(const u8 *img, u64 off, u64 len, unsigned idx, struct elf_image *out, char *err,
                      size_t errlen)
{
	u64 pos = 0;
	while (pos < len) {
		if (len - pos < 12)
			FAIL("segment %u: malformed note at +0x%llx: %llu bytes left, less than a note header", idx,
			     (unsigned long long)pos, (unsigned long long)(len - pos));
		const u8 *n = img + off + pos;
		u64 namesz = rd(n, 4), descsz = rd(n + 4, 4), type = rd(n + 8, 4);
		u64 name_al = ALIGN_UP(namesz, 4), desc_al = ALIGN_UP(descsz, 4);
		if (name_al > len || desc_al > len || pos + 12 + name_al + desc_al > len)
			FAIL("segment %u: malformed note at +0x%llx: name and descriptor sizes %llu and %llu run past the "
			     "segment", idx, (unsigned long long)pos, (unsigned long long)namesz, (unsigned long long)descsz);
		const char *name = (const char *)n + 12;
		static const char want[] = CORE_NOTE_NAME;
		bool match = namesz == sizeof(want);
		for (u64 i = 0; match && i < sizeof(want); i++)
			match = name[i] == want[i];
		if (match && type == CORE_NOTE_ENTRY64) {
			if (descsz != 8) /* a loader must not guess the entry point from a short or long field */
				FAIL("segment %u: malformed note: the %s entry note has a %llu-byte descriptor, not 8", idx,
				     CORE_NOTE_NAME, (unsigned long long)descsz);
			out->has_entry64_note = true;
			out->entry64 = rd(n + 12 + name_al, 8);
		}
		pos += 12 + name_al + desc_al;
	}
	return 0;
}

static int check_segment(const struct elf_segment *s, u64 size, unsigned idx, char *err, size_t errlen)
{
	u64 end;
	if (!add_ok(s->offset, s->filesz, &end) || end > size)
		FAIL("segment %u: file bytes [0x%llx, +0x%llx) lie outside the %llu-byte file", idx,
		     (unsigned long long)s->offset, (unsigned long long)s->filesz, (unsigned long long)size);
	if (s->filesz > s->memsz)
		FAIL("segment %u: file size 0x%llx exceeds memory size 0x%llx", idx, (unsigned long long)s->filesz,
		     (unsigned long long)s->memsz);
	if (!add_ok(s->paddr, s->memsz, &end) || !add_ok(s->vaddr, s->memsz, &end))
		FAIL("segment %u: address range wraps around", idx);
	return 0;
}

int elf_parse(const void *image, u64 size, struct elf_image *out, char *err, size_t errlen)
{
	const u8 *img = image;
	*out = (struct elf_image){0};
	if (!img || size < EI_NIDENT)
		FAIL("file too small for an ELF header (%llu bytes)", (unsigned long long)size);
	if (img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
		FAIL("not an ELF file (bad magic)");
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		FAIL("unknown ELF class %u", img[EI_CLASS]);
	const struct layout *L = img[EI_CLASS] == ELFCLASS64 ? &l64 : &l32;
	out->bits = img[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	if (img[EI_DATA] != ELFDATA2LSB)
		FAIL("not a little-endian ELF file");
	if (img[EI_VERSION] != EV_CURRENT)
		FAIL("unknown ELF version %u", img[EI_VERSION]);
	if (size < L->ehsize)
		FAIL("file too small for an ELF%u header (%llu bytes)", out->bits, (unsigned long long)size);
	if (rd(img + L->e_type, 2) != ET_EXEC)
		FAIL("not an executable ELF file (e_type %llu)", (unsigned long long)rd(img + L->e_type, 2));
	out->machine = (u16)rd(img + L->e_machine, 2);
	if (out->machine != ELF_MACHINE_386 && out->machine != ELF_MACHINE_X86_64)
		FAIL("ELF machine %u is not x86", out->machine);
	out->entry = rd(img + L->e_entry, L->addr);
	u64 phoff = rd(img + L->e_phoff, L->addr);
	u64 phentsize = rd(img + L->e_phentsize, 2), phnum = rd(img + L->e_phnum, 2);
	if (phentsize < L->phsize)
		FAIL("program header entry size %llu is smaller than %u", (unsigned long long)phentsize, L->phsize);
	if (phnum == 0 || phnum > ELF_MAX_PHNUM)
		FAIL("program header count %llu is not in 1..%u", (unsigned long long)phnum, ELF_MAX_PHNUM);
	u64 ph_end;
	if (!add_ok(phoff, phnum * phentsize, &ph_end) || ph_end > size)
		FAIL("program headers lie outside the file");
	out->paddr_lo = ~0ULL;
	for (u64 i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + i * phentsize;
		u64 type = rd(ph + L->p_type, 4);
		struct elf_segment s = {
			.vaddr = rd(ph + L->p_vaddr, L->addr), .paddr = rd(ph + L->p_paddr, L->addr),
			.offset = rd(ph + L->p_offset, L->addr), .filesz = rd(ph + L->p_filesz, L->addr),
			.memsz = rd(ph + L->p_memsz, L->addr), .flags = (u32)rd(ph + L->p_flags, 4),
		};
		if (type == PT_NOTE) {
			if (check_segment(&s, size, (unsigned)i, err, errlen))
				return -1;
			if (scan_notes(img, s.offset, s.filesz, (unsigned)i, out, err, errlen))
				return -1;
			continue;
		}
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		if (out->nseg == ELF_MAX_SEGMENTS)
			FAIL("more than %u loadable segments", ELF_MAX_SEGMENTS);
		if (check_segment(&s, size, (unsigned)i, err, errlen))
			return -1;
		for (u32 j = 0; j < out->nseg; j++) {
			const struct elf_segment *o = &out->seg[j];
			if (s.paddr < o->paddr + o->memsz && o->paddr < s.paddr + s.memsz)
				FAIL("segments %u and %u overlap in physical memory", j, (unsigned)i);
		}
		out->seg[out->nseg++] = s;
		if (s.paddr < out->paddr_lo)
			out->paddr_lo = s.paddr;
		if (s.paddr + s.memsz > out->paddr_hi)
			out->paddr_hi = s.paddr + s.memsz;
	}
	if (out->nseg == 0)
		FAIL("no loadable segment");
	bool entry_ok = false;
	for (u32 j = 0; j < out->nseg; j++)
		if (out->entry >= out->seg[j].vaddr && out->entry < out->seg[j].vaddr + out->seg[j].memsz)
			entry_ok = true;
	if (!entry_ok)
		FAIL("entry point 0x%llx is outside every loadable segment", (unsigned long long)out->entry);
	return 0;
}
