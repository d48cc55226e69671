/*
 * modellog.h: what the model's unit tests share, as static inline
 * functions: small logs written line by line (HDR, FORKHDR, REC), the
 * model built from them in memory (build, build_cut, destroy), a record found by its
 * process, call name and rank (find).
 */
#ifndef MODELLOG_H
#define MODELLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "read/trace.h"

#define HDR(pid) "{\"socktrace\":1,\"type\":\"header\",\"pid\":" #pid ",\"ppid\":1,\"t\":1000,\"exe\":\"/bin/p" #pid "\",\"argv\":[\"p" #pid "\"],\"execd\":false,\"payload\":64}"
#define FORKHDR(pid, parent) "{\"socktrace\":1,\"type\":\"header\",\"pid\":" #pid ",\"ppid\":" #parent ",\"fork_of\":" #parent ",\"t\":1000,\"exe\":\"/bin/p\",\"argv\":[\"p\"],\"execd\":false,\"payload\":64}"
/* A call record: pid, t, call, then the rest of the keys. */
#define REC(pid, t, call, rest) "{\"call\":\"" call "\",\"pid\":" #pid ",\"tid\":" #pid ",\"t\":" #t ",\"dur\":10," rest "}"

struct world {
	struct st_trace tr;
	struct st_model m;
};

/* Builds the model of some logs: each a NULL-terminated list of lines,
 * log number cut (-1: none) without the newline of its last line (a
 * record cut short, the one malformed line allowed). */
static inline void build_cut(struct world *w, const char *const *const *logs, int cut)
{
	int i, j;

	st_trace_init(&w->tr);
	for (i = 0; logs[i]; i++) {
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		char name[32];

		assert_non_null(f);
		for (j = 0; logs[i][j]; j++)
			fprintf(f, i == cut && !logs[i][j + 1] ? "%s" : "%s\n", logs[i][j]);
		fclose(f);
		snprintf(name, sizeof(name), "log%d.jsonl", i);
		assert_int_equal(st_trace_add_buffer(&w->tr, name, buf, n), 0);
		free(buf);
	}
	assert_int_equal(st_trace_sort(&w->tr), 0);
	assert_int_equal(w->tr.skipped, cut >= 0);
	assert_int_equal(st_model_build(&w->m, &w->tr), 0);
}

static inline void build(struct world *w, const char *const *const *logs)
{
	build_cut(w, logs, -1);
}

static inline void destroy(struct world *w)
{
	st_model_free(&w->m);
	st_trace_free(&w->tr);
}

/* The nth (from 0) record of a call name in a process. */
static inline uint32_t find(const struct world *w, int pid, const char *call, int nth)
{
	uint32_t i;

	for (i = 0; i < w->tr.nev; i++) {
		const char *name = st_trace_str(&w->tr, w->tr.ev[i].name, NULL);

		if (w->tr.ev[i].pid == pid && strcmp(name, call) == 0 && nth-- == 0)
			return i;
	}
	fail_msg("no %s #%d in pid %d", call, nth, pid);
	return ST_NONE;
}

#endif
