/* UEFI loader (BOOTX64.EFI): loads the hypervisor, kernel and initrd named in \hv\loader.cfg,
 * fills struct bootinfo, exits boot services, jumps to the hypervisor. Runs as a UEFI app. */
/* Design, memory types and error behaviour: docs/boot-uefi.md. */
#include "loader.h"
#include "drtm.h"
#include "memmap.h"

#define CFG_MAX (64 * 1024)
#define FILE_MAX (1ul << 30)		/* no single file above 1 GiB */
#define READ_CHUNK (4 * LDR_MIB)
#define MOD_MAX_ADDR 0xfffffffful	/* modules below 4 GiB */
#define ERROR_DELAY_US 3000000		/* time to read an error before returning */

/*
 * The hand-off block: one allocation below 1 MiB holding everything the
 * hypervisor's entry needs and reads before it has its own tables. Pages:
 * 0 trampoline, a copy of the firmware's GDT, its GDTR and a small stack;
 * 1-2 struct bootinfo; 3 PML4; 4 PDPT; 5-8 page directories (4 GiB of
 * 2 MiB pages).
 */
#define BLK_PAGES 9
#define BLK_TRAMP_MAX 0x800
#define BLK_GDT 0x800
#define BLK_GDT_MAX 0x600
#define BLK_GDTR 0xe00
#define BLK_STACK_TOP 0x1000
#define BLK_BOOTINFO (1 * LDR_PAGE)
#define BLK_PML4 (3 * LDR_PAGE)
#define BLK_PDPT (4 * LDR_PAGE)
#define BLK_PD (5 * LDR_PAGE)
#define BLK_LOW_MAX 0x9fffful		/* conventional memory ends at 640 KiB */
#define BLK_FALLBACK_MAX (16 * LDR_MIB - 1)

_Static_assert(sizeof(struct bootinfo) <= 2 * LDR_PAGE, "bootinfo fits in two pages");

/*
 * Low pages the hypervisor writes when it starts Linux (GUEST_* in
 * hypervisor/core/linux.c), while it still reads the bootinfo: the block
 * must not overlap them. Everything else it writes goes higher: its pool
 * (16+ MiB, highest RAM below 4 GiB), the kernel at pref_address (16 MiB
 * for Debian's), the initrd at the highest free RAM below its limit.
 */
static const u64 hv_low_use[][2] = {
	{ 0x1000, 0x2000 }, { 0x7000, 0x8000 }, { 0x9000, 0xf000 }, { 0x20000, 0x21000 },
};

#define PTE_P (1ul << 0)
#define PTE_RW (1ul << 1)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_PS (1ul << 7)
#define CR4_LA57 (1ul << 12)

/* Linux boot protocol header fields (Documentation/arch/x86/boot.rst). */
#define BZ_BOOT_FLAG 0x1fe
#define BZ_HEADER 0x202
#define BZ_VERSION 0x206
#define BZ_PREF_ADDRESS 0x258
#define BZ_INIT_SIZE 0x260

EFI_SYSTEM_TABLE *ldr_st;
EFI_BOOT_SERVICES *ldr_bs;

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;
static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

/* ---- configuration (\hv\loader.cfg) */

static struct ldr_cfg cfg;

/* ---- allocations, undone when the loader returns to the firmware */

static struct {
	u64 base, pages;
} allocs[8];
static unsigned nallocs;
static void *pools[4];
static unsigned npools;

static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, u64 pages,
			      u64 *addr)
{
	EFI_PHYSICAL_ADDRESS a = *addr;
	EFI_STATUS st;

	if (nallocs == sizeof(allocs) / sizeof(allocs[0]))
		return EFI_OUT_OF_RESOURCES;
	st = ldr_bs->AllocatePages(how, type, pages, &a);
	if (EFI_ERROR(st))
		return st;
	allocs[nallocs].base = a;
	allocs[nallocs++].pages = pages;
	*addr = a;
	return EFI_SUCCESS;
}

static void free_last_pages(void)
{
	nallocs--;
	ldr_bs->FreePages(allocs[nallocs].base, allocs[nallocs].pages);
}

