/* The firmware services the UEFI loader uses (UEFI spec 2.10: 7.2 memory, 13.4-13.5 files). */
#include "ldr.h"
#include "../../arch/memmap.h"
#include "../../arch/printf.h"
#include "../../arch/string.h"

#define FAIL(...)                                     \
	do {                                              \
		fmt_snprintf(err, errlen, __VA_ARGS__);       \
		return -1;                                    \
	} while (0)

#define READ_CHUNK (16 * MIB) /* some firmware mishandles very large single reads */
#define FILE_INFO_BYTES 1024  /* EFI_FILE_INFO plus a file name of up to ~470 characters */

static bool conout_on;

const char *efi_status_name(EFI_STATUS s)
{
	static const char *const names[] = {
		"success", "load error", "invalid parameter", "unsupported", "bad buffer size",
		"buffer too small", "not ready", "device error", "write protected", "out of resources",
		"volume corrupted", "volume full", "no media", "media changed", "not found", "access denied",
		"no response", "no mapping", "timeout", "not started", "already started", "aborted",
	};
	u64 code = s & ~EFI_ERROR_MASK;
	if ((s == EFI_SUCCESS || EFI_ERROR(s)) && code < ARRAY_SIZE(names))
		return names[code];
	return EFI_ERROR(s) ? "error" : "warning";
}

void efi_conout(const char *s, size_t n)
{
	CHAR16 buf[128];
	size_t k = 0;
	if (!conout_on || !ldr_st || !ldr_st->ConOut)
		return;
	for (size_t i = 0; i < n; i++) {
		buf[k++] = (unsigned char)s[i] < 0x80 ? (CHAR16)s[i] : '?';
		if (k == ARRAY_SIZE(buf) - 1 || i + 1 == n) {
			buf[k] = 0;
			ldr_st->ConOut->OutputString(ldr_st->ConOut, buf);
			k = 0;
		}
	}
}

void efi_conout_enable(bool on) { conout_on = on; }

bool efi_conout_has_uart(void)
{
	EFI_GUID global = EFI_GLOBAL_VARIABLE;
	u8 buf[2048];
	UINTN size = sizeof(buf);
	if (EFI_ERROR(ldr_st->RuntimeServices->GetVariable(L"ConOut", &global, NULL, &size, buf)))
		return false;
	/* a list of device path instances; each node: type, subtype, 16-bit length (UEFI spec 10.3) */
	for (UINTN off = 0; off + 4 <= size;) {
		u8 type = buf[off], subtype = buf[off + 1];
		UINTN len = buf[off + 2] | (UINTN)buf[off + 3] << 8;
		if (len < 4 || off + len > size)
			return false;
		if (type == MESSAGING_DEVICE_PATH && subtype == MSG_UART_DP)
			return true;
		off += len;
	}
	return false;
}

int efi_alloc_pages(u64 pages, u64 *phys, const char *what, char *err, size_t errlen)
{
	EFI_PHYSICAL_ADDRESS a = 0;
	EFI_STATUS st = ldr_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &a);
	if (EFI_ERROR(st))
		FAIL("cannot allocate %llu KiB for %s: %s", (unsigned long long)(pages * PAGE_SIZE / 1024), what,
		     efi_status_name(st));
	*phys = a;
	return 0;
}

void efi_free_pages(u64 phys, u64 pages)
{
	if (pages)
		ldr_bs->FreePages(phys, pages);
}

EFI_FILE_HANDLE efi_open_boot_volume(char *err, size_t errlen)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID, fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs = NULL;
	EFI_FILE_HANDLE root = NULL;
	EFI_STATUS st = ldr_bs->HandleProtocol(ldr_image, &li_guid, (void **)&li);
	if (EFI_ERROR(st)) {
		fmt_snprintf(err, errlen, "no loaded-image protocol: %s", efi_status_name(st));
		return NULL;
	}
	st = ldr_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(st)) {
		fmt_snprintf(err, errlen, "the boot device has no file system: %s", efi_status_name(st));
		return NULL;
	}
	st = fs->OpenVolume(fs, &root);
	if (EFI_ERROR(st)) {
		fmt_snprintf(err, errlen, "cannot open the boot volume: %s", efi_status_name(st));
		return NULL;
	}
	return root;
}

static int read_all(EFI_FILE_HANDLE fh, u8 *dst, u64 size, const char *shown, char *err, size_t errlen)
{
	u64 done = 0;
	while (done < size) {
		UINTN n = size - done < READ_CHUNK ? size - done : READ_CHUNK;
		EFI_STATUS st = fh->Read(fh, &n, dst + done);
		if (EFI_ERROR(st))
			FAIL("%s: read error at byte %llu: %s", shown, (unsigned long long)done, efi_status_name(st));
		if (n == 0)
			FAIL("%s: file ends at byte %llu, its directory entry says %llu", shown,
			     (unsigned long long)done, (unsigned long long)size);
		done += n;
	}
	return 0;
}

