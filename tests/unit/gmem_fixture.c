/* The fixture of gmem_fixture.h; one copy, linked into each test program that includes it. */
#include "gmem_fixture.h"
#include "fake_guest_ram.h"

u8 *ram;
u64 next_table;
static struct fake_guest_ram mem = {.size = RAM_SIZE, .hole_start = HOLE_START, .hole_end = HOLE_END};
const struct vcpu_platform plat = {.ctx = &mem, .gpa_ptr = fake_guest_ram_ptr};
int setup(void **state)
{
	(void)state;
	if (fake_guest_ram_alloc(&mem))
		return -1;
	ram = mem.ram;
	next_table = TABLES_START;
	return 0;
}

int teardown(void **state)
{
	(void)state;
	fake_guest_ram_free(&mem);
	ram = NULL;
	return 0;
}

u64 new_table(void)
{
	u64 t = next_table;
	next_table += PAGE_SIZE;
	memset(ram + t, 0, PAGE_SIZE);
	return t;
}

void tvm_init_at(struct tvm *t, enum tmode mode, u64 root)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->root = root;
	t->v.plat = &plat;
	t->v.cr3 = root;
	t->v.cr0 = mode == T_OFF ? CR0_PE : CR0_PE | CR0_PG | CR0_WP;
	if (mode == T_32)
		t->v.cr4 = CR4_PSE;
	if (mode == T_PAE || mode == T_4L || mode == T_5L)
		t->v.cr4 = CR4_PAE;
	if (mode == T_5L)
		t->v.cr4 |= CR4_LA57;
	if (mode == T_PAE)
		t->v.efer = EFER_NXE;
	if (mode == T_4L || mode == T_5L)
		t->v.efer = EFER_LME | EFER_LMA | EFER_NXE;
}

void tvm_init(struct tvm *t, enum tmode mode) { tvm_init_at(t, mode, new_table()); }

int top_level(const struct tvm *t)
{
	switch (t->mode) {
	case T_32: return 2;
	case T_PAE: return 3;
	case T_4L: return 4;
	default: return 5;
	}
}

void *slot(struct tvm *t, u64 linear, int level)
{
	u64 table = t->root;
	for (int l = top_level(t);; l--) {
		if (t->mode == T_32) {
			u64 idx = (linear >> (l == 2 ? 22 : 12)) & 0x3ff;
			u32 *e = (u32 *)(ram + table + idx * 4);
			if (l == level)
				return e;
			if (!(*e & P))
				*e = (u32)(new_table() | P | RW | US);
			table = *e & ADDR32;
		} else {
			bool pdpte = t->mode == T_PAE && l == 3;
			u64 idx = (linear >> (12 + 9 * (l - 1))) & (pdpte ? 3 : 0x1ff);
			u64 *e = (u64 *)(ram + table + idx * 8);
			if (l == level)
				return e;
			if (!(*e & P)) {
				*e = new_table() | (pdpte ? P : P | RW | US);
				if (pdpte) /* as the guest's MOV CR3 would load it */
					t->v.pdpte[idx] = *e;
			}
			table = *e & ADDR64;
		}
	}
}

u64 ent(struct tvm *t, u64 linear, int level)
{
	void *e = slot(t, linear, level);
	return t->mode == T_32 ? *(u32 *)e : *(u64 *)e;
}

void ent_set(struct tvm *t, u64 linear, int level, u64 val)
{
	void *e = slot(t, linear, level);
	if (t->mode == T_32)
		*(u32 *)e = (u32)val;
	else
		*(u64 *)e = val;
}

void ent_or(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) | bits);
}

void ent_clear(struct tvm *t, u64 linear, int level, u64 bits)
{
	ent_set(t, linear, level, ent(t, linear, level) & ~bits);
}

void map(struct tvm *t, u64 linear, u64 gpa, int level, u64 flags)
{
	ent_set(t, linear, level, gpa | flags | (level > 1 ? PS : 0));
}

void clear_ad(struct tvm *t, u64 linear, int leaf_level)
{
	for (int l = top_level(t); l >= leaf_level; l--)
		if (!(t->mode == T_PAE && l == 3))
			ent_clear(t, linear, l, A | D);
}

void expect_gpa(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u64 want)
{
	u64 gpa = ~0ULL;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_OK);
	assert_int_equal(gpa, want);
}

void expect_pf(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, u32 error)
{
	u64 gpa = 0x1234;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_false(f.non_canonical);
	assert_int_equal(f.linear, linear);
	assert_int_equal(f.pf_error, error);
	assert_int_equal(gpa, 0x1234); /* untouched */
}

void expect_gp(struct tvm *t, u64 linear, enum vcpu_access acc, bool user)
{
	u64 gpa;
	struct gmem_fault f = {0};
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), GMEM_FAULT);
	assert_true(f.non_canonical);
	assert_int_equal(f.pf_error, 0);
	assert_int_equal(f.linear, linear);
}

void expect_result(struct tvm *t, u64 linear, enum vcpu_access acc, bool user, int want)
{
	u64 gpa;
	struct gmem_fault f;
	assert_int_equal(gmem_translate(&t->v, linear, acc, user, &gpa, &f), want);
}

void fill(u64 gpa, u8 seed, u32 len)
{
	for (u32 i = 0; i < len; i++)
		ram[gpa + i] = (u8)(seed + i);
}
