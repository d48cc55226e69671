/*
 * test_viewer_export.c: the exports for other viewers, each checked with
 * the tool its users open it in, over the hand-made logs of tests/data/ and
 * over a real run: the TCP, UDP and AF_UNIX echo examples traced by the
 * library on loopback, the TCP client sending payloads that hold every
 * character the formats treat specially (quotes, `;`, `#`, `%%`, a bare
 * `end`, `@enduml`, `<script>`, `<img onerror>`, control bytes, bytes above
 * 0x7f, U+2028).
 *
 * - Perfetto: tests/tools/check_perfetto.py checks each file against the
 *   rules of Perfetto's JSON importer, with the number of slices and links
 *   the model has; its --self-test shows that it rejects broken files.
 * - Mermaid: every diagram (each case, a folded one, a filtered one, an
 *   empty one) rendered by mermaid-cli in one run, with Debian's chromium;
 *   the real run's picture shows the hostile payloads as text.
 * - PlantUML: `plantuml -checkonly` accepts every diagram, and rendering
 *   them (SVG) reports no error (a label can pass the check and still break
 *   the drawing); the real run's picture shows the payloads as text.
 * - HTML: the pages of the real run, of echo and of a 100,000-call trace
 *   (bench/genlog) are loaded in one headless Chromium and driven by
 *   tests/tools/check_html.mjs (puppeteer-core): the calls, arrows and
 *   connections are in the live page; filtering by process and port shows
 *   the calls sockview's own --pid and --port keep; clicking a connection
 *   highlights its calls; search finds the calls whose text holds a word;
 *   a click on the canvas shows the call's record and hexdump; the
 *   <script> and <img onerror> payloads show as text and create no
 *   element.  How long each page took to load is printed, not asserted.
 *   `chromium --dump-dom` of the real page shows the page after its script
 *   ran.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>

#include "harness.h"
#include "model/address.h"
#include "model/filter.h"
#include "model/model.h"
#include "read/trace.h"
#include "render/describe.h"

#define SOCKVIEW ST_BUILD_DIR "/asan/sockview"
#define TOOLS ST_SRC_DIR "/tests/tools"
#define MMDC TOOLS "/node_modules/.bin/mmdc"
#define CHROMIUM_FLAGS "--headless --no-sandbox --disable-gpu --disable-quic " \
	"--no-first-run --disable-background-networking --disable-component-update " \
	"--disable-sync"

static const char *const data_cases[] = {
	"echo", "fdreuse", "split", "killed", "unordered", "forkunix", "calls",
};
#define NDATA (sizeof(data_cases) / sizeof(data_cases[0]))

/* Payloads a diagram, a page or a JSON string must keep inert. */
static const char *const hostile[] = {
	"a;b#c \"quoted\" 'single' end",
	"end",
	"<script>document.title='pwned'</script>",
	"<img src=x onerror=\"document.title='pwned'\">",
	"%%{init: {'theme':'dark'}}%% ->> -->> --> : @enduml @startuml note over",
	"back\\slash `tick` {curly} [square] (round) |pipe| &amp; &#35; #59; <b>b</b>",
	"ctl\x01\t\r\n\x7f hi\xc3\xa9 \xe2\x80\xa8 sep \xe2\x80\xa9 </script><!--",
};

struct world {
	char dir[64];		/* everything of this run */
	char real[128];		/* the traced examples' logs */
	bool keep;		/* something failed: leave dir for a look */
};

static struct world W;

/* Fails the test and keeps the files. */
#define FAIL(...) do { W.keep = true; fail_msg(__VA_ARGS__); } while (0)

/* Runs a shell command line; its exit status (-1 when it could not run).
 * Output goes to dir/cmd.log, shown when the caller fails. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[8192], full[8400];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "( %s ) > %s/cmd.log 2>&1", cmd, W.dir);
	rc = system(full);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* Fails with the last command's output. */