int efi_read_file(EFI_FILE_HANDLE dir, const CHAR16 *name, const char *shown, u64 max_size, const char *max_what,
                  u64 *phys, u64 *size, char *err, size_t errlen)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	EFI_FILE_HANDLE fh = NULL;
	u64 info_buf[FILE_INFO_BYTES / sizeof(u64)];
	UINTN info_size = sizeof(info_buf);
	EFI_STATUS st = dir->Open(dir, &fh, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);
	if (st == EFI_NOT_FOUND)
		return 1;
	if (EFI_ERROR(st))
		FAIL("%s: cannot open: %s", shown, efi_status_name(st));
	int rc = -1;
	st = fh->GetInfo(fh, &info_guid, &info_size, info_buf);
	const EFI_FILE_INFO *info = (const EFI_FILE_INFO *)info_buf;
	if (EFI_ERROR(st)) {
		fmt_snprintf(err, errlen, "%s: cannot read its directory entry: %s", shown, efi_status_name(st));
	} else if (info->Attribute & EFI_FILE_DIRECTORY) {
		fmt_snprintf(err, errlen, "%s is a directory, not a file", shown);
	} else if (max_size && info->FileSize > max_size) {
		fmt_snprintf(err, errlen, "%s: %llu bytes, more than the %llu %s", shown, (unsigned long long)info->FileSize,
		             (unsigned long long)max_size, max_what);
	} else {
		u64 pages = ALIGN_UP(info->FileSize, PAGE_SIZE) / PAGE_SIZE;
		if (pages == 0)
			pages = 1;
		if (efi_alloc_pages(pages, phys, shown, err, errlen) == 0) {
			rc = read_all(fh, (u8 *)(uintptr_t)*phys, info->FileSize, shown, err, errlen);
			if (rc)
				efi_free_pages(*phys, pages);
			*size = info->FileSize;
		}
	}
	fh->Close(fh);
	return rc;
}

u32 efi_crc32(const void *data, u64 size)
{
	UINT32 crc = 0;
	if (EFI_ERROR(ldr_bs->CalculateCrc32((void *)data, size, &crc)))
		return 0;
	return crc;
}

int efi_map_read(struct efi_map *m, UINTN slack, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		UINTN size = 0, key = 0, dsize = 0;
		UINT32 dver = 0;
		EFI_STATUS st = ldr_bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
		if (st != EFI_BUFFER_TOO_SMALL)
			FAIL("GetMemoryMap gave no size: %s", efi_status_name(st));
		if (dsize < sizeof(EFI_MEMORY_DESCRIPTOR))
			dsize = sizeof(EFI_MEMORY_DESCRIPTOR) + 16;
		efi_free_pages((u64)(uintptr_t)m->buf, m->buf_pages);
		m->buf = NULL;
		m->buf_pages = ALIGN_UP(size + (slack + 4) * dsize, PAGE_SIZE) / PAGE_SIZE;
		u64 phys;
		if (efi_alloc_pages(m->buf_pages, &phys, "the memory map", err, errlen)) {
			m->buf_pages = 0;
			return -1;
		}
		m->buf = (u8 *)(uintptr_t)phys;
		m->cap = m->buf_pages * PAGE_SIZE;
		st = efi_map_refresh(m);
		if (st == EFI_SUCCESS)
			return 0;
		if (st != EFI_BUFFER_TOO_SMALL)
			FAIL("GetMemoryMap failed: %s", efi_status_name(st));
	}
	FAIL("the memory map kept growing while it was read");
}

EFI_STATUS efi_map_refresh(struct efi_map *m)
{
	UINT32 dver = 0;
	m->size = m->cap;
	return ldr_bs->GetMemoryMap(&m->size, (EFI_MEMORY_DESCRIPTOR *)m->buf, &m->key, &m->desc_size, &dver);
}

/* LoaderData holds the core, boot_info, the page tables and the modules: the core must keep it. */
static u32 boot_type(u32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiLoaderCode: return BOOT_MEM_USABLE;
	case EfiACPIReclaimMemory: return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS: return BOOT_MEM_ACPI_NVS;
	case EfiUnusableMemory: return BOOT_MEM_BAD;
	default: return BOOT_MEM_RESERVED;
	}
}

u32 efi_map_convert(const struct efi_map *m, struct boot_info *bi, u64 *highest_end)
{
	u32 dropped = 0;
	bi->mmap_count = 0;
	*highest_end = 0;
	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(m->buf + off);
		u64 len = d->NumberOfPages * PAGE_SIZE, end = d->PhysicalStart + len;
		if (end > *highest_end)
			*highest_end = end;
		if (memmap_add(bi, d->PhysicalStart, len, boot_type(d->Type)))
			dropped++;
	}
	return dropped;
}

u64 efi_acpi_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	u64 v1 = 0;
	for (UINTN i = 0; i < ldr_st->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &ldr_st->ConfigurationTable[i];
		if (!memcmp(&t->VendorGuid, &acpi20, sizeof(EFI_GUID)))
			return (u64)(uintptr_t)t->VendorTable;
		if (!memcmp(&t->VendorGuid, &acpi10, sizeof(EFI_GUID)))
			v1 = (u64)(uintptr_t)t->VendorTable;
	}
	return v1;
}
