/* Writes a VirtualBox-layout core byte by byte, without guestcore: the
 * independent producer of the golden 'inspect' test's VirtualBox cores.
 *   mkvboxcore 7 OUT      VBCORE/VBCPU as VirtualBox 7.x writes them
 *   mkvboxcore 2010 OUT   VBOXCORE/VBOXCPU as the 2010 writer did
 * One 64 KiB RAM range with a pattern and one MMIO range without bytes. */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAM 0x10000u

static unsigned char file[0x20000];
static size_t at;

static void put(const void *p, size_t n)
{
	memcpy(file + at, p, n);
	at += n;
}

static void pad(size_t align)
{
	while (at % align)
		file[at++] = 0;
}

/* Name and descriptor each padded to ALIGN, counted from where they start. */
static void note(const char *name, uint32_t namesz, uint32_t type, const void *desc, uint32_t descsz,
		 size_t align)
{
	size_t name_area = (strlen(name) + 1 + align - 1) / align * align;
	size_t desc_area = (descsz + align - 1) / align * align;

	put(&namesz, 4);
	put(&descsz, 4);
	put(&type, 4);
	memset(file + at, 0, name_area);
	memcpy(file + at, name, strlen(name));
	at += name_area;
	memset(file + at, 0, desc_area);
	memcpy(file + at, desc, descsz);
	at += desc_area;
}

int main(int argc, char **argv)
{
	bool old = argc == 3 && strcmp(argv[1], "2010") == 0;
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[3];
	uint32_t core[6] = { 0xc01ac0de, old ? 0x00010000 : 0x00010006, 24, (7u << 24) | (0u << 16) | 14, 161095, 1 };
	static unsigned char cpu[8776];
	size_t notes_at, notes_end, data_at;
	FILE *f;

	if (argc != 3 || (!old && strcmp(argv[1], "7") != 0)) {
		fprintf(stderr, "usage: mkvboxcore 7|2010 OUT\n");
		return 2;
	}
	/* DBGFCORECPU: rip 0x70, rsp 0x78, rflags 0x88, cs.uSel 0xa0, cr0 0x120,
	 * cr3 0x130, gdtr 0x180, msrEFER 0x1e8, cbExt 0x240. */
	*(uint64_t *)(cpu + 0x70) = 0xffffffff81000000ull;
	*(uint64_t *)(cpu + 0x78) = 0xffffc90000003f00ull;
	*(uint64_t *)(cpu + 0x88) = 0x202;
	*(uint16_t *)(cpu + 0xa0) = 0x10;
	*(uint32_t *)(cpu + 0x9c) = 0xa09b;
	*(uint64_t *)(cpu + 0x120) = 0x80050033;
	*(uint64_t *)(cpu + 0x130) = 0x1000;
	*(uint64_t *)(cpu + 0x180) = 0xfffffe0000001000ull;
	*(uint32_t *)(cpu + 0x188) = 0x7f;
	*(uint64_t *)(cpu + 0x1e8) = 0xd01;
	*(uint32_t *)(cpu + 0x240) = 0x240;

	at = sizeof(eh) + sizeof(ph);
	notes_at = at;
	if (old) {
		note("VBOXCORE", 9, 0xb00, core, 24, 4);
		note("VBOXCPU", 8, 0xb01, cpu, 0x300, 4); /* a raw CPUMCTX of its day */
	} else {
		/* n_namesz without the NUL, which is still written. */
		note("VBCORE", 6, 0xb00, core, 24, 8);
		note("VBCPU", 5, 0xb01, cpu, sizeof(cpu), 8);
	}
	notes_end = at;
	pad(4096);
	data_at = at;
	for (size_t i = 0; i < RAM; i++)
		file[at + i] = (unsigned char)(i * 13 + (i >> 8));
	memcpy(file + at + 0x100, "VirtualBox test guest memory", 28);
	at += RAM;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = old ? 0 : EV_CURRENT; /* the 2010 writer never set it */
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	memset(ph, 0, sizeof(ph));
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = notes_at;
	ph[0].p_filesz = ph[0].p_memsz = notes_end - notes_at;
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R;
	ph[1].p_offset = data_at;
	ph[1].p_paddr = 0;
	ph[1].p_filesz = ph[1].p_memsz = RAM;
	ph[2].p_type = PT_LOAD;
	ph[2].p_flags = PF_R;
	ph[2].p_offset = data_at + RAM;
	ph[2].p_paddr = 0xa0000;
	ph[2].p_memsz = 0x20000;
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), ph, sizeof(ph));
	f = fopen(argv[2], "wb");
	if (!f || fwrite(file, 1, at, f) != at || fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
