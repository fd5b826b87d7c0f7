/*
 * The UEFI loader's options text: microhv.cfg from the ESP, then the EFI
 * LoadOptions, joined into one line of key=value words for options_parse()
 * and boot_info.cmdline. Pure C (no EFI header), so the host tests can use it.
 */
#ifndef BOOT_UEFI_CMDLINE_H
#define BOOT_UEFI_CMDLINE_H

#include "../../arch/types.h"
#include "../options.h"

/*
 * Appends the words of a microhv.cfg text (len bytes, not NUL-terminated) to
 * the NUL-terminated dst of cap bytes: '#' starts a comment that runs to the
 * end of the line, any run of blanks and line breaks separates words.
 * 0 on success; -1 with err filled when a byte is not printable ASCII or the
 * words do not fit (dst is then left as it was).
 */
int ucmd_append_cfg(char *dst, size_t cap, const char *cfg, size_t len, char *err, size_t errlen);

/*
 * Appends EFI LoadOptions (UCS-2, bytes long, NUL-terminated or not) to dst.
 * A leading word that holds no '=' and holds a '\' or ends in ".efi" (any
 * case) is the image path that shells and boot entries put first: dropped.
 * 0 on success; 1 when the data is not UCS-2 text (firmware boot entries pass
 * binary data, e.g. a GUID): nothing appended; -1 with err filled when the
 * words do not fit.
 */
int ucmd_append_load_options(char *dst, size_t cap, const u16 *opts, size_t bytes, char *err, size_t errlen);

/*
 * The action of the last valid on_exit= word in text, else the default: how
 * to end when options_parse() itself failed on another word.
 */
enum on_exit_action ucmd_exit_action(const char *text);

#endif
