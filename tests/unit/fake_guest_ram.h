/*
 * Guest-physical RAM for the fake vCPU platforms (fake_vcpu, fake_interp, gmem_fixture): a
 * page-aligned buffer, at most one guest-physical range that is not RAM (a hole), and the
 * vcpu_platform gpa_ptr over them, which holds callers to the interface's promise: one page
 * at a time (a caller crossing a page fails the test). Each platform lays out its own page
 * tables in this RAM. A fake: it stands in for vmx/guest_ram.c.
 */
#ifndef TESTS_UNIT_FAKE_GUEST_RAM_H
#define TESTS_UNIT_FAKE_GUEST_RAM_H

#include "unit.h"

#include "arch/types.h"

struct fake_guest_ram {
	u8 *ram;
	u64 size;
	u64 hole_start, hole_end;   /* [start, end) is not RAM; empty when equal */
	void (*on_access)(u64 gpa); /* sees every gpa handed out, or NULL */
};

/* Allocates m->size bytes of zeroed RAM once (later calls zero it again); 0 or -1. */
int fake_guest_ram_alloc(struct fake_guest_ram *m);
void fake_guest_ram_free(struct fake_guest_ram *m);
/* vcpu_platform.gpa_ptr; ctx is the struct fake_guest_ram. */
void *fake_guest_ram_ptr(void *ctx, u64 gpa, u32 len);

#endif
