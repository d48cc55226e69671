/*
 * broker.h: how the library asks the launcher for a log file it cannot
 * make itself, and tells it about a process it could not trace.
 *
 * A process that dropped its privileges (setuid() to nobody, as nginx's
 * workers do) cannot create files in a log folder that only the user who
 * ran the trace can write; the launcher can.  The launcher listens on an
 * abstract unix socket (SOCK_SEQPACKET) whose name, with 128 random bits
 * in it, is in SOCKTRACE_BROKER; only processes that were handed the
 * variable know it.  One request per connection:
 *
 *   'C', the file name (<pid>.stlog or <pid>-<n>.stlog): the launcher
 *        creates it and its ring <name>.ring in the log folder (0600,
 *        O_EXCL|O_NOFOLLOW, its own user's) and answers with err 0 and
 *        the two descriptors (SCM_RIGHTS), or err (EEXIST: take the next
 *        name) and none;
 *   'A', the file name of the asking process's own log (its pid is the
 *        connection's, SO_PEERCRED): the launcher opens it and its ring
 *        and copies the ring out into it from then on (the process, at
 *        its descriptor limit, gave the log's descriptor to the program:
 *        preload/sink.c, st_sink_give_slot()); answers err 0, or err;
 *   'F', a line of text: a process could not be traced (or stopped being
 *        traced), and why; no answer.  The launcher's summary lists them.
 */
#ifndef ST_BROKER_H
#define ST_BROKER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define ST_BROKER_ENV "SOCKTRACE_BROKER"
#define ST_BROKER_NAME_MAX 100	/* the abstract name, without its leading NUL */

struct st_broker_req {
	char op;		/* 'C', 'A' or 'F' */
	char zero[3];
	int32_t pid;		/* the asking process */
	char text[512];		/* NUL-terminated: the file name, or the line */
};

struct st_broker_rep {
	int32_t err;		/* 0: the two descriptors come with it */
};

/* Whether name is one the library gives its logs: <pid>.stlog or
 * <pid>-<n>.stlog, digits only, so a request cannot name any other file. */
static inline bool st_broker_name_ok(const char *name)
{
	size_t i = 0, n = strlen(name);
	bool dash = false;

	if (n < 7 || n > 40 || strcmp(name + n - 6, ".stlog") != 0)
		return false;
	for (i = 0; i < n - 6; i++) {
		if (name[i] == '-' && i > 0 && !dash && i + 1 < n - 6)
			dash = true;
		else if (name[i] < '0' || name[i] > '9')
			return false;
	}
	return true;
}

#endif