static EFI_STATUS alloc_pool(UINTN size, void **p)
{
	EFI_STATUS st;

	if (npools == sizeof(pools) / sizeof(pools[0]))
		return EFI_OUT_OF_RESOURCES;
	st = ldr_bs->AllocatePool(EfiLoaderData, size, p);
	if (!EFI_ERROR(st))
		pools[npools++] = *p;
	return st;
}

static void free_pool(void *p)
{
	for (unsigned i = 0; i < npools; i++) {
		if (pools[i] == p) {
			ldr_bs->FreePool(p);
			pools[i] = pools[--npools];
			return;
		}
	}
}

static void free_all(void)
{
	while (npools)
		free_pool(pools[npools - 1]);
	while (nallocs)
		free_last_pages();
}

/* ---- files on the loader's own volume (UEFI 2.10 9.1, 13.4, 13.5) */

static EFI_FILE_HANDLE root;

static EFI_STATUS open_root(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE_PROTOCOL *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = ldr_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li);
	if (EFI_ERROR(st)) {
		lerror(st, "no loaded-image protocol on the loader's handle");
		return st;
	}
	st = ldr_bs->HandleProtocol(li->DeviceHandle, &simple_fs_guid, (void **)&fs);
	if (EFI_ERROR(st)) {
		lerror(st, "the loader's device has no file system");
		return st;
	}
	st = fs->OpenVolume(fs, &root);
	if (EFI_ERROR(st))
		lerror(st, "cannot open the loader's volume");
	return st;
}

/* Open a file by its path in the configuration ('/' or '\' separators). */
static EFI_STATUS file_open(const char *path, EFI_FILE_HANDLE *fh, u64 *size)
{
	CHAR16 wpath[BOOTINFO_CMDLINE];
	union {
		EFI_FILE_INFO info;
		u8 raw[sizeof(EFI_FILE_INFO) + 512];
	} fi;
	UINTN fisz = sizeof(fi);
	UINTN i;
	EFI_STATUS st;

	for (i = 0; path[i] && i + 1 < BOOTINFO_CMDLINE; i++)
		wpath[i] = path[i] == '/' ? L'\\' : (CHAR16)path[i];
	wpath[i] = 0;
	st = root->Open(root, fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		lerror(st, "cannot open %s", path);
		return st;
	}
	st = (*fh)->GetInfo(*fh, &file_info_guid, &fisz, &fi);
	if (EFI_ERROR(st)) {
		lerror(st, "cannot get the size of %s", path);
		goto close;
	}
	if (fi.info.Attribute & EFI_FILE_DIRECTORY) {
		st = EFI_NOT_FOUND;
		lerror(st, "%s is a directory", path);
		goto close;
	}
	if (!fi.info.FileSize || fi.info.FileSize > FILE_MAX) {
		st = EFI_BAD_BUFFER_SIZE;
		lerror(st, "%s: size %lu is not in 1..%lu bytes", path, fi.info.FileSize, FILE_MAX);
		goto close;
	}
	*size = fi.info.FileSize;
	return EFI_SUCCESS;
close:
	(*fh)->Close(*fh);
	return st;
}

static EFI_STATUS file_read(EFI_FILE_HANDLE fh, const char *path, void *buf, u64 size)
{
	u8 *p = buf;

	while (size) {
		UINTN n = size < READ_CHUNK ? size : READ_CHUNK;
		EFI_STATUS st = fh->Read(fh, &n, p);

		if (EFI_ERROR(st)) {
			lerror(st, "cannot read %s", path);
			return st;
		}
		if (!n) {
			lerror(EFI_END_OF_FILE, "%s is shorter than its size", path);
			return EFI_END_OF_FILE;
		}
		p += n;
		size -= n;
	}
	return EFI_SUCCESS;
}