static void sh_ok(int rc, const char *what)
{
	char path[128], buf[8192];
	FILE *f;
	size_t n = 0;

	if (rc == 0)
		return;
	snprintf(path, sizeof(path), "%s/cmd.log", W.dir);
	if ((f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	FAIL("%s: exit status %d\n%s", what, rc, buf);
}

/* The path of a case's logs: a tests/data directory, or the real run. */
static void case_path(char *buf, size_t cap, const char *name)
{
	if (strcmp(name, "real") == 0)
		snprintf(buf, cap, "%s", W.real);
	else
		snprintf(buf, cap, "%s/tests/data/%s", ST_SRC_DIR, name);
}

/* Runs sockview with opts on a case into dir/<name><suffix>. */
static void export(const char *name, const char *opts, const char *suffix,
		   char *out, size_t cap)
{
	char in[256];

	case_path(in, sizeof(in), name);
	snprintf(out, cap, "%s/%s%s", W.dir, name, suffix);
	sh_ok(sh("%s %s '%s' > '%s'", SOCKVIEW, opts, in, out), "sockview");
}

/* The model of a case, for the counts an export must match. */
struct counts {
	uint32_t records, links;
};

static struct counts model_counts(const char *name, int64_t pid)
{
	struct st_trace tr;
	struct st_model m;
	struct st_filter f;
	struct counts c = { 0, 0 };
	char in[256];
	uint32_t i;

	case_path(in, sizeof(in), name);
	st_filter_init(&f);
	f.pid = pid;
	st_trace_init(&tr);
	assert_int_equal(st_trace_add_path(&tr, in), 0);
	assert_int_equal(st_trace_sort(&tr), 0);
	assert_int_equal(st_model_build(&m, &tr), 0);
	for (i = 0; i < tr.nev; i++)
		if (st_filter_event(&m, &f, i))
			c.records++;
	for (i = 0; i < m.nlinks; i++)
		if (st_filter_event(&m, &f, m.links[i].from) &&
		    st_filter_event(&m, &f, m.links[i].to))
			c.links++;
	st_model_free(&m);
	st_trace_free(&tr);
	return c;
}

/* ---- the real run ------------------------------------------------------ */

static void run_pair(const char *server, const char *client, const char *event,
		     const char *const *extra, size_t nextra, bool unix_path)
{
	struct h_opts o = { .logdir = W.real };
	const char *sargv[8] = { server, "-n", "1" }, *cargv[32] = { client };
	char port[16], path[128];
	struct h_proc s, c;
	size_t k = 1, i;

	if (unix_path) {
		snprintf(path, sizeof(path), "%s/sock", W.dir);
		sargv[3] = path;
	}
	h_start(&s, &o, sargv);
	if (unix_path) {
		h_server_ready(&s, event);
		cargv[k++] = path;
	} else {
		snprintf(port, sizeof(port), "%d", h_server_port(&s, event));
		cargv[k++] = "127.0.0.1";
		cargv[k++] = port;
	}
	for (i = 0; i < nextra && k < 31; i++)
		cargv[k++] = extra[i];
	h_start(&c, &o, cargv);
	h_wait_ok(&c);
	h_wait_ok(&s);
	h_proc_free(&s);
	h_proc_free(&c);
}

static int setup(void **state)
{
	static const char *const plain[] = { "hello", "world" };

	(void)state;
	h_tmpdir(W.dir);
	snprintf(W.real, sizeof(W.real), "%s/real", W.dir);
	if (mkdir(W.real, 0700) < 0)
		return -1;
	run_pair(H_EXAMPLE("tcp_echo_server"), H_EXAMPLE("tcp_echo_client"), "listen",
		 hostile, sizeof(hostile) / sizeof(hostile[0]), false);
	run_pair(H_EXAMPLE("udp_echo_server"), H_EXAMPLE("udp_echo_client"), "bound",
		 plain, 1, false);
	run_pair(H_EXAMPLE("unix_echo_server"), H_EXAMPLE("unix_echo_client"), "listen",
		 plain, 2, true);
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	if (W.keep) {
		print_message("the files are in %s\n", W.dir);
		return 0;
	}
	/* The logs, the exports, and what the tools left (java's prefs). */
	snprintf(path, sizeof(path), "rm -rf '%s'", W.dir);
	return system(path) == 0 ? 0 : -1;
}

/* ---- Perfetto ---------------------------------------------------------- */

static void check_perfetto(const char *name, const char *opts, int64_t pid)
{
	struct counts c = model_counts(name, pid);
	char out[256];

	export(name, opts, ".perfetto.json", out, sizeof(out));
	sh_ok(sh("python3 %s/check_perfetto.py '%s' --slices %u --links %u", TOOLS,
		 out, c.records, c.links), name);
}

static void test_perfetto(void **state)
{
	char out[256];
	size_t k;

	(void)state;
	for (k = 0; k < NDATA; k++)
		check_perfetto(data_cases[k], "--perfetto", -1);
	check_perfetto("real", "--perfetto", -1);
	/* A filter: only the client's process. */
	check_perfetto("echo", "--perfetto --pid 101", 101);
	export("echo", "--perfetto", ".perfetto.json", out, sizeof(out));
	sh_ok(sh("python3 %s/check_perfetto.py --self-test '%s'", TOOLS, out),
	      "the Perfetto checker's self-test");
}

/* ---- sequence diagrams ------------------------------------------------ */

/* The diagrams of every case, and of a fold, a filter and nothing. */
struct diagram {
	const char *name, *opts;
};

static const struct diagram diagrams[] = {
	{ "echo", "" }, { "fdreuse", "" }, { "split", "" }, { "killed", "" },
	{ "unordered", "" }, { "forkunix", "" }, { "calls", "" }, { "real", "" },
	{ "split", "--exchanges 3" }, { "real", "--port 9" }, { "echo", "--pid 101" },
};
#define NDIAGRAMS (sizeof(diagrams) / sizeof(diagrams[0]))

/* Reads a whole file into a NUL-terminated buffer. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		FAIL("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The texts an SVG picture of the real run must show: the payloads as
 * characters (XML-escaped in the file), cut where labels are cut. */
static void check_shows_payloads(const char *svg_path)
{
	static const char *const want[] = {
		"a;b#c", "&lt;script&gt;document.t", "&lt;img src=x onerror=",
		"%%{init:", "back\\\\slash `tick` {c",
	};
	char *svg = slurp(svg_path);
	size_t k;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		if (!strstr(svg, want[k]))
			FAIL("%s does not show %s", svg_path, want[k]);
	free(svg);
}

/* true when every label of a diagram (what follows the first ": " or " : "
 * of a line, or a participant's name) holds only letters, digits, space,
 * `.,:()=+-/_` and whole entities of the dialect: `#NN;` (Mermaid) or
 * `<U+XXXX>` (PlantUML). */
static bool labels_inert(const char *text, bool plantuml)
{
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n'), *p;

		if (!end)
			end = line + strlen(line);
		p = strstr(line, plantuml ? " : " : ": ");
		if (p && p < end)
			p += plantuml ? 3 : 2;
		else if ((p = strstr(line, " as ")) && p < end && !plantuml)
			p += 4;
		else
			p = end;
		for (; p < end; p++) {
			if (isalnum((unsigned char)*p) || strchr(" .,:()=+-/_", *p))
				continue;
			if (!plantuml && *p == '#') {
				for (p++; p < end && isdigit((unsigned char)*p); p++)
					;
				if (p < end && *p == ';')
					continue;
			} else if (plantuml && *p == '<' && end - p >= 8 && strncmp(p, "<U+", 3) == 0 &&
				   isxdigit((unsigned char)p[3]) && isxdigit((unsigned char)p[6]) && p[7] == '>') {
				p += 7;
				continue;
			}
			print_message("not inert: %.*s\n", (int)(end - line), line);
			return false;
		}
		line = *end ? end + 1 : end;
	}
	return true;
}

/* What the echo case's diagram must say, and the fold of split's. */
static void check_diagram_text(const char *name, const char *opts, const char *text,
			       bool plantuml)
{
	static const char *const echo_mmd[] = {
		"participant P100 as echo-server 100\n", "Note over P100: waited 200 ms in accept(3)\n",
		"P101->>P100: connect\n", "P101->>P100: 5 B #34;hello#34;\n",
		"P100->>P101: 5 B #34;HELLO#34;\n", "P101-->>P100: EOF\n",
	};
	static const char *const echo_puml[] = {
		"participant \"echo-server 100\" as P100\n",
		"note over P100 : waited 200 ms in accept(3)\n", "P101 -> P100 : connect\n",
		"P101 -> P100 : 5 B <U+0022>hello<U+0022>\n", "P101 --> P100 : EOF\n",
	};
	size_t k;

	if (!labels_inert(text, plantuml))
		FAIL("%s %s: a label holds a character the parser would read", name, opts);
	if (strcmp(name, "echo") == 0 && !opts[0]) {
		for (k = 0; k < (plantuml ? 5 : 6); k++)
			if (!strstr(text, plantuml ? echo_puml[k] : echo_mmd[k]))
				FAIL("the echo diagram lacks %s", plantuml ? echo_puml[k] : echo_mmd[k]);
	}
	if (strstr(opts, "--exchanges 3") &&
	    !strstr(text, plantuml ? "note over P600, P601 : 5 more exchanges left out" :
				     "Note over P600,P601: 5 more exchanges left out"))
		FAIL("the folded diagram of %s does not say what it left out:\n%s", name, text);
}

static void test_mermaid(void **state)
{
	char md[256], out[256], path[300];
	FILE *f;
	size_t k;

	(void)state;
	/* The check of labels can fail. */
	assert_false(labels_inert("    P1->>P2: a;b\n", false));
	assert_false(labels_inert("    P1->>P2: #35\n", false));
	assert_false(labels_inert("P1 -> P2 : **b**\n", true));
	assert_false(labels_inert("P1 -> P2 : <U+00\n", true));
	assert_true(labels_inert("    P1->>P2: a#59;b #35; x-y\n", false));
	snprintf(md, sizeof(md), "%s/all.md", W.dir);
	assert_non_null(f = fopen(md, "w"));
	for (k = 0; k < NDIAGRAMS; k++) {
		char opts[128], *text;

		snprintf(opts, sizeof(opts), "--mermaid %s", diagrams[k].opts);
		export(diagrams[k].name, opts, ".mmd", out, sizeof(out));
		text = slurp(out);
		if (strncmp(text, "sequenceDiagram\n", 16) != 0)
			FAIL("%s: not a sequence diagram", out);
		check_diagram_text(diagrams[k].name, diagrams[k].opts, text, false);
		fprintf(f, "```mermaid\n%s```\n\n", text);
		free(text);
	}
	fclose(f);
	/* One browser for all of them. */
	sh_ok(sh("%s -q -p %s/puppeteer.json -i '%s' -o '%s/all.out.md'", MMDC, TOOLS,
		 md, W.dir), "mmdc");
	for (k = 0; k < NDIAGRAMS; k++) {
		snprintf(path, sizeof(path), "%s/all.out-%zu.svg", W.dir, k + 1);
		if (access(path, R_OK) != 0)
			FAIL("mmdc drew no %s", path);
	}
	/* Diagram 8 is the real run. */
	snprintf(path, sizeof(path), "%s/all.out-8.svg", W.dir);
	check_shows_payloads(path);
}

static void test_plantuml(void **state)
{
	char out[256], files[NDIAGRAMS * 260] = "", path[300];
	size_t k;

	(void)state;
	for (k = 0; k < NDIAGRAMS; k++) {
		char opts[128], name[64];

		snprintf(opts, sizeof(opts), "--plantuml %s", diagrams[k].opts);
		snprintf(name, sizeof(name), ".%zu.puml", k);
		export(diagrams[k].name, opts, name, out, sizeof(out));
		{
			char *text = slurp(out);

			check_diagram_text(diagrams[k].name, diagrams[k].opts, text, true);
			free(text);
		}
		strcat(files, " '");
		strcat(files, out);
		strcat(files, "'");
	}
	sh_ok(sh("HOME='%s' plantuml -checkonly %s", W.dir, files), "plantuml -checkonly");
	sh_ok(sh("HOME='%s' plantuml -tsvg %s", W.dir, files), "plantuml -tsvg");
	for (k = 0; k < NDIAGRAMS; k++) {
		char *svg;

		snprintf(path, sizeof(path), "%s/%s.%zu.svg", W.dir, diagrams[k].name, k);
		svg = slurp(path);
		if (strstr(svg, "An error has occured") || strstr(svg, "Syntax Error") ||
		    strstr(svg, "Exception"))
			FAIL("plantuml drew an error for %s", path);
		free(svg);
	}
	snprintf(path, sizeof(path), "%s/real.7.svg", W.dir);
	check_shows_payloads(path);
}

/* ---- HTML -------------------------------------------------------------- */

/* What a page must show, from the model (as sockview's own filters see
 * it). */
struct expect {
	uint32_t calls, links, conns;
	int64_t pid, port, conn;
	uint32_t pid_calls, port_calls, conn_calls, search_count;
};

static struct expect page_expect(const char *name, const char *word)
{
	struct st_trace tr;
	struct st_model m;
	struct st_filter pid_f, port_f;
	struct st_expect_text { char buf[4096]; } t;
	struct expect x;
	char in[256];
	uint32_t i;

	memset(&x, 0, sizeof(x));
	case_path(in, sizeof(in), name);
	st_trace_init(&tr);
	assert_int_equal(st_trace_add_path(&tr, in), 0);
	assert_int_equal(st_trace_sort(&tr), 0);
	assert_int_equal(st_model_build(&m, &tr), 0);
	x.calls = tr.nev;
	x.links = m.nlinks;
	x.conns = m.nconns;
	x.pid = x.port = x.conn = -1;
	if (m.nconns && word) {
		const struct st_conn *k = &m.conns[m.conn_by_id[0]];
		size_t n;
		const char *a = st_trace_str(&tr, k->addr[1], &n);

		x.conn = k->id;
		x.pid = k->proc[0] != ST_NONE ? m.procs[k->proc[0]].pid : -1;
		x.port = k->addr[1] ? st_addr_port(a, n) : -1;
	}
	st_filter_init(&pid_f);
	st_filter_init(&port_f);
	pid_f.pid = x.pid;
	port_f.port = x.port;
	for (i = 0; i < tr.nev; i++) {
		struct st_out o = { NULL, t.buf, 0, sizeof(t.buf) - 1, false, false };

		if (x.pid >= 0 && st_filter_event(&m, &pid_f, i))
			x.pid_calls++;
		if (x.port >= 0 && st_filter_event(&m, &port_f, i))
			x.port_calls++;
		if (m.ev_conn[i] != ST_NONE && m.conns[m.ev_conn[i]].id == x.conn)
			x.conn_calls++;
		if (word) {
			st_describe_event(&o, &m, i, ST_WHOLE);
			t.buf[o.len] = '\0';
			if (strcasestr(t.buf, word))
				x.search_count++;
		}
	}
	st_model_free(&m);
	st_trace_free(&tr);
	return x;
}

static void spec_page(FILE *f, bool first, const char *file, const struct expect *x,
		      const char *word, bool inert, const char *shot)
{
	fprintf(f, "%s{\"file\":\"%s\",\"calls\":%u,\"links\":%u,\"conns\":%u",
		first ? "" : ",", file, x->calls, x->links, x->conns);
	if (x->pid >= 0)
		fprintf(f, ",\"pid\":%lld,\"pid_calls\":%u", (long long)x->pid, x->pid_calls);
	if (x->port >= 0)
		fprintf(f, ",\"port\":%lld,\"port_calls\":%u", (long long)x->port, x->port_calls);
	if (x->conn >= 0)
		fprintf(f, ",\"conn\":%lld,\"conn_calls\":%u", (long long)x->conn, x->conn_calls);
	if (word)
		fprintf(f, ",\"search\":\"%s\",\"search_count\":%u", word, x->search_count);
	if (inert)
		fprintf(f, ",\"hostile\":true");
	if (shot)
		fprintf(f, ",\"screenshot\":\"%s\"", shot);
	fputc('}', f);
}

static void test_html(void **state)
{
	char real[256], echo[256], empty[256], big[256], bigdir[128], spec[256], shot[256];
	char out[300];
	struct expect xr, xe, xb, x0;
	char *dom;
	FILE *f;

	(void)state;
	/* 100,000 calls, as genlog writes them. */
	snprintf(bigdir, sizeof(bigdir), "%s/big", W.dir);
	sh_ok(sh("mkdir -p '%s' && %s/bench/genlog -n 100000 '%s'", bigdir, ST_BUILD_DIR,
		 bigdir), "genlog");
	export("real", "--html", ".html", real, sizeof(real));
	export("echo", "--html", ".html", echo, sizeof(echo));
	/* A filter that leaves nothing: a page all the same. */
	export("echo", "--html --pid 999", ".empty.html", empty, sizeof(empty));
	memset(&x0, 0, sizeof(x0));
	x0.pid = x0.port = x0.conn = -1;
	snprintf(big, sizeof(big), "%s/big.html", W.dir);
	sh_ok(sh("%s/sockview --html '%s' > '%s'", ST_BUILD_DIR, bigdir, big), "sockview --html");
	xr = page_expect("real", "onerror");
	xe = page_expect("echo", "hello");
	{
		char save[128];

		/* case_path knows tests/data and the real run: the big one is
		 * read through "real" with W.real pointed at it for a moment. */
		snprintf(save, sizeof(save), "%s", W.real);
		snprintf(W.real, sizeof(W.real), "%s", bigdir);
		xb = page_expect("real", NULL);
		snprintf(W.real, sizeof(W.real), "%s", save);
	}
	assert_true(xb.calls >= 100000);
	snprintf(spec, sizeof(spec), "%s/spec.json", W.dir);
	snprintf(shot, sizeof(shot), "%s/real.png", W.dir);
	assert_non_null(f = fopen(spec, "w"));
	fputs("{\"pages\":[", f);
	spec_page(f, true, real, &xr, "onerror", true, shot);
	spec_page(f, false, echo, &xe, "hello", false, NULL);
	spec_page(f, false, empty, &x0, NULL, false, NULL);
	spec_page(f, false, big, &xb, NULL, false, NULL);
	fputs("]}\n", f);
	fclose(f);
	{
		int rc = sh("node %s/check_html.mjs '%s'", TOOLS, spec);
		char log[128];

		/* The load times, for the report. */
		snprintf(log, sizeof(log), "%s/cmd.log", W.dir);
		dom = slurp(log);
		print_message("%s", dom);
		free(dom);
		sh_ok(rc, "check_html.mjs");
	}
	/* The page after its script ran, as --dump-dom prints it. */
	snprintf(out, sizeof(out), "%s/real.dom", W.dir);
	sh_ok(sh("d=$(mktemp -d) && chromium " CHROMIUM_FLAGS " --user-data-dir=\"$d\" "
		 "--dump-dom 'file://%s' > '%s'; rc=$?; rm -rf \"$d\"; exit $rc", real, out),
	      "chromium --dump-dom");
	dom = slurp(out);
	{
		char want[64];

		snprintf(want, sizeof(want), "<span id=\"summary\">%u calls, ", xr.calls);
		if (!strstr(dom, "data-ready=\"1\"") || !strstr(dom, want))
			FAIL("the dumped DOM of %s lacks the ready page (%s)", real, want);
	}
	if (strstr(dom, "<img"))
		FAIL("the dumped DOM of %s holds an <img> element", real);
	free(dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perfetto),
		cmocka_unit_test(test_mermaid),
		cmocka_unit_test(test_plantuml),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
