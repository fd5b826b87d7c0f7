/*
 * The fixture of test_linux.c and test_linux_entry.c: the includes, constants, fake
 * platform and helpers the tests of both use. Declared here; the state and the helpers,
 * one copy of them, are in linux_fixture.c.
 */
#ifndef TESTS_UNIT_LINUX_FIXTURE_H
#define TESTS_UNIT_LINUX_FIXTURE_H

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "guest/linux.h"
#include "guest/mb1.h"
#include "fake_loader_ram.h"

/* ---- guest RAM for the tests: fake_loader_ram.h ---- */

#define RAM_DEFAULT (64 * MIB)

u16 r16(u64 gpa);
u32 r32(u64 gpa);
u64 r64(u64 gpa);

/* ---- a synthetic bzImage: boot sector + 4 setup sectors, then the protected-mode kernel ---- */

#define T_SETUP_SECTS 4
#define T_SETUP_SIZE ((T_SETUP_SECTS + 1) * 512)
#define T_PM_SIZE 0x3000 /* protected-mode bytes (syssize * 16) */
#define T_INIT_SIZE (8 * MIB)
#define T_PREF (16 * MIB)
#define T_ALIGN (2 * MIB)
#define T_HDR_END 0x26C /* through kernel_info_offset, as protocol 2.15 */

extern u8 *img;
extern u64 img_size;

void w16(u64 off, u64 v);
void w32(u64 off, u64 v);
void w64(u64 off, u64 v);
u8 pm_byte(u64 i);

/* A well-formed image with `extra` bytes past the kernel (a signature, say). */
void build(u64 extra);

extern u8 *rd;
extern u64 rd_size;
void build_initrd(u64 size);

int setup(void **state);

extern u8 *file_k, *file_i;

int teardown(void **state);

extern char load_err[256];
extern struct linux_boot boot;
#define CMDLINE "console=ttyS0 nolapic microhv.test=1"

int load(const char *cmdline);

void expect_ok(const char *cmdline);

/* A refusal: the message contains want, and guest RAM was not touched at all. */
void expect_refused(const char *want);

/* The initrd (data, size) where the protocol allows it: page-aligned, below top, above 1 MiB,
 * clear of the kernel's init_size span, and its bytes in place. */
void assert_initrd_at(const u8 *data, u64 size, u64 top);

#endif
