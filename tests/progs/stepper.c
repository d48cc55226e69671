/*
 * stepper.c: a program that makes socket calls when told to, so a test can
 * watch them appear in sockview --follow while it still runs
 * (tests/test_viewer_live.c).
 *
 * usage: stepper FIFO
 * Makes a socketpair (a, b), then reads commands, one a line, from FIFO:
 *   send WORD   send(a, WORD), recv on b; prints "@ sent WORD"
 *   fork WORD   a child sends WORD on a and exits; the parent receives it
 *               on b; prints "@ forked WORD pid=<child>"
 *   burst N W   N times: send(a, W followed by the count, 6 digits: "W000000",
 *               ...), recv on b; prints "@ burst W"
 *   quit        exits 0
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	char line[256], buf[256];
	FILE *ctl;
	int sv[2];

	if (argc != 2)
		errx(2, "usage: stepper FIFO");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		err(1, "socketpair");
	if (!(ctl = fopen(argv[1], "r")))
		err(1, "%s", argv[1]);
	while (fgets(line, sizeof(line), ctl)) {
		char *word = strchr(line, ' ');
		size_t n;
		pid_t pid;

		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "quit") == 0)
			return 0;
		if (!word)
			errx(2, "bad command: %s", line);
		*word++ = '\0';
		n = strlen(word);
		if (strcmp(line, "send") == 0) {
			if (send(sv[0], word, n, 0) != (ssize_t)n || recv(sv[1], buf, n, MSG_WAITALL) != (ssize_t)n)
				err(1, "send");
			printf("@ sent %s\n", word);
		} else if (strcmp(line, "burst") == 0) {
			char *w = strchr(word, ' ');
			long i, k = strtol(word, NULL, 10);

			if (!w || k < 1 || k > 999999)
				errx(2, "bad burst: %s", word);
			for (w++, i = 0; i < k; i++) {
				int m = snprintf(buf, sizeof(buf), "%.32s%06ld", w, i);

				if (send(sv[0], buf, (size_t)m, 0) != m ||
				    recv(sv[1], buf, (size_t)m, MSG_WAITALL) != m)
					err(1, "burst");
			}
			printf("@ burst %s\n", w);
		} else if (strcmp(line, "fork") == 0) {
			pid = fork_flushed();
			if (pid == 0)
				_exit(send(sv[0], word, n, 0) == (ssize_t)n ? 0 : 1);
			if (recv(sv[1], buf, n, MSG_WAITALL) != (ssize_t)n || waitpid(pid, NULL, 0) != pid)
				err(1, "fork");
			printf("@ forked %s pid=%d\n", word, (int)pid);
		} else {
			errx(2, "bad command: %s", line);
		}
	}
	return 1;
}
