/*
 * main.c: sockview, the viewer of socktrace logs.  Reads the options,
 * runs the pipeline (parse -> model -> one renderer) and reports what could
 * not be read: a missing or unreadable path, or one that holds no log, is
 * an error (status 1), bad options (two outputs, an empty window) a usage
 * error (status 2), and malformed lines are skipped and
 * counted in one line on stderr at the end.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "record.h"
#include "render/render.h"
#include "read/tail.h"
#include "read/trace.h"

enum mode { M_TIMELINE, M_CONNS, M_SVG, M_HOSTS, M_PERFETTO, M_PCAPNG,
	    M_MERMAID, M_PLANTUML, M_HTML, M_OTLP, M_OTLP_POST, M_JSONL, M_FOLLOW };

/* Long options without a letter: numbers no character takes. */
enum { OPT_OTLP = 1000, OPT_OTLP_ENDPOINT, OPT_OTLP_TIMEOUT, OPT_OTLP_BATCH };

#define USAGE \
	"usage: sockview [--conns [--json] | --svg | --hosts | --perfetto | --pcapng |\n" \
	"                --mermaid | --plantuml [--exchanges N] | --html | --jsonl |\n" \
	"                --follow]\n" \
	"                [--threads]\n" \
	"                [--ascii] [--color=always|never|auto] [--width N] [--pid N]\n" \
	"                [--port N] [--conn N] [--from S] [--to S]\n" \
	"                [--no-clock-fix] [--otlp | --otlp-endpoint URL] PATH...\n"

static void usage(void)
{
	fputs(USAGE, stderr);
	exit(2);
}

/* --help: the usage and what each option does, on stdout. */
static void help(void)
{
	fputs(USAGE
	      "\nDraws the socket calls logged by socktrace (a trace directory or log files)\n"
	      "as a client/server timeline.\n\n"
	      "  --conns         one row per connection (--json: JSON Lines)\n"
	      "  --svg           the timeline as a standalone SVG picture\n"
	      "  --hosts         each host, its clock offset and its processes\n"
	      "  --otlp          OpenTelemetry spans, OTLP/JSON (one request per line)\n"
	      "  --otlp-endpoint URL  the same POSTed to URL/v1/traces (OTLP/HTTP, http://\n"
	      "                  only; a collector listens on port 4318); --otlp-timeout S\n"
	      "                  per request (default 10), --otlp-batch N spans per request\n"
	      "                  (default 512)\n"
	      "  --perfetto      Chrome trace event JSON for ui.perfetto.dev\n"
	      "  --pcapng        packets synthesized from the calls, for Wireshark\n"
	      "  --mermaid, --plantuml  a sequence diagram of the exchanges\n"
	      "  --exchanges N   diagrams: draw the first N arrows (default 100)\n"
	      "  --html          an interactive page: zoom, filter, search, click\n"
	      "  --jsonl         every record of the logs as JSON Lines, in time order\n"
	      "  --follow        a live view: each new call as it is logged, until Ctrl-C\n"
	      "  --threads       one lane per thread instead of per process\n"
	      "  --ascii         no Unicode box drawing\n"
	      "  --color=WHEN    colour: always, never, auto (a terminal, and NO_COLOR unset)\n"
	      "  --width N       fit N columns (default: the terminal's, or $COLUMNS, or 100)\n"
	      "  --pid N, --port N, --conn N   only that process, port or connection\n"
	      "  --from S, --to S              only that time window, seconds from the start\n"
	      "  --no-clock-fix  logs of several hosts: raw times, not corrected by the\n"
	      "                  clock offsets estimated from their messages\n"
	      "\nSee sockview(1).\n", stdout);
	exit(0);
}

/* A whole decimal number in [lo, hi], or a usage error. */
static long parse_long(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		warnx("%s: not a number in [%ld, %ld]: %s", opt, lo, hi, s);
		usage();
	}
	return v;
}

/* Seconds (a decimal fraction allowed) as ns, or a usage error. */
static int64_t parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e9) {
		warnx("%s: not a number of seconds: %s", opt, s);
		usage();
	}
	return (int64_t)llround(v * 1e9);
}

/* The output, once: two of them (--conns --svg) are an error naming both,
 * not the last one silently. */
