#include "render.h"
int st_render_svg(FILE *fp, const struct st_model *m, const struct st_render_opts *o)
{
	(void)fp; (void)m; (void)o;
	return 0;
}
