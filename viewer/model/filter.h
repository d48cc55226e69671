/*
 * filter.h: which records and connections the user asked to see
 * (--pid, --port, --conn, --from/--to).  Renderers ask; the model is not
 * changed.
 */
#ifndef ST_FILTER_H
#define ST_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

struct st_filter {
	int64_t pid;		/* -1: any */
	int64_t port;		/* -1: any */
	int64_t conn;		/* connection id, -1: any */
	int64_t from, to;	/* ns since the first record; to -1: no end */
};

void st_filter_init(struct st_filter *f);
bool st_filter_event(const struct st_model *m, const struct st_filter *f,
		     uint32_t i);
/* The distinct ports of the addresses --port looks at for record i: its
 * own, its socket's and its connection's.  Returns how many. */
#define ST_FILTER_PORTS 7
uint32_t st_filter_ports(const struct st_model *m, uint32_t i,
			 int32_t ports[ST_FILTER_PORTS]);
bool st_filter_conn(const struct st_model *m, const struct st_filter *f,
		    uint32_t c);
/* true when no filter is set. */
bool st_filter_none(const struct st_filter *f);

#endif