static void set_mode(enum mode *mode, const char **opt, enum mode m, const char *name)
{
	if (*opt && *mode != m) {
		warnx("%s and %s: one output at a time", *opt, name);
		usage();
	}
	*mode = m;
	*opt = name;
}

static int terminal_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	char *end;
	long v;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	if (cols) {
		errno = 0;
		v = strtol(cols, &end, 10);
		if (!errno && end != cols && !*end && v >= 20 && v <= 10000)
			return (int)v;
	}
	return 100;
}

/* The notes on single files (read/trace.h), one line each. */
static void report_notes(const struct st_trace *tr)
{
	const char *p = tr->notes, *nl;

	for (; p && (nl = strchr(p, '\n')); p = nl + 1)
		fprintf(stderr, "sockview: %.*s\n", (int)(nl - p), p);
	if (tr->nnotes > 64)
		fprintf(stderr, "sockview: and %u more such file%s\n", tr->nnotes - 64,
			tr->nnotes - 64 == 1 ? "" : "s");
}

/* Each log that ends early, and why when it is known: one line per
 * process, so a partial picture is not taken for the whole. */
static void report_endings(const struct st_trace *tr)
{
	uint32_t fi, h;

	for (fi = 0; fi < tr->nfiles; fi++) {
		const struct st_file *f = &tr->files[fi];
		char who[96] = "";

		if (!f->stop_len && !f->had_ring && !f->cut)
			continue;
		for (h = 0; h < tr->nhdr; h++)
			if (tr->hdr[h].file == fi) {
				size_t n;
				const char *name = st_trace_str(tr, tr->hdr[h].name, &n);

				snprintf(who, sizeof(who), " (process %d, %.*s)", tr->hdr[h].pid,
					 (int)(n > 40 ? 40 : n), name);
			}
		if (f->stop_len)
			fprintf(stderr, "sockview: %s%s: its log ends early: tracing stopped (%s%s%s); "
				"what the process did after is not shown\n", f->name, who,
				strcmp(f->stop_why, "write") == 0 ? "cannot write the log" :
				strcmp(f->stop_why, "reopen") == 0 ? "cannot reopen the log" :
				strcmp(f->stop_why, "fdlimit") == 0 ? "the program needed the log's descriptor" :
				f->stop_why[0] ? f->stop_why : "reason unknown",
				f->stop_err[0] ? ": " : "",
				strcmp(f->stop_err, "ENOSPC") == 0 ? "disk full" : f->stop_err);
		else if (f->had_ring)
			fprintf(stderr, "sockview: %s%s: its log was not closed: the process was "
				"killed (or still runs); its last records are those its ring kept\n",
				f->name, who);
		else
			fprintf(stderr, "sockview: %s%s: its log ends early: the last record is "
				"cut short (the process was killed?)\n", f->name, who);
	}
}

static void report_skipped(const struct st_trace *tr)
{
	report_notes(tr);
	if (tr->bad_frames)
		fprintf(stderr, "sockview: skipped %llu corrupt stretch%s of binary log "
			"(%llu bytes; first in %s)\n",
			(unsigned long long)tr->bad_frames, tr->bad_frames == 1 ? "" : "es",
			(unsigned long long)tr->bad_bytes, tr->bad_file);
	if (tr->no_tuple)
		fprintf(stderr, "sockview: %llu data record%s lost %s five-tuple "
			"(its frame was cut or corrupt)\n",
			(unsigned long long)tr->no_tuple, tr->no_tuple == 1 ? "" : "s",
			tr->no_tuple == 1 ? "its" : "their");
	if (tr->dropped)
		fprintf(stderr, "sockview: %llu record%s dropped by the library "
			"(its staging ring stayed full)\n",
			(unsigned long long)tr->dropped, tr->dropped == 1 ? "" : "s");
	if (tr->bad_rings)
		fprintf(stderr, "sockview: %llu staging ring file%s unreadable or malformed; "
			"read without %s\n", (unsigned long long)tr->bad_rings,
			tr->bad_rings == 1 ? "" : "s", tr->bad_rings == 1 ? "it" : "them");
	if (!tr->skipped)
		return;
	fprintf(stderr, "sockview: skipped %llu malformed line%s (first: %s:%llu)\n",
		(unsigned long long)tr->skipped, tr->skipped == 1 ? "" : "s",
		tr->files[tr->skip_file].name, (unsigned long long)tr->skip_line);
}

