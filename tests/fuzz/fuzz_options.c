/*
 * libFuzzer harness for the option parser (boot/options.c) and the UEFI loader's microhv.cfg and
 * load-options reader (boot/uefi/cmdline.c). The input is a microhv.cfg text; the same bytes,
 * as UCS-2, are the EFI load options. Besides ASan/UBSan findings it aborts when
 *   - a refusal leaves no message, or an accepted line is not NUL-terminated inside its buffer;
 *   - options_parse accepts a line whose options, written back by options_format, do not parse
 *     to the same options (the round trip the UEFI loader relies on to hand them over).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/options.h"
#include "boot/uefi/cmdline.h"

#define CHECK(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

#define LINE_MAX_BYTES BOOT_CMDLINE_MAX
#define FORMAT_MAX 512

static void parse_and_round_trip(const char *line)
{
	struct hv_options o, again;
	char err[OPT_ERR_MAX] = "";
	memset(&o, 0, sizeof o); /* padding too: the round trip compares whole structs */
	memset(&again, 0, sizeof again);
	options_defaults(&o);
	if (options_parse(line, &o, err, sizeof err)) {
		CHECK(err[0] != 0);
		(void)ucmd_exit_action(line);
		return;
	}
	char text[FORMAT_MAX];
	CHECK(options_format(&o, text, sizeof text) >= 0);
	options_defaults(&again);
	CHECK(options_parse(text, &again, err, sizeof err) == 0);
	CHECK(memcmp(&o, &again, sizeof o) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LINE_MAX_BYTES];
	static struct ucmd_guest g;
	char err[OPT_ERR_MAX] = "";
	/* the bytes as one option line, cut at the first NUL */
	size_t n = size < LINE_MAX_BYTES - 1 ? size : LINE_MAX_BYTES - 1;
	memcpy(line, data, n);
	line[n] = 0;
	parse_and_round_trip(line);
	/* as microhv.cfg */
	memset(&g, 0, sizeof g);
	line[0] = 0;
	if (ucmd_append_cfg(line, sizeof line, (const char *)data, size, &g, err, sizeof err) == 0) {
		CHECK(memchr(line, 0, sizeof line) != NULL);
		CHECK(memchr(g.append, 0, sizeof g.append) != NULL);
		parse_and_round_trip(line);
	} else {
		CHECK(err[0] != 0);
	}
	/* as UCS-2 load options (an odd byte is left out) */
	memset(&g, 0, sizeof g);
	line[0] = 0;
	size_t words = size / 2;
	uint16_t *u = malloc(words ? words * 2 : 2);
	CHECK(u);
	memcpy(u, data, words * 2);
	int r = ucmd_append_load_options(line, sizeof line, u, words * 2, &g, err, sizeof err);
	free(u);
	CHECK(r == 0 || r == 1 || (r == -1 && err[0] != 0));
	if (r == 0)
		parse_and_round_trip(line);
	return 0;
}
