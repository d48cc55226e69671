/*
 * binary.c: reading just enough of an ELF file for the launcher's warnings
 * (see binary.h).  Only 64-bit ELF is read; anything else is "unknown" and
 * the launcher then says nothing.  Every offset read from the file is
 * checked against the file's size: the program may be anything.
 */
#include "binary.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool read_at(int fd, void *p, size_t n, uint64_t off, uint64_t size)
{
	return off <= size && n <= size - off && pread(fd, p, n, (off_t)off) == (ssize_t)n;
}

/* Opens file and reads its ELF header; -1 when it is not 64-bit ELF. */
static int open_elf(const char *file, Elf64_Ehdr *eh, uint64_t *size)
{
	struct stat sb;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !read_at(fd, eh, sizeof(*eh), 0, (uint64_t)sb.st_size) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return -1;
	}
	*size = (uint64_t)sb.st_size;
	return fd;
}

enum st_binary_kind st_inspect_binary(const char *file, char *interp, size_t cap)
{
	char head[256];
	Elf64_Ehdr eh;
	uint64_t size;
	ssize_t n;
	int fd, i;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ST_BIN_UNKNOWN;
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		char *s = head + 2, *e;

		head[n] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, " \t\n");
		snprintf(interp, cap, "%.*s", (int)(e - s), s);
		return ST_BIN_SCRIPT;
	}
	fd = open_elf(file, &eh, &size);
	if (fd < 0)
		return ST_BIN_UNKNOWN;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		/* A header we cannot read: say nothing rather than guess. */
		if (eh.e_phentsize < sizeof(ph) ||
		    !read_at(fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * eh.e_phentsize, size)) {
			close(fd);
			return ST_BIN_UNKNOWN;
		}
		if (ph.p_type == PT_INTERP) {
			close(fd);
			return ST_BIN_DYNAMIC;
		}
	}
	close(fd);
	return eh.e_phnum ? ST_BIN_STATIC : ST_BIN_UNKNOWN;
}

/* Finds the SHT_DYNAMIC section and its string table, then compares the
 * DT_NEEDED names. */
bool st_binary_needs(const char *file, const char *prefix)
{
	Elf64_Ehdr eh;
	Elf64_Shdr dyn, str;
	uint64_t size, k;
	bool found = false, have = false;
	int fd, i;

	fd = open_elf(file, &eh, &size);
	if (fd < 0)
		return false;
	for (i = 0; i < eh.e_shnum && !have && eh.e_shentsize >= sizeof(dyn); i++) {
		if (!read_at(fd, &dyn, sizeof(dyn), eh.e_shoff + (uint64_t)i * eh.e_shentsize, size))
			break;
		have = dyn.sh_type == SHT_DYNAMIC &&
		       read_at(fd, &str, sizeof(str), eh.e_shoff + (uint64_t)dyn.sh_link * eh.e_shentsize,
			       size);
	}
	for (k = 0; have && !found && k + sizeof(Elf64_Dyn) <= dyn.sh_size; k += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		char name[256];
		size_t pl = strlen(prefix);

		if (!read_at(fd, &d, sizeof(d), dyn.sh_offset + k, size) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag != DT_NEEDED || d.d_un.d_val >= str.sh_size || pl >= sizeof(name))
			continue;
		if (read_at(fd, name, pl, str.sh_offset + d.d_un.d_val, size) &&
		    memcmp(name, prefix, pl) == 0)
			found = true;
	}
	close(fd);
	return found;
}
