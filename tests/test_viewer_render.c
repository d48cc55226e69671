/*
 * test_viewer_render.c: golden-file tests of the renderers.  Each log
 * directory in tests/data/ is run through parse, model and a renderer, and
 * the output must equal tests/data/<case>.<kind>.expected byte for byte.
 * The goldens were made by tests/regen-golden.sh and checked by eye; the
 * options of each row here are the ones that script passes.
 *
 * The logs are hand-made: a TCP echo (echo), fd numbers reused (fdreuse),
 * one send read by several recvs and one recv of several sends (split), a
 * process killed mid-write, leaving a cut line and NUL padding (killed),
 * files whose names sort against time with threads and UDP (unordered),
 * a forking AF_UNIX server with a dup'ed client fd (forkunix), and the
 * calls around connections: non-blocking connects ended by poll and
 * getsockopt(SO_ERROR), posix_spawn, a failed and a successful execve,
 * failed calls whose address or message header could not be read (calls).
 *
 * Every timeline is drawn again in blocks of a few rows, so that the two
 * drawing threads of timeline.c share even these short traces: the output
 * must not change.
 *
 * Apart from its bytes, every SVG must keep its arrow labels readable: no
 * label's tag on another's or on a box, each tag as wide as its text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "render/render.h"
#include "read/trace.h"

enum kind { TIMELINE, CONNS, JSON, SVG };

static const char *const cases[] = {
	"echo", "fdreuse", "split", "killed", "unordered", "forkunix", "calls",
};

struct variant {
	const char *dir;
	const char *expected;	/* file name in tests/data */
	enum kind kind;
	bool ascii, color, threads;
	int64_t pid, port, conn, from;
	uint32_t block_rows;	/* timeline rows per drawn block, 0: default */
};

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)len + 1));
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static void check(const struct variant *v)
{
	char path[4096], *out = NULL, *want;
	size_t outlen = 0, wantlen, i;
	struct st_trace tr;
	struct st_model m;
	struct st_render_opts o;
	FILE *f;
	int r;

	memset(&o, 0, sizeof(o));
	st_filter_init(&o.filter);
	o.width = 100;
	o.ascii = v->ascii;
	o.color = v->color;
	o.threads = v->threads;
	o.json = v->kind == JSON;
	if (v->pid)
		o.filter.pid = v->pid;
	if (v->port)
		o.filter.port = v->port;
	if (v->conn)
		o.filter.conn = v->conn;
	o.filter.from = v->from;
	o.block_rows = v->block_rows;
	st_trace_init(&tr);
	snprintf(path, sizeof(path), "%s/tests/data/%s", ST_SRC_DIR, v->dir);
	assert_int_equal(st_trace_add_path(&tr, path), 0);
	assert_int_equal(st_trace_sort(&tr), 0);
	assert_int_equal(st_model_build(&m, &tr), 0);
	assert_non_null(f = open_memstream(&out, &outlen));
	switch (v->kind) {
	case TIMELINE: r = st_render_timeline(f, &m, &o); break;
	case SVG: r = st_render_svg(f, &m, &o); break;
	default: r = st_render_conns(f, &m, &o); break;
	}
	assert_int_equal(r, 0);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tests/data/%s", ST_SRC_DIR, v->expected);
	want = read_file(path, &wantlen);
	if (outlen != wantlen || memcmp(out, want, outlen) != 0) {
		for (i = 0; i < outlen && i < wantlen && out[i] == want[i]; i++)
			;
		fail_msg("%s (blocks of %u rows): output differs from the golden "
			 "file at byte %zu (got %zu bytes, want %zu)", v->expected,
			 v->block_rows, i, outlen, wantlen);
	}
	free(out);
	free(want);
	st_model_free(&m);
	st_trace_free(&tr);
}

/* Every case in the four standard renderings. */
static void test_cases(void **state)
{
	static const char *const suffix[] = { "timeline", "conns", "json", "svg" };
	size_t c;
	int k;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (k = TIMELINE; k <= SVG; k++) {
			char name[128];
			struct variant v;

			memset(&v, 0, sizeof(v));
			snprintf(name, sizeof(name), "%s.%s.expected", cases[c], suffix[k]);
			v.dir = cases[c];
			v.expected = name;
			v.kind = (enum kind)k;
			v.ascii = true;
			check(&v);
		}
}

/* Options: box drawing, colour, thread lanes, filters. */
static const struct variant variants[] = {
	{ "echo", "echo.unicode.expected", TIMELINE, false, false, false, 0, 0, 0, 0, 0 },
	{ "echo", "echo.color.expected", TIMELINE, false, true, false, 0, 0, 0, 0, 0 },
	{ "unordered", "unordered.threads.expected", TIMELINE, true, false, true, 0, 0, 0, 0, 0 },
	{ "forkunix", "forkunix.pid.expected", TIMELINE, true, false, false, 802, 0, 0, 0, 0 },
	{ "fdreuse", "fdreuse.window.expected", TIMELINE, true, false, false, 0, 7000, 0, 90000, 0 },
	{ "fdreuse", "fdreuse.conn2.expected", CONNS, false, false, false, 0, 0, 2, 0, 0 },
};

