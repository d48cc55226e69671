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
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"
#include "model/filter.h"
#include "model/model.h"
#include "read/trace.h"

#define SOCKVIEW ST_BUILD_DIR "/asan/sockview"
#define TOOLS ST_SRC_DIR "/tests/tools"

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
};

static struct world W;

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
	fail_msg("%s: exit status %d\n%s", what, rc, buf);
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
	h_rmtree(W.real);
	snprintf(path, sizeof(path), "%s/sock", W.dir);
	unlink(path);
	h_rmtree(W.dir);
	return 0;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perfetto),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
