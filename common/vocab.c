/*
 * vocab.c: the names and kinds of vocab.h, expanded from calls.def and
 * protos.def.
 */
#include "vocab.h"

/* The frame column is pasted onto NAME_IF_: NAME_IF_NOFRAME(name) is
 * nothing, NAME_IF_FRAME(id, tag)(name) is [id] = "name". */
#define NAME_IF_NOFRAME(name)
#define NAME_IF_FRAME(id, tag) [id] = NAME_STR
#define NAME_STR(name) #name,
const char *const st_dcall_names[ST_DC_COUNT] = {
#define CALL(name, group, frame, view) NAME_IF_##frame(name)
#include "calls.def"
};

const char *const st_proto_names[ST_P_COUNT] = {
	[ST_P_NONE] = "-",
#define PROTO(id, name, kind) [ST_P_##id] = name,
#include "protos.def"
};

const uint8_t st_proto_kinds[ST_P_COUNT] = {
	[ST_P_NONE] = ST_PK_OTHER,
#define PROTO(id, name, kind) [ST_P_##id] = ST_PK_##kind,
#include "protos.def"
};
