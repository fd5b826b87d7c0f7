/* Building the UEFI loader's options text; see cmdline.h. */
#include "cmdline.h"
#include "../../arch/printf.h"

#define WORD_MAX 128 /* longer words are options_parse()'s to reject, with its message */

static bool is_blank(unsigned c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_printable(unsigned c) { return c >= 0x20 && c < 0x7f; }

static size_t text_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Appends one word, space-separated from what dst holds; -1 when it does not fit. */
static int append_word(char *dst, size_t cap, const char *w, size_t n)
{
	size_t len = text_len(dst);
	size_t sep = len ? 1 : 0;
	if (len + sep + n + 1 > cap)
		return -1;
	if (sep)
		dst[len++] = ' ';
	for (size_t i = 0; i < n; i++)
		dst[len++] = w[i];
	dst[len] = 0;
	return 0;
}

int ucmd_append_cfg(char *dst, size_t cap, const char *cfg, size_t len, char *err, size_t errlen)
{
	size_t line = 1, keep = text_len(dst);
	for (size_t i = 0; i < len; i++) {
		unsigned c = (unsigned char)cfg[i];
		if (c == '\n')
			line++;
		if (c == '#') {
			while (i + 1 < len && cfg[i + 1] != '\n')
				i++;
			continue;
		}
		if (is_blank(c))
			continue;
		if (!is_printable(c)) {
			fmt_snprintf(err, errlen, "microhv.cfg line %zu: byte 0x%02x is not printable ASCII", line, c);
			dst[keep] = 0;
			return -1;
		}
		size_t start = i;
		while (i + 1 < len && is_printable((unsigned char)cfg[i + 1]) && cfg[i + 1] != '#' &&
		       !is_blank((unsigned char)cfg[i + 1]))
			i++;
		if (append_word(dst, cap, cfg + start, i - start + 1)) {
			fmt_snprintf(err, errlen, "the options are longer than %zu characters", cap - 1);
			dst[keep] = 0;
			return -1;
		}
	}
	return 0;
}

static bool ends_with_efi(const char *w, size_t n)
{
	static const char ext[] = ".efi";
	if (n < 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		char c = w[n - 4 + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != ext[i])
			return false;
	}
	return true;
}

static bool is_image_path(const char *w, size_t n)
{
	bool slash = false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '=')
			return false;
		if (w[i] == '\\')
			slash = true;
	}
	return slash || ends_with_efi(w, n);
}

int ucmd_append_load_options(char *dst, size_t cap, const u16 *opts, size_t bytes, char *err, size_t errlen)
{
	size_t units = bytes / 2, keep = text_len(dst);
	for (size_t i = 0; i < units && opts[i]; i++)
		if (!is_blank(opts[i]) && !is_printable(opts[i]))
			return 1;
	bool first = true;
	size_t i = 0;
	while (i < units && opts[i]) {
		if (is_blank(opts[i])) {
			i++;
			continue;
		}
		char word[WORD_MAX];
		size_t n = 0, start = i;
		for (; i < units && opts[i] && !is_blank(opts[i]); i++)
			if (n < sizeof(word))
				word[n++] = (char)opts[i];
		size_t full = i - start; /* an over-long word is cut here and refused by options_parse() */
		if (first && full == n && is_image_path(word, n)) {
			first = false;
			continue;
		}
		first = false;
		if (append_word(dst, cap, word, n)) {
			fmt_snprintf(err, errlen, "the options are longer than %zu characters", cap - 1);
			dst[keep] = 0;
			return -1;
		}
	}
	return 0;
}

enum on_exit_action ucmd_exit_action(const char *text)
{
	static const char key[] = "on_exit=";
	struct hv_options o, best;
	options_defaults(&best);
	const char *p = text ? text : "";
	while (*p) {
		while (is_blank((unsigned char)*p))
			p++;
		size_t n = 0;
		while (p[n] && !is_blank((unsigned char)p[n]))
			n++;
		bool match = n > sizeof(key) - 1 && n < WORD_MAX;
		for (size_t i = 0; match && i < sizeof(key) - 1; i++)
			match = p[i] == key[i];
		if (match) {
			char word[WORD_MAX], e[OPT_ERR_MAX];
			for (size_t i = 0; i < n; i++)
				word[i] = p[i];
			word[n] = 0;
			options_defaults(&o);
			if (options_parse(word, &o, e, sizeof(e)) == 0)
				best.on_exit = o.on_exit;
		}
		p += n;
	}
	return best.on_exit;
}
