/*
 * The screen the core draws on: the Graphics Output Protocol's current mode, read before
 * ExitBootServices (UEFI spec 2.10 section 12.9, EFI_GRAPHICS_OUTPUT_PROTOCOL.Mode). The mode
 * is left as the firmware set it: no mode switch, so the firmware's text stays readable.
 */
#include "ldr.h"
#include "../../arch/printf.h"

#define GOP_BITS_32 32
#define BYTE_BITS 8

/* Position and width of the bits a GOP mask sets (a mask is one contiguous run). */
static void mask_field(u32 mask, u8 *pos, u8 *size)
{
	u8 p = 0, n = 0;
	while (p < GOP_BITS_32 && !(mask & (1u << p)))
		p++;
	while (p + n < GOP_BITS_32 && (mask & (1u << (p + n))))
		n++;
	*pos = n ? p : 0;
	*size = n;
}

static u32 top_bit(u32 v)
{
	u32 n = 0;
	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

int efi_gop_framebuffer(struct boot_fb *fb, char *err, size_t errlen)
{
	EFI_GUID guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	*fb = (struct boot_fb){0};
	EFI_STATUS s = ldr_bs->LocateProtocol(&guid, NULL, (void **)&gop);
	if (EFI_ERROR(s) || !gop || !gop->Mode || !gop->Mode->Info) {
		fmt_snprintf(err, errlen, "no graphics output (GOP: %s)", EFI_ERROR(s) ? efi_status_name(s) : "no mode");
		return -1;
	}
	const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	EFI_PIXEL_BITMASK m;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor: m = (EFI_PIXEL_BITMASK){0xff, 0xff00, 0xff0000, 0xff000000}; break;
	case PixelBlueGreenRedReserved8BitPerColor: m = (EFI_PIXEL_BITMASK){0xff0000, 0xff00, 0xff, 0xff000000}; break;
	case PixelBitMask: m = info->PixelInformation; break;
	default:
		fmt_snprintf(err, errlen, "the GOP mode has no framebuffer (Blt only)");
		return -1;
	}
	u32 bits = top_bit(m.RedMask | m.GreenMask | m.BlueMask | m.ReservedMask);
	fb->bpp = (u8)ALIGN_UP(bits, BYTE_BITS);
	fb->type = BOOT_FB_RGB;
	fb->base = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * (fb->bpp / BYTE_BITS);
	mask_field(m.RedMask, &fb->red_pos, &fb->red_size);
	mask_field(m.GreenMask, &fb->green_pos, &fb->green_size);
	mask_field(m.BlueMask, &fb->blue_pos, &fb->blue_size);
	return 0;
}
