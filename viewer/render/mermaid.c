/*
 * mermaid.c: the trace as a Mermaid sequence diagram (`sockview --mermaid`),
 * which GitHub and GitLab draw from a ```mermaid block: a participant per
 * process, `->>` for connects and data, `-->>` for EOF and resets, notes
 * for long waits (seqdiag.c).  Characters Mermaid treats specially are
 * written as its entity codes (`#59;` for `;`, `#35;` for `#`).
 */
#include "render/seqdiag.h"

static const struct st_seq_dialect mermaid = {
	.head = "sequenceDiagram\n",
	.tail = "",
	.indent = "    ",
	.part_pre = "participant ",
	.part_mid = " as ",
	.part_post = "",
	.name_first = false,
	.solid = "->>",
	.dashed = "-->>",
	.note_over = "Note over ",
	.note_and = ",",
	.label_sep = ": ",
	.entity_pre = "#",
	.entity_post = ";",
	.entity_hex = false,
};

int st_render_mermaid(FILE *fp, const struct st_model *m,
		      const struct st_render_opts *o)
{
	return st_render_seqdiag(fp, m, o, &mermaid);
}
