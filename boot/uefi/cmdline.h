/*
 * The UEFI loader's options text: microhv.cfg from the ESP, then the EFI
 * LoadOptions, joined into one line of key=value words for options_parse()
 * and boot_info.cmdline. The words that name the guest (kernel=, initrd=,
 * append=) are the loader's own and are taken out into struct ucmd_guest.
 * Pure C (no EFI header), so the host tests can use it.
 */
#ifndef BOOT_UEFI_CMDLINE_H
#define BOOT_UEFI_CMDLINE_H

#include "../../arch/boot_info.h"
#include "../../arch/types.h"
#include "../options.h"

#define UCMD_PATH_MAX 256 /* a file on the ESP: '\' and up to 254 characters, NUL */

/*
 * The guest the words name; a later word overrides an earlier one.
 *   kernel=FILE    the guest image (a Linux bzImage or a Multiboot guest), read
 *                  from the boot volume and handed over as the "guest" module
 *   initrd=FILE    the "initrd" module
 *   append=TEXT    the guest's command line: the rest of its line in
 *                  microhv.cfg (or the rest of the load options), '#' included;
 *                  at most BOOT_CMDLINE_MAX - 1 characters here, and a Linux
 *                  kernel's own limit, the setup header's cmdline_size (x86
 *                  boot protocol 2.06+, Documentation/arch/x86/boot.rst), is
 *                  checked when the core loads it (guest/linux.c)
 * FILE is a path from the root of the volume, '/' or '\' separated; it is
 * stored with '\' separators and a leading '\' (UEFI spec 13.5, Open()).
 */
struct ucmd_guest {
	char kernel[UCMD_PATH_MAX];    /* "" when not named */
	char initrd[UCMD_PATH_MAX];    /* "" when not named */
	char append[BOOT_CMDLINE_MAX]; /* "" when not named or empty: the guest's default */
};

/*
 * Appends the words of a microhv.cfg text (len bytes, not NUL-terminated) to
 * the NUL-terminated dst of cap bytes: '#' starts a comment that runs to the
 * end of the line, any run of blanks and line breaks separates words. The
 * guest's words go to g instead. 0 on success; -1 with err filled when a byte
 * is not printable ASCII, the words do not fit, a file name is empty or too
 * long, or append= is longer than BOOT_CMDLINE_MAX - 1. dst then holds the
 * words before the bad one: their on_exit= still says how the run ends.
 */
int ucmd_append_cfg(char *dst, size_t cap, const char *cfg, size_t len, struct ucmd_guest *g, char *err,
                    size_t errlen);

/*
 * Appends EFI LoadOptions (UCS-2, bytes long, NUL-terminated or not) to dst.
 * A leading word that holds no '=' and holds a '\' or ends in ".efi" (any
 * case) is the image path that shells and boot entries put first: dropped.
 * 0 on success; 1 when the data is not UCS-2 text (firmware boot entries pass
 * binary data, e.g. a GUID): nothing appended; -1 with err filled when the
 * words do not fit or a guest word is bad, as for ucmd_append_cfg().
 */
int ucmd_append_load_options(char *dst, size_t cap, const u16 *opts, size_t bytes, struct ucmd_guest *g, char *err,
                             size_t errlen);

/*
 * The action of the last valid on_exit= word in text, else the default: how
 * to end when options_parse() itself failed on another word.
 */
enum on_exit_action ucmd_exit_action(const char *text);

#endif
