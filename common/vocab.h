/*
 * vocab.h: the vocabulary both sides share, expanded from the two tables
 * common/calls.def (the calls) and common/protos.def (the protocols).
 * Pure: constant tables only.
 */
#ifndef ST_VOCAB_H
#define ST_VOCAB_H

#include <stdbool.h>
#include <stdint.h>

/* The calls a DATA frame can name (the FRAME rows of calls.def): the
 * frame's aux.  The JSON writer handles the others. */
enum st_dcall {
#define FRAME(id, tag) ST_DC_##tag = id,
#define NOFRAME
#define CALL(name, group, frame, view) frame
#include "calls.def"
#undef FRAME
#undef NOFRAME
};

/* How many: the FRAME rows.  With st_dcall_names (vocab.c), which has this
 * many entries and is initialized by id, the compiler checks that the ids
 * are 0 .. ST_DC_COUNT - 1, each once. */
enum {
	ST_DC_COUNT = 0
#define FRAME(id, tag) + 1
#define NOFRAME
#define CALL(name, group, frame, view) frame
#include "calls.def"
#undef FRAME
#undef NOFRAME
};

/* The call names, indexed by enum st_dcall. */
extern const char *const st_dcall_names[ST_DC_COUNT];

/* The protocols of protos.def; ST_P_NONE is no socket at all. */
enum st_proto {
	ST_P_NONE,
#define PROTO(id, name, kind) ST_P_##id,
#include "protos.def"
	ST_P_COUNT
};

enum st_proto_kind { ST_PK_STREAM, ST_PK_DGRAM, ST_PK_OTHER };

/* The logged name of each protocol ("-" for ST_P_NONE), and its kind. */
extern const char *const st_proto_names[ST_P_COUNT];
extern const uint8_t st_proto_kinds[ST_P_COUNT];

/* The name of a protocol byte ("other" when out of range). */
static inline const char *st_proto_label(uint8_t proto)
{
	return st_proto_names[proto < ST_P_COUNT ? proto : ST_P_OTHER];
}

/* Stream protocols pair connect with accept. */
static inline bool st_proto_is_stream(uint8_t proto)
{
	return proto < ST_P_COUNT && st_proto_kinds[proto] == ST_PK_STREAM;
}

static inline bool st_proto_is_dgram(uint8_t proto)
{
	return proto < ST_P_COUNT && st_proto_kinds[proto] == ST_PK_DGRAM;
}

#endif
