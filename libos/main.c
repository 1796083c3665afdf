/* The libOS's C entry (RDI = LIBOS_OFF_BOOT, on its own stack in the
 * identity-mapped low 4 MiB): check the boot page against the layout of
 * include/hv/libos.h, set up the CPU, then load and start the program. */
#include "fd.h"
#include "kernel.h"

struct libos_boot boot;
extern const struct libos_image_hdr libos_hdr;

static int in_range(uint64_t off, uint64_t size, uint64_t lo, uint64_t hi)
{
	return off >= lo && off <= hi && size <= hi - off;
}

static void check_boot(void)
{
	uint64_t top = boot.max_pages * LIBOS_PAGE;
	const char *bad = 0;

	if (boot.magic != LIBOS_BOOT_MAGIC || boot.version != LIBOS_BOOT_VERSION)
		bad = "magic or version";
	else if (boot.flags & ~LIBOS_BF_PREMAPPED)
		bad = "unknown flags";
	else if (boot.max_pages > LIBOS_MAX_PAGES || boot.max_pages * LIBOS_PAGE <= LIBOS_OFF_FILES)
		bad = "max_pages";
	else if (boot.image_off != LIBOS_OFF_IMAGE || boot.shared_off != LIBOS_OFF_SHARED ||
		 boot.shared_size != LIBOS_SHARED_SIZE)
		bad = "image or shared region placement";
	else if (!in_range(boot.program_off, boot.program_size, LIBOS_OFF_FILES, top) ||
		 (boot.manifest_size &&
		  !in_range(boot.manifest_off, boot.manifest_size, LIBOS_OFF_FILES, top)) ||
		 !in_range(boot.args_off, boot.args_size, LIBOS_OFF_FILES, top))
		bad = "file placement";
	else if ((boot.dyn_off & (LIBOS_PAGE - 1)) || boot.dyn_off < boot.args_off + boot.args_size ||
		 !in_range(boot.dyn_off, boot.mem_limit, LIBOS_OFF_FILES, top) ||
		 (boot.mem_limit & (LIBOS_PAGE - 1)))
		bad = "dynamic memory range";
	else if (boot.threads < 1 || boot.threads > MIEE_SLOTS_MAX)
		bad = "threads";
	if (bad)
		libos_abort(LIBOS_ABORT_BOOT, "libos: bad boot page: %s", bad);
}

void libos_main(uint64_t boot_off);
void libos_main(uint64_t boot_off)
{
	thread_boot();		/* the GS base the rest relies on */
	hc_init();
	if (boot_off != LIBOS_OFF_BOOT)
		libos_abort(LIBOS_ABORT_BOOT, "libos: entered with RDI 0x%lx, not the boot page", boot_off);
	/* Copied once: nothing after this reads the boot page again. */
	memcpy(&boot, (const void *)(uintptr_t)LIBOS_OFF_BOOT, sizeof(boot));
	check_boot();
	thread_init();
	if (libos_hdr.magic != LIBOS_IMAGE_MAGIC)
		libos_abort(LIBOS_ABORT_BOOT, "libos: image header magic");
	trap_init();
	mm_init();
	fd_init();		/* the forwarding layer's fd table: 0, 1, 2 */
	ckpt_boot();		/* the first host call: --restore resumes the saved program */
	exec_program();
}
