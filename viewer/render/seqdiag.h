/*
 * seqdiag.h: what the sequence diagram outputs (mermaid.c, plantuml.c)
 * share: the walk over the model that makes a diagram (a participant per
 * process, an arrow per connect, data, datagram, EOF and reset link, a note
 * per long wait, the rest folded into one note after the first N arrows),
 * and the escaping of labels.  Each output is a dialect: the words of its
 * syntax and how it writes a character its parser treats specially.
 */
#ifndef ST_SEQDIAG_H
#define ST_SEQDIAG_H

#include <stdio.h>

#include "model/model.h"
#include "render/render.h"

/* Arrows drawn before the rest is folded, unless --exchanges says. */
#define ST_SEQ_EXCHANGES 100
/* Waits at least this long get a note. */
#define ST_SEQ_WAIT_NS 10000000

struct st_seq_dialect {
	const char *head;	/* the first lines */
	const char *tail;	/* the last lines */
	const char *indent;	/* before each statement */
	/* participant: printf-like parts around the id and the name */
	const char *part_pre, *part_mid, *part_post;
	bool name_first;	/* the name comes before the id */
	const char *solid, *dashed;	/* arrows */
	const char *note_over;	/* "Note over " */
	const char *note_and;	/* between two participants of a note */
	const char *label_sep;	/* before a label: ": " */
	/* A character its parser treats specially, as an entity: its code
	 * between these, in decimal (Mermaid "#35;") or four hex digits
	 * (PlantUML "<U+0023>"). */
	const char *entity_pre, *entity_post;
	bool entity_hex;
};

int st_render_seqdiag(FILE *fp, const struct st_model *m,
		      const struct st_render_opts *o,
		      const struct st_seq_dialect *d);

#endif