/* Read a whole file into pool memory, NUL-terminated. */
static EFI_STATUS file_to_pool(const char *path, u64 max, void **buf, u64 *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	st = file_open(path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	if (*size > max) {
		st = EFI_BAD_BUFFER_SIZE;
		lerror(st, "%s is larger than %lu bytes", path, max);
		goto out;
	}
	st = alloc_pool(*size + 1, buf);
	if (EFI_ERROR(st)) {
		lerror(st, "no memory for %s (%lu bytes)", path, *size);
		goto out;
	}
	st = file_read(fh, path, *buf, *size);
	if (EFI_ERROR(st))
		free_pool(*buf);
	else
		((u8 *)*buf)[*size] = 0;
out:
	fh->Close(fh);
	return st;
}

/* Read a whole file into fresh EfiLoaderData pages below 4 GiB. */
static EFI_STATUS file_to_pages(const char *path, u64 *base, u64 *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	st = file_open(path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	*base = MOD_MAX_ADDR;
	st = alloc_pages(AllocateMaxAddress, EfiLoaderData, LDR_PAGES(*size), base);
	if (EFI_ERROR(st)) {
		lerror(st, "no memory below 4 GiB for %s (%lu bytes)", path, *size);
		goto out;
	}
	st = file_read(fh, path, (void *)*base, *size);
out:
	fh->Close(fh);
	return st;
}

static EFI_STATUS read_config(void)
{
	void *text;
	u64 size;
	EFI_STATUS st;

	st = file_to_pool(CFG_PATH, CFG_MAX, &text, &size);
	if (EFI_ERROR(st))
		return st;
	if (strlen(text) != size) {
		free_pool(text);
		lerror(EFI_INVALID_PARAMETER, CFG_PATH " is not a text file");
		return EFI_INVALID_PARAMETER;
	}
	st = cfg_parse(text, size, &cfg);
	free_pool(text);
	return st;
}

/* ---- the hand-off block */

static u8 *blk;

static int clashes_low_use(u64 base, u64 len)
{
	for (unsigned i = 0; i < sizeof(hv_low_use) / sizeof(hv_low_use[0]); i++)
		if (base < hv_low_use[i][1] && hv_low_use[i][0] < base + len)
			return 1;
	return 0;
}

/*
 * Below 640 KiB, clear of the hypervisor's fixed low pages, first: nothing
 * the hypervisor places can reach it (see hv_low_use). EDK2 hands out the
 * highest free pages below the limit. If low memory is taken, below 16 MiB
 * (under the usual kernel pref_address, far below the pool and initrd,
 * which go as high as RAM allows).
 */
static EFI_STATUS alloc_block(void)
{
	u64 a = BLK_LOW_MAX;
	EFI_STATUS st;

	st = alloc_pages(AllocateMaxAddress, EfiLoaderData, BLK_PAGES, &a);
	if (!EFI_ERROR(st) && clashes_low_use(a, BLK_PAGES * LDR_PAGE)) {
		free_last_pages();
		st = EFI_OUT_OF_RESOURCES;
	}
	if (EFI_ERROR(st)) {
		a = BLK_FALLBACK_MAX;
		st = alloc_pages(AllocateMaxAddress, EfiLoaderData, BLK_PAGES, &a);
		if (!EFI_ERROR(st) && a < LDR_MIB) {
			free_last_pages();
			st = EFI_OUT_OF_RESOURCES;
		}
	}
	if (EFI_ERROR(st)) {
		lerror(st, "no %u pages below 16 MiB for the boot information", BLK_PAGES);
		return st;
	}
	blk = (u8 *)a;
	memset(blk, 0, BLK_PAGES * LDR_PAGE);
	return EFI_SUCCESS;
}

/*
 * The trampoline, and a byte-for-byte copy of the firmware's GDT (SDM
 * Vol. 3A 3.5.1) so that the loaded selectors and the firmware's IDT gates
 * stay valid while the original, in boot-services memory, becomes RAM. A
 * GDT too large for the block stays where it is: the hypervisor loads its
 * own before it writes anywhere but its image.
 */
static EFI_STATUS block_prepare(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) fw;

	if (ldr_tramp_end - ldr_tramp > BLK_TRAMP_MAX) {
		lerror(EFI_BAD_BUFFER_SIZE, "the trampoline is larger than %u bytes", BLK_TRAMP_MAX);
		return EFI_BAD_BUFFER_SIZE;
	}
	memcpy(blk, ldr_tramp, (UINTN)(ldr_tramp_end - ldr_tramp));
	__asm__ volatile("sgdt %0" : "=m"(fw));
	if ((u32)fw.limit + 1 <= BLK_GDT_MAX) {
		memcpy(blk + BLK_GDT, (const void *)fw.base, (u32)fw.limit + 1);
		fw.base = (u64)(blk + BLK_GDT);
	}
	memcpy(blk + BLK_GDTR, &fw, sizeof(fw));
	return EFI_SUCCESS;
}

static int mem_is_ram(const struct bootinfo *bi, u64 base, u64 len)
{
	for (u32 i = 0; i < bi->n_mem; i++)
		if (bi->mem[i].type == E820_RAM && base >= bi->mem[i].base &&
		    base + len <= bi->mem[i].base + bi->mem[i].len)
			return 1;
	return 0;
}

/*
 * Identity map of the first 4 GiB with 2 MiB pages (SDM Vol. 3A 4.5),
 * write-back for RAM and uncached elsewhere, as the hypervisor's own
 * tables (hypervisor/core/paging.c). Built after ExitBootServices from the
 * final map; pure memory writes into the block.
 */
static void block_page_tables(const struct bootinfo *bi)
{
	u64 *pml4 = (u64 *)(blk + BLK_PML4);
	u64 *pdpt = (u64 *)(blk + BLK_PDPT);
	u64 *pd = (u64 *)(blk + BLK_PD);

	for (u64 i = 0; i < 4 * 512; i++) {
		u64 pa = i << 21;

		pd[i] = pa | PTE_P | PTE_RW | PTE_PS |
			(mem_is_ram(bi, pa, 2 * LDR_MIB) ? 0 : PTE_PCD | PTE_PWT);
	}
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = ((u64)pd + i * LDR_PAGE) | PTE_P | PTE_RW;
	pml4[0] = (u64)pdpt | PTE_P | PTE_RW;
}

/* ---- images */

static EFI_STATUS load_hypervisor(struct bootinfo *bi, u64 *entry)
{
	const struct hv_image_header *h;
	struct ldr_elf e;
	void *file;
	u64 size, at;
	EFI_STATUS st;

	st = file_to_pool(cfg.hv, LDR_HV_MAX_SIZE, &file, &size);
	if (EFI_ERROR(st))
		return st;
	if (elf_check(file, size, &e)) {
		st = EFI_LOAD_ERROR;
		lerror(st, "%s is not a hypervisor image this loader can start", cfg.hv);
		goto out;
	}
	/* EfiLoaderCode: RAM in the final map (the hypervisor itself reserves
	 * its range from the guest), executable under firmware NX policies. */
	at = e.lo;
	st = alloc_pages(AllocateAddress, EfiLoaderCode, (e.hi - e.lo) / LDR_PAGE, &at);
	if (EFI_ERROR(st)) {
		lerror(st, "the hypervisor's range %lx-%lx is not free memory", e.lo, e.hi);
		goto out;
	}
	elf_copy(file, &e);
	h = elf_find_header(&e);
	if (!h) {
		st = EFI_LOAD_ERROR;
		lerror(st, "%s has no usable image header", cfg.hv);
		goto out;
	}
	*entry = h->entry64;
	bi->image_base = h->image_start;
	bi->image_size = h->image_end - h->image_start;
	lprintf("hypervisor %s: %lx-%lx, entry %lx\n", cfg.hv, h->image_start, h->image_end,
		h->entry64);
out:
	free_pool(file);
	return st;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static EFI_STATUS load_modules(struct bootinfo *bi)
{
	struct bootinfo_mod *km = &bi->mods[BOOTINFO_MOD_KERNEL];
	struct bootinfo_mod *im = &bi->mods[BOOTINFO_MOD_INITRD];
	u64 pref, init_size;
	const u8 *k;
	u16 ver;
	EFI_STATUS st;

	st = file_to_pages(cfg.kernel, &km->base, &km->len);
	if (EFI_ERROR(st))
		return st;
	k = (const u8 *)km->base;
	if (km->len < 0x1000 || k[BZ_BOOT_FLAG] != 0x55 || k[BZ_BOOT_FLAG + 1] != 0xaa ||
	    memcmp(k + BZ_HEADER, "HdrS", 4)) {
		lerror(EFI_LOAD_ERROR, "%s is not a Linux bzImage", cfg.kernel);
		return EFI_LOAD_ERROR;
	}
	memcpy(&ver, k + BZ_VERSION, 2);
	if (ver < 0x020a) {
		lerror(EFI_LOAD_ERROR, "%s: boot protocol %x is older than 2.10", cfg.kernel, ver);
		return EFI_LOAD_ERROR;
	}
	/* The hypervisor moves the kernel to pref_address and reads the
	 * module's header afterwards: the module must not lie there. */
	pref = rd64(k + BZ_PREF_ADDRESS);
	init_size = (u32)rd64(k + BZ_INIT_SIZE);
	if (km->base < pref + init_size && pref < km->base + km->len) {
		lerror(EFI_OUT_OF_RESOURCES, "%s landed at %lx, inside its own run range %lx-%lx",
		       cfg.kernel, km->base, pref, pref + init_size);
		return EFI_OUT_OF_RESOURCES;
	}
	memcpy(km->string, KERNEL_WORD, strlen(KERNEL_WORD) + 1);
	if (cfg.cmdline[0]) {
		UINTN n = strlen(KERNEL_WORD);

		km->string[n] = ' ';
		memcpy(km->string + n + 1, cfg.cmdline, strlen(cfg.cmdline) + 1);
	}
	bi->n_mods = 1;
	lprintf("kernel %s: %lu bytes at %lx\n", cfg.kernel, km->len, km->base);

	if (!cfg.initrd[0])
		return EFI_SUCCESS;
	st = file_to_pages(cfg.initrd, &im->base, &im->len);
	if (EFI_ERROR(st))
		return st;
	memcpy(im->string, "initrd", 7);
	bi->n_mods = 2;
	lprintf("initrd %s: %lu bytes at %lx\n", cfg.initrd, im->len, im->base);
	return EFI_SUCCESS;
}

/* ACPI RSDP from the configuration table (UEFI 2.10 4.6.1.1): ACPI 2.0+
 * first, then 1.0. */
static u64 find_rsdp(void)
{
	for (int pass = 0; pass < 2; pass++) {
		EFI_GUID *want = pass ? &acpi10_guid : &acpi20_guid;

		for (UINTN i = 0; i < ldr_st->NumberOfTableEntries; i++) {
			EFI_CONFIGURATION_TABLE *t = &ldr_st->ConfigurationTable[i];

			if (!memcmp(&t->VendorGuid, want, sizeof(EFI_GUID)))
				return (u64)t->VendorTable;
		}
	}
	return 0;
}

/*
 * DRTM launch request: the place for the next issue; does nothing yet.
 *
 * Called with boot services still running, after the images and the boot
 * information are in place and before the final memory map is taken,
 * because preparing a DRTM launch needs the firmware: allocating the
 * launch block (SKINIT SLB, or TXT heap and MLE page table), reading the
 * SINIT ACM from the ESP, finding the TPM and its event log through
 * EFI_TCG2_PROTOCOL. It can still fail with a message and return to the
 * firmware, and what it allocates is in the final map. The launch itself
 * (SKINIT / GETSEC[SENTER]) needs the firmware gone, interrupts off and
 * the other CPUs parked: it replaces the plain jump in ldr_enter(), which
 * is also the only place that may set BOOTINFO_F_DRTM.
 */
static EFI_STATUS drtm_request(struct bootinfo *bi, u64 entry)
{
	(void)bi;
	(void)entry;
	/* The emulated chipset needs nothing from the firmware but a TSC
	 * rate for its timeout (docs/drtm.md). */
	drtm_calibrate();
	return EFI_SUCCESS;
}

/* ---- exit and hand-off */

static void __attribute__((noreturn)) ldr_hang(const char *msg)
{
	ldr_com1_puts(msg);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void __attribute__((noreturn)) ldr_enter(struct bootinfo *bi, u64 entry)
{
	u64 stack = (u64)blk + BLK_STACK_TOP;
	u64 tramp = (u64)blk;
	u64 cr3 = (u64)blk + BLK_PML4;
	u64 gdtr = (u64)blk + BLK_GDTR;

	/* The emulated DRTM measures [image_base, image_base + image_size)
	 * into PCR 17; nothing writes there between it and this jump. */
	drtm_launch(bi);
	__asm__ volatile("movq %[stk], %%rsp\n\t"
			 "jmpq *%[tramp]"
			 :
			 : [stk] "r"(stack), [tramp] "r"(tramp), "D"(bi), "S"(entry), "d"(cr3),
			   "c"(gdtr)
			 : "memory");
	__builtin_unreachable();
}

/*
 * GetMemoryMap + ExitBootServices (UEFI 2.10 7.2, 7.4). Between the two
 * nothing may change the map: no allocation, no printing. On
 * EFI_INVALID_PARAMETER (the map changed under us) fetch a fresh map into
 * the same buffer and try once more. Returns only on failure, and then
 * boot services are still usable only if the first call failed.
 */
static EFI_STATUS exit_and_enter(EFI_HANDLE image, struct bootinfo *bi, u64 entry)
{
	UINTN size = 0, key, dsize, cap;
	UINT32 dver;
	void *map = NULL;
	EFI_STATUS st;
	int dropped;

	st = ldr_bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		lerror(st, "GetMemoryMap did not report its size");
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	cap = size + 16 * dsize;	/* room for what this allocation adds */
	st = alloc_pool(cap, &map);
	if (EFI_ERROR(st)) {
		lerror(st, "no memory for the memory map");
		return st;
	}
	lprintf("exiting boot services; hypervisor entry %lx, bootinfo %lx\n", entry, (u64)bi);
	for (int attempt = 0;; attempt++) {
		size = cap;
		st = ldr_bs->GetMemoryMap(&size, map, &key, &dsize, &dver);
		if (EFI_ERROR(st)) {
			if (!attempt) {
				lerror(st, "GetMemoryMap failed");
				return st;
			}
			ldr_hang("loader: ERROR: GetMemoryMap failed after a failed "
				 "ExitBootServices; halting\n");
		}
		st = ldr_bs->ExitBootServices(image, key);
		if (!EFI_ERROR(st))
			break;
		if (st != EFI_INVALID_PARAMETER || attempt)
			ldr_hang("loader: ERROR: ExitBootServices failed; halting\n");
	}

	/* Boot services are gone: from here only memory writes and the jump. */
	__asm__ volatile("cli");
	bi->n_mem = mm_convert(map, size, dsize, bi->mem, BOOTINFO_MAX_MEM, &dropped);
	if (!bi->n_mem)
		ldr_hang("loader: ERROR: the firmware's memory map is empty; halting\n");
	if (dropped)
		ldr_com1_puts("loader: warning: memory map longer than BOOTINFO_MAX_MEM; "
			      "highest ranges dropped\n");
	block_page_tables(bi);
	ldr_enter(bi, entry);
}

static EFI_STATUS ldr_run(EFI_HANDLE image)
{
	struct bootinfo *bi;
	u64 entry = 0, cr4;
	EFI_STATUS st;

	st = open_root(image);
	if (EFI_ERROR(st))
		return st;
	st = read_config();
	if (EFI_ERROR(st))
		return st;
	__asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
	if (cr4 & CR4_LA57) {
		lerror(EFI_UNSUPPORTED, "5-level paging is on; the hand-off builds 4-level tables");
		return EFI_UNSUPPORTED;
	}
	st = alloc_block();
	if (EFI_ERROR(st))
		return st;
	bi = (struct bootinfo *)(blk + BLK_BOOTINFO);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->flags = BOOTINFO_F_UEFI;
	memcpy(bi->cmdline, cfg.hv_cmdline, strlen(cfg.hv_cmdline) + 1);

	st = load_hypervisor(bi, &entry);
	if (EFI_ERROR(st))
		return st;
	st = load_modules(bi);
	if (EFI_ERROR(st))
		return st;
	bi->rsdp = find_rsdp();
	if (!bi->rsdp)
		lprintf("warning: no ACPI RSDP in the configuration table\n");
	st = block_prepare();
	if (EFI_ERROR(st))
		return st;
	st = drtm_request(bi, entry);
	if (EFI_ERROR(st))
		return st;
	return exit_and_enter(image, bi, entry);
}

/* Called by gnu-efi's crt0 (a SysV call) after it relocated the image. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_STATUS ret;

	ldr_st = st;
	ldr_bs = st->BootServices;
	lprintf("two-way isolation hypervisor loader; config " CFG_PATH "\n");
	ret = ldr_run(image);
	/* Only failures come back: leave the message up, undo, return. */
	if (root)
		root->Close(root);
	free_all();
	lprintf("returning to the firmware (%s) in %u s\n", ldr_status_name(ret), ERROR_DELAY_US / 1000000);
	ldr_bs->Stall(ERROR_DELAY_US);
	return ret;
}
