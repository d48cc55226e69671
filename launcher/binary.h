/*
 * binary.h: what the launcher can tell about a program before running it:
 * whether the dynamic loader (and so LD_PRELOAD) will be involved at all,
 * and which shared libraries it asks for.
 */
#ifndef ST_BINARY_H
#define ST_BINARY_H

#include <stdbool.h>
#include <stddef.h>

enum st_binary_kind { ST_BIN_DYNAMIC, ST_BIN_STATIC, ST_BIN_SCRIPT, ST_BIN_UNKNOWN };

/* ELF with a PT_INTERP header (dynamic), ELF without (static), or a #!
 * script, whose interpreter's path goes into interp. */
enum st_binary_kind st_inspect_binary(const char *file, char *interp, size_t cap);
/* True when the ELF file's dynamic section names a library (DT_NEEDED)
 * whose name starts with prefix. */
bool st_binary_needs(const char *file, const char *prefix);

#endif
