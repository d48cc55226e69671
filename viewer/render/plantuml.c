/*
 * plantuml.c: the trace as a PlantUML sequence diagram
 * (`sockview --plantuml`): the same steps as the Mermaid one (seqdiag.c)
 * between @startuml and @enduml, `->` solid, `-->` dashed.  Characters
 * PlantUML's creole markup or its parser would read (`**`, `//`, `--`,
 * `\n`, `<tags>`, `$`, quotes) are written as `<U+XXXX>`, which PlantUML
 * draws as the character itself.
 */
#include "render/seqdiag.h"

static const struct st_seq_dialect plantuml = {
	.head = "@startuml\n",
	.tail = "@enduml\n",
	.indent = "",
	.part_pre = "participant \"",
	.part_mid = "\" as ",
	.part_post = "",
	.name_first = true,
	.solid = " -> ",
	.dashed = " --> ",
	.note_over = "note over ",
	.note_and = ", ",
	.label_sep = " : ",
	.entity_pre = "<U+",
	.entity_post = ">",
	.entity_hex = true,
};

int st_render_plantuml(FILE *fp, const struct st_model *m,
		       const struct st_render_opts *o)
{
	return st_render_seqdiag(fp, m, o, &plantuml);
}