static void test_variants(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		check(&variants[i]);
}

/* Every timeline drawn in blocks of 1, 2, 3 and 5 rows, on two threads. */
static void test_blocks(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 3, 5 };
	size_t c, i, k;

	(void)state;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			char name[128];
			struct variant v;

			memset(&v, 0, sizeof(v));
			snprintf(name, sizeof(name), "%s.timeline.expected", cases[c]);
			v.dir = cases[c];
			v.expected = name;
			v.kind = TIMELINE;
			v.ascii = true;
			v.block_rows = sizes[k];
			check(&v);
		}
		for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
			struct variant v = variants[i];

			if (v.kind != TIMELINE)
				continue;
			v.block_rows = sizes[k];
			check(&v);
		}
	}
}

/* Renders a case as SVG into a string (freed by the caller). */
static char *render_svg(const char *dir)
{
	char path[4096], *out = NULL;
	size_t outlen = 0;
	struct st_trace tr;
	struct st_model m;
	struct st_render_opts o;
	FILE *f;

	memset(&o, 0, sizeof(o));
	st_filter_init(&o.filter);
	st_trace_init(&tr);
	snprintf(path, sizeof(path), "%s/tests/data/%s", ST_SRC_DIR, dir);
	assert_int_equal(st_trace_add_path(&tr, path), 0);
	assert_int_equal(st_trace_sort(&tr), 0);
	assert_int_equal(st_model_build(&m, &tr), 0);
	assert_non_null(f = open_memstream(&out, &outlen));
	assert_int_equal(st_render_svg(f, &m, &o), 0);
	fclose(f);
	st_model_free(&m);
	st_trace_free(&tr);
	return out;
}

struct box {
	int x, y, w, h;
};

/* The rects of a class ("tag", "box", "err") in an SVG, at most max. */
static size_t find_rects(const char *svg, const char *cls, struct box *b,
			 size_t max)
{
	char key[64];
	const char *p = svg;
	size_t n = 0;

	snprintf(key, sizeof(key), "<rect class=\"%s\" x=", cls);
	while ((p = strstr(p, key)) != NULL) {
		assert_true(n < max);
		if (sscanf(p + strlen(key), "\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"",
			   &b[n].x, &b[n].y, &b[n].w, &b[n].h) != 4)
			fail_msg("cannot read %.80s", p);
		n++;
		p++;
	}
	return n;
}

static bool boxes_meet(const struct box *a, const struct box *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	       a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Characters shown by the text element after p (an entity is one). */
static size_t text_chars(const char *p)
{
	size_t n = 0;

	p = strstr(p, "<text");
	assert_non_null(p);
	p = strchr(p, '>') + 1;
	for (; *p && *p != '<'; p++, n++)
		if (*p == '&')
			p = strchr(p, ';');
	return n;
}

/* Labels apart from each other and from the boxes, and tags that hold
 * their text (11 px monospace: at least 6.6 px a character). */
static void test_svg_labels_clear(void **state)
{
	static struct box tags[4096], boxes[4096];
	size_t c, i, j, ntags, nboxes, total = 0;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *svg = render_svg(cases[c]);
		const char *p = svg;

		ntags = find_rects(svg, "tag", tags, 4096);
		nboxes = find_rects(svg, "box", boxes, 4096);
		nboxes += find_rects(svg, "err", boxes + nboxes, 4096 - nboxes);
		assert_true(nboxes > 0);
		for (i = 0; i < ntags; i++) {
			for (j = i + 1; j < ntags; j++)
				if (boxes_meet(&tags[i], &tags[j]))
					fail_msg("%s: label at %d,%d on the label at %d,%d",
						 cases[c], tags[i].x, tags[i].y,
						 tags[j].x, tags[j].y);
			for (j = 0; j < nboxes; j++)
				if (boxes_meet(&tags[i], &boxes[j]))
					fail_msg("%s: label at %d,%d on the box at %d,%d",
						 cases[c], tags[i].x, tags[i].y,
						 boxes[j].x, boxes[j].y);
		}
		for (i = 0; (p = strstr(p, "<rect class=\"tag\"")) != NULL; i++, p++) {
			size_t chars = text_chars(p);

			if ((size_t)tags[i].w * 10 < chars * 66)
				fail_msg("%s: label of %zu characters on a tag %d px wide",
					 cases[c], chars, tags[i].w);
		}
		total += ntags;
		free(svg);
	}
	/* The split case alone fans one send out to four receives. */
	assert_true(total >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_svg_labels_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
