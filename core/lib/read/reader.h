/* Reading cores inside libguestcore: what an open core holds, shared by the
 * reader (read/reader.c, with kdump/kdfile.c for kdump-compressed files) and the
 * validator (read/validate.c). */
#ifndef GUESTCORE_READER_H
#define GUESTCORE_READER_H

#include <gelf.h>
#include <libelf.h>

#include "../layout/layout.h"
#include "../kdump/kdfile.h"
#include "../core_limits.h"

/* More program headers, notes or note bytes than core_limits.h allows are
 * refused: the writer writes no more. */

struct gc_rnote {
	char *name;
	uint32_t namesz, type, descsz;
	uint64_t offset, desc_offset;
	const unsigned char *desc;
	const unsigned char *raw_name; /* n_namesz bytes, then padding */
	const unsigned char *data_end; /* end of the PT_NOTE bytes read */
	size_t segment;
	const struct guestcore_note_layout *layout;
};

/* A problem found while opening that validate reports (the reader went on). */
struct gc_rproblem {
	const char *id;
	uint64_t offset;
	char *message;
};

struct guestcore_core {
	int fd;
	bool own_fd;
	Elf *elf;
	const struct guestcore_layouts *layouts;
	struct guestcore_core_info info;
	GElf_Phdr *ph;          /* an ELF core's; a kdump file's come from gc_core_phdr() */
	size_t n_ph;
	size_t *loads;          /* ELF: the PT_LOADs with file bytes, by p_paddr */
	size_t n_loads;
	bool loads_overlap;     /* two of them overlap: read_phys walks the table */
	Elf_Data **note_data;   /* one per PT_NOTE read, owned by libelf */
	struct gc_rnote *notes;
	size_t n_notes;
	struct gc_rproblem *problems;
	size_t n_problems;
	void *map;              /* private mapping when libelf needed a fixed-up ident */
	size_t map_len;
	/* a kdump-compressed file: no libelf, its notes blob read whole */
	struct kd_file *kd;
	unsigned char *kd_notes;
};

/* Program header I (below n_ph) of C: an ELF core's own, or for a kdump
 * file its notes blob as a PT_NOTE (0) and its runs of page frames as
 * PT_LOADs, found through the run index (constant time in order). */
void gc_core_phdr(const struct guestcore_core *c, size_t i, GElf_Phdr *ret);

#endif
