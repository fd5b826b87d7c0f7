/* Exit, the command-line helper, and the two functions gcc may call on its own. */
#include "guest.h"

void guest_exit(u32 code)
{
	uart_flush(); /* the last line leaves the UART before the machine stops */
	outl(DEBUG_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

const char *mb_arguments(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return "";
	const char *s = (const char *)(uintptr_t)mbi->cmdline;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

bool guest_first_arg_is(u32 magic, u32 mbi, const char *word)
{
	if (magic != MB_BOOT_MAGIC)
		return false;
	const char *args = mb_arguments((const struct mb_info *)(uintptr_t)mbi);
	u32 i = 0;
	for (; word[i]; i++)
		if (args[i] != word[i])
			return false;
	return args[i] == 0 || args[i] == ' ';
}

void *memset(void *dst, int c, __SIZE_TYPE__ n)
{
	u8 *d = dst;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memcpy(void *dst, const void *src, __SIZE_TYPE__ n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}