/*
 * Every PATH must give something to draw: one whose files hold no record
 * and no header line (sockview /etc/passwd) is an error naming it, status
 * 1.  In a directory with some logs, each file that is none is named on a
 * line of its own and left out; the others are drawn.  Files
 * [first[k], first[k + 1]) came from paths[k].
 */
static void check_logs(struct st_trace *tr, char **paths, int n, const uint32_t *first)
{
	bool *is_log = calloc((size_t)tr->nfiles + 1, sizeof(*is_log));
	uint32_t i, logs;
	int k;

	if (!is_log)
		errx(1, "out of memory");
	for (i = 0; i < tr->nhdr; i++)
		if (tr->hdr[i].file < tr->nfiles)
			is_log[tr->hdr[i].file] = true;
	for (i = 0; i < tr->nev; i++)
		if (tr->ev[i].file < tr->nfiles)
			is_log[tr->ev[i].file] = true;
	for (k = 0; k < n; k++) {
		for (logs = 0, i = first[k]; i < first[k + 1]; i++)
			logs += is_log[i];
		if (!logs)
			break;
		for (i = first[k]; i < first[k + 1]; i++)
			if (!is_log[i])
				st_trace_note(tr, "%s: not a socktrace log (no line of it is a "
					      "record or a header); left out", tr->files[i].name);
	}
	free(is_log);
	if (k == n)
		return;
	report_notes(tr);
	if (first[k + 1] - first[k] > 1)
		errx(1, "%s: none of its %u files is a socktrace log", paths[k],
		     first[k + 1] - first[k]);
	errx(1, "%s: not a socktrace log (no line of it is a record or a header)", paths[k]);
}

/* --otlp-endpoint: a failure is said here, in one line. */
static int post_otlp(const struct st_model *m, const struct st_render_opts *o,
		     const char *url, int64_t ms)
{
	char err[1024];
	uint32_t n;

	if (st_render_otlp_endpoint(m, o, url, ms < 1 ? 1 : ms > INT_MAX ? INT_MAX : (int)ms,
				    err, sizeof(err), &n) < 0)
		errx(1, n ? "%s (after %u request%s accepted)" : "%s", err, n, n == 1 ? "" : "s");
	return 0;
}

/* How often --follow looks at the logs. */
#define FOLLOW_TICK_MS 200
/* It builds the model again (on new records) at most once per this many
 * times the last build took, so a flood of records costs it a bounded
 * share of a CPU. */
#define FOLLOW_BUILD_SPACING 3
/* How much nicer than its caller it runs. */
#define FOLLOW_NICE 10

static volatile sig_atomic_t follow_stop;

static void on_stop(int sig)
{
	(void)sig;
	follow_stop = 1;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * --follow: reads what the logs under the paths gained every tick into one
 * growing trace (read/tail.c), builds the model when there is something
 * new and prints what is new (render/live.c), until SIGINT or SIGTERM,
 * after which it reads them once more.  It only reads files: the traced
 * programs never notice.  A path with no log yet is waited for.  Times
 * are each host's own (the model's clock estimate is not applied: the
 * trace is not rewritten).
 */
