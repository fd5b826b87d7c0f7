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

enum guest_key { KEY_NONE, KEY_KERNEL, KEY_INITRD, KEY_APPEND };

static const char *const guest_keys[] = {[KEY_KERNEL] = "kernel=", [KEY_INITRD] = "initrd=", [KEY_APPEND] = "append="};
#define GUEST_KEY_LEN 7 /* each of them */

static enum guest_key guest_key_of(const char *w, size_t n)
{
	for (size_t k = KEY_KERNEL; k <= KEY_APPEND; k++) {
		size_t i = 0;
		while (i < GUEST_KEY_LEN && i < n && w[i] == guest_keys[k][i])
			i++;
		if (i == GUEST_KEY_LEN)
			return (enum guest_key)k;
	}
	return KEY_NONE;
}

/* kernel= or initrd=: the path from the volume's root, '\' separated, with a leading '\'. */
static int set_path(char *dst, const char *key, const char *v, size_t n, const char *where, char *err,
                    size_t errlen)
{
	if (n && (v[0] == '/' || v[0] == '\\')) {
		v++;
		n--;
	}
	if (n == 0) {
		fmt_snprintf(err, errlen, "%s: %s needs a file name", where, key);
		return -1;
	}
	if (n + 2 > UCMD_PATH_MAX) {
		fmt_snprintf(err, errlen, "%s: the file name of %s is %zu characters long; at most %d fit", where, key, n,
		             UCMD_PATH_MAX - 2);
		return -1;
	}
	dst[0] = '\\';
	for (size_t i = 0; i < n; i++)
		dst[i + 1] = v[i] == '/' ? '\\' : v[i];
	dst[n + 1] = 0;
	return 0;
}

/* append=: the text with blanks at either end dropped, tabs and the like as spaces. */
static int set_append(struct ucmd_guest *g, const char *v, size_t n, const char *where, char *err, size_t errlen)
{
	while (n && is_blank((unsigned char)v[0])) {
		v++;
		n--;
	}
	while (n && is_blank((unsigned char)v[n - 1]))
		n--;
	if (n + 1 > sizeof(g->append)) {
		fmt_snprintf(err, errlen, "%s: append= is %zu characters long; a guest command line holds at most %zu", where,
		             n, sizeof(g->append) - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		g->append[i] = is_blank((unsigned char)v[i]) ? ' ' : v[i];
	g->append[n] = 0;
	return 0;
}

/* One word that is a guest key (not append=, which takes more than its word). */
static int set_guest_path(struct ucmd_guest *g, enum guest_key k, const char *w, size_t n, const char *where,
                          char *err, size_t errlen)
{
	char *dst = k == KEY_KERNEL ? g->kernel : g->initrd;
	return set_path(dst, guest_keys[k], w + GUEST_KEY_LEN, n - GUEST_KEY_LEN, where, err, errlen);
}

int ucmd_append_cfg(char *dst, size_t cap, const char *cfg, size_t len, struct ucmd_guest *g, char *err,
                    size_t errlen)
{
	size_t line = 1;
	char where[32];
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
		fmt_snprintf(where, sizeof(where), "microhv.cfg line %zu", line);
		if (!is_printable(c)) {
			fmt_snprintf(err, errlen, "%s: byte 0x%02x is not printable ASCII", where, c);
			return -1;
		}
		size_t start = i;
		while (i + 1 < len && is_printable((unsigned char)cfg[i + 1]) && cfg[i + 1] != '#' &&
		       !is_blank((unsigned char)cfg[i + 1]))
			i++;
		enum guest_key k = guest_key_of(cfg + start, i - start + 1);
		if (k == KEY_APPEND) {
			/* the rest of the line, '#' included: a kernel command line may hold one */
			size_t end = start + GUEST_KEY_LEN;
			while (end < len && cfg[end] != '\n') {
				if (!is_printable((unsigned char)cfg[end]) && !is_blank((unsigned char)cfg[end])) {
					fmt_snprintf(err, errlen, "%s: byte 0x%02x is not printable ASCII", where,
					             (unsigned char)cfg[end]);
					return -1;
				}
				end++;
			}
			if (set_append(g, cfg + start + GUEST_KEY_LEN, end - start - GUEST_KEY_LEN, where, err, errlen))
				return -1;
			i = end - 1;
			continue;
		}
		if (k != KEY_NONE) {
			if (set_guest_path(g, k, cfg + start, i - start + 1, where, err, errlen))
				return -1;
			continue;
		}
		if (append_word(dst, cap, cfg + start, i - start + 1)) {
			fmt_snprintf(err, errlen, "the options are longer than %zu characters", cap - 1);
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

/* The rest of the load options from unit i, as append= takes it. */
static int append_from_load_options(struct ucmd_guest *g, const u16 *opts, size_t units, size_t i, char *err,
                                    size_t errlen)
{
	char text[BOOT_CMDLINE_MAX + 1];
	size_t n = 0;
	for (; i < units && opts[i]; i++) {
		if (n == sizeof(text)) {
			fmt_snprintf(err, errlen, "the load options: append= is longer than %zu characters", sizeof(g->append) - 1);
			return -1;
		}
		text[n++] = (char)opts[i];
	}
	return set_append(g, text, n, "the load options", err, errlen);
}

int ucmd_append_load_options(char *dst, size_t cap, const u16 *opts, size_t bytes, struct ucmd_guest *g, char *err,
                             size_t errlen)
{
	size_t units = bytes / 2;
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
		enum guest_key k = guest_key_of(word, n);
		if (k == KEY_APPEND) {
			if (append_from_load_options(g, opts, units, start + GUEST_KEY_LEN, err, errlen))
				return -1;
			break;
		}
		if (k != KEY_NONE && full != n) {
			fmt_snprintf(err, errlen, "the load options: the file name of %s is longer than %d characters",
			             guest_keys[k], WORD_MAX - GUEST_KEY_LEN);
			return -1;
		}
		if (k != KEY_NONE) {
			if (set_guest_path(g, k, word, n, "the load options", err, errlen))
				return -1;
			continue;
		}
		if (append_word(dst, cap, word, n)) {
			fmt_snprintf(err, errlen, "the options are longer than %zu characters", cap - 1);
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