static int follow(char **paths, int n, const struct st_render_opts *o)
{
	struct sigaction sa;
	struct st_live *lv = st_live_new();
	struct st_tail *tl = st_tail_new(paths, n);
	struct st_trace tr;
	struct st_model m;
	struct stat sb;
	int64_t next_build = 0, t0;
	bool last = false, pending = false;
	long r;
	int i;

	for (i = 0; i < n; i++)
		if (stat(paths[i], &sb) != 0)
			err(1, "%s", paths[i]);
	if (!lv || !tl)
		errx(1, "out of memory");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A lower priority: where CPUs are short, the traced programs go
	 * first and the view catches up after. */
	errno = 0;
	if (nice(FOLLOW_NICE) == -1 && errno)
		warn("nice");
	st_trace_init(&tr);
	while (!last) {
		struct timespec ts = { 0, FOLLOW_TICK_MS * 1000000L };

		last = follow_stop;
		if ((r = st_tail_read(tl, &tr, last)) < 0)
			errx(1, "%s", tr.error);
		pending |= r > 0;
		if (pending && (last || mono_ns() >= next_build)) {
			t0 = mono_ns();
			if (st_trace_sort(&tr) < 0 || st_model_build_clocked(&m, &tr, false) < 0)
				errx(1, "out of memory");
			if (st_render_live(stdout, &m, o, lv) < 0 || fflush(stdout) != 0)
				errx(1, "cannot write the output");
			st_model_free(&m);
			pending = false;
			next_build = mono_ns() + (mono_ns() - t0) * FOLLOW_BUILD_SPACING;
		}
		if (!last && !follow_stop)
			nanosleep(&ts, NULL);	/* a signal ends it early */
	}
	report_endings(&tr);
	st_trace_free(&tr);
	st_tail_free(tl);
	st_live_free(lv);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "conns", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "svg", no_argument, NULL, 'S' },
		{ "hosts", no_argument, NULL, 'H' },
		{ "otlp", no_argument, NULL, OPT_OTLP },
		{ "otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT },
		{ "otlp-timeout", required_argument, NULL, OPT_OTLP_TIMEOUT },
		{ "otlp-batch", required_argument, NULL, OPT_OTLP_BATCH },
		{ "perfetto", no_argument, NULL, 'F' },
		{ "pcapng", no_argument, NULL, 'N' },
		{ "mermaid", no_argument, NULL, 'M' },
		{ "html", no_argument, NULL, 'W' },
		{ "plantuml", no_argument, NULL, 'U' },
		{ "exchanges", required_argument, NULL, 'x' },
		{ "jsonl", no_argument, NULL, 'L' },
		{ "follow", no_argument, NULL, 'Y' },
		{ "threads", no_argument, NULL, 'T' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "color", required_argument, NULL, 'c' },
		{ "colour", required_argument, NULL, 'c' },
		{ "width", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "conn", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "no-clock-fix", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct st_render_opts o;
	struct st_trace tr;
	struct st_model m;
	enum mode mode = M_TIMELINE;
	const char *mode_opt = NULL, *from = NULL, *to = NULL;
	const char *color = "auto";
	int ch, i, r;
	static uint32_t *first_file;	/* static: a root for LeakSanitizer at errx */
	bool clock_fix = true;
	const char *endpoint = NULL;
	int64_t otlp_ms = 10000;

	memset(&o, 0, sizeof(o));
	st_filter_init(&o.filter);
	o.width = -1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': set_mode(&mode, &mode_opt, M_CONNS, "--conns"); break;
		case 'j': o.json = true; break;
		case 'S': set_mode(&mode, &mode_opt, M_SVG, "--svg"); break;
		case 'H': set_mode(&mode, &mode_opt, M_HOSTS, "--hosts"); break;
		case OPT_OTLP: set_mode(&mode, &mode_opt, M_OTLP, "--otlp"); break;
		case OPT_OTLP_ENDPOINT:
			set_mode(&mode, &mode_opt, M_OTLP_POST, "--otlp-endpoint");
			endpoint = optarg;
			break;
		case OPT_OTLP_BATCH:
			o.otlp_batch = (uint32_t)parse_long("--otlp-batch", optarg, 1, 1000000);
			break;
		case OPT_OTLP_TIMEOUT:
			otlp_ms = parse_seconds("--otlp-timeout", optarg) / 1000000;
			break;
		case 'F': set_mode(&mode, &mode_opt, M_PERFETTO, "--perfetto"); break;
		case 'N': set_mode(&mode, &mode_opt, M_PCAPNG, "--pcapng"); break;
		case 'M': set_mode(&mode, &mode_opt, M_MERMAID, "--mermaid"); break;
		case 'W': set_mode(&mode, &mode_opt, M_HTML, "--html"); break;
		case 'U': set_mode(&mode, &mode_opt, M_PLANTUML, "--plantuml"); break;
		case 'x': o.exchanges = (uint32_t)parse_long("--exchanges", optarg, 1, 1000000); break;
		case 'L': set_mode(&mode, &mode_opt, M_JSONL, "--jsonl"); break;
		case 'Y': set_mode(&mode, &mode_opt, M_FOLLOW, "--follow"); break;
		case 'T': o.threads = true; break;
		case 'a': o.ascii = true; break;
		case 'c': color = optarg; break;
		case 'w': o.width = (int)parse_long("--width", optarg, 20, 10000); break;
		case 'p': o.filter.pid = parse_long("--pid", optarg, 0, INT_MAX); break;
		case 'P': o.filter.port = parse_long("--port", optarg, 0, 65535); break;
		case 'n': o.filter.conn = parse_long("--conn", optarg, 1, LONG_MAX); break;
		case 'f': o.filter.from = parse_seconds("--from", from = optarg); break;
		case 't': o.filter.to = parse_seconds("--to", to = optarg); break;
		case 'R': clock_fix = false; break;
		case 'h': help(); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	if (o.json && mode != M_CONNS) {
		warnx("--json goes with --conns");
		usage();
	}
	if (from && to && o.filter.from > o.filter.to) {
		warnx("--from %s is later than --to %s: the window holds nothing", from, to);
		usage();
	}
	if (strcmp(color, "always") == 0)
		o.color = true;
	else if (strcmp(color, "never") == 0)
		o.color = false;
	else if (strcmp(color, "auto") == 0)
		o.color = isatty(STDOUT_FILENO);
	else {
		warnx("--color: always, never or auto, not %s", color);
		usage();
	}
	if (getenv("NO_COLOR") && getenv("NO_COLOR")[0])
		o.color = false;
	if (o.width < 0)
		o.width = terminal_width();

	if (mode == M_FOLLOW)
		return follow(argv + optind, argc - optind, &o);
	st_trace_init(&tr);
	if (!(first_file = calloc((size_t)(argc - optind) + 1, sizeof(*first_file))))
		errx(1, "out of memory");
	for (i = optind; i < argc; i++) {
		first_file[i - optind] = tr.nfiles;
		if (st_trace_add_path(&tr, argv[i]) < 0)
			errx(1, "%s", tr.error);
	}
	first_file[argc - optind] = tr.nfiles;
	if (st_trace_sort(&tr) < 0)
		errx(1, "out of memory");
	check_logs(&tr, argv + optind, argc - optind, first_file);
	free(first_file);
	if (tr.newest_version > ST_FORMAT_VERSION)
		warnx("log format version %d is newer than %d: reading what I can",
		      tr.newest_version, ST_FORMAT_VERSION);
	/* --jsonl needs the model's connections only to filter by them. */
	if (mode == M_JSONL && o.filter.conn < 0 && o.filter.port < 0) {
		memset(&m, 0, sizeof(m));
		m.tr = &tr;
	} else if (st_model_build_clocked(&m, &tr, clock_fix) < 0) {
		errx(1, "out of memory");
	}
	switch (mode) {
	case M_CONNS: r = st_render_conns(stdout, &m, &o); break;
	case M_SVG: r = st_render_svg(stdout, &m, &o); break;
	case M_HOSTS: r = st_render_hosts(stdout, &m, &o); break;
	case M_OTLP: r = st_render_otlp(stdout, &m, &o); break;
	case M_OTLP_POST: r = post_otlp(&m, &o, endpoint, otlp_ms); break;
	case M_PERFETTO: r = st_render_perfetto(stdout, &m, &o); break;
	case M_PCAPNG: r = st_render_pcapng(stdout, &m, &o); break;
	case M_MERMAID: r = st_render_mermaid(stdout, &m, &o); break;
	case M_HTML: r = st_render_html(stdout, &m, &o); break;
	case M_PLANTUML: r = st_render_plantuml(stdout, &m, &o); break;
	case M_JSONL: r = st_render_jsonl(stdout, &m, &o); break;
	default: r = st_render_timeline(stdout, &m, &o); break;
	}
	report_skipped(&tr);
	report_endings(&tr);
	if (m.nprocs)
		st_report_hosts(stderr, &m);
	if (r < 0)
		errx(1, "cannot write the output");
	st_model_free(&m);
	st_trace_free(&tr);
	return 0;
}
