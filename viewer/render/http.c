/*
 * http.c: OTLP/HTTP (`sockview --otlp-endpoint URL`): the requests otlp.c
 * makes, each POSTed to URL/v1/traces with Content-Type application/json,
 * by a small HTTP/1.1 client of our own over a socket (one connection per
 * request, "Connection: close").  http:// only: TLS would need a library.
 *
 * Every failure is said in one line: the URL that is not http://, a name
 * that does not resolve, a refused connection, a timeout (connecting,
 * sending or waiting for the answer), or an answer that is not 2xx, with
 * its status line and the first line of its body (escaped: it comes from
 * the network).
 */
#include "render/render.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "render/out.h"

/* The most of an answer kept (status line, headers, start of the body). */
#define ANSWER_MAX 65536

struct endpoint {
	char host[256];
	char port[8];
	char path[1024];	/* the URL's path, then /v1/traces */
	const char *url;
	int timeout_ms;
	char *err;
	size_t errlen;
	uint32_t sent;		/* requests accepted so far */
};

static void say(struct endpoint *ep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ep->err, ep->errlen, fmt, ap);
	va_end(ap);
}

/* Splits http://host[:port][/path]; false (and why in err) when it is not
 * such a URL. */
static bool parse_url(struct endpoint *ep, const char *url)
{
	const char *p, *host, *end, *slash;
	size_t hn, pl;

	if (strncmp(url, "https://", 8) == 0) {
		say(ep, "%s: https is not supported (no TLS library): give an http:// URL, "
		    "such as a local OpenTelemetry Collector's http://127.0.0.1:4318", url);
		return false;
	}
	if (strncmp(url, "http://", 7) != 0) {
		say(ep, "%s: not an http:// URL", url);
		return false;
	}
	host = url + 7;
	slash = strchr(host, '/');
	end = slash ? slash : host + strlen(host);
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));

		if (!rb) {
			say(ep, "%s: unclosed [ in the host", url);
			return false;
		}
		hn = (size_t)(rb - host - 1);
		memcpy(ep->host, host + 1, hn < sizeof(ep->host) ? hn : 0);
		p = rb + 1;
	} else {
		p = memchr(host, ':', (size_t)(end - host));
		hn = (size_t)((p ? p : end) - host);
		memcpy(ep->host, host, hn < sizeof(ep->host) ? hn : 0);
	}
	if (hn == 0 || hn >= sizeof(ep->host)) {
		say(ep, "%s: no host, or a host name too long", url);
		return false;
	}
	ep->host[hn] = '\0';
	strcpy(ep->port, "80");
	if (p && p < end && *p == ':') {
		size_t n = (size_t)(end - p - 1), i;

		if (n == 0 || n > 5) {
			say(ep, "%s: bad port", url);
			return false;
		}
		for (i = 0; i < n; i++) {
			if (p[1 + i] < '0' || p[1 + i] > '9') {
				say(ep, "%s: bad port", url);
				return false;
			}
		}
		memcpy(ep->port, p + 1, n);
		ep->port[n] = '\0';
		if (atoi(ep->port) < 1 || atoi(ep->port) > 65535) {
			say(ep, "%s: bad port", url);
			return false;
		}
	} else if (p && p < end) {
		say(ep, "%s: bad host", url);
		return false;
	}
	/* The base path, without a trailing slash, then /v1/traces. */
	pl = slash ? strlen(slash) : 0;
	while (pl > 0 && slash[pl - 1] == '/')
		pl--;
	if (pl + sizeof("/v1/traces") > sizeof(ep->path)) {
		say(ep, "%s: path too long", url);
		return false;
	}
	for (size_t i = 0; i < pl; i++) {
		if ((unsigned char)slash[i] <= ' ' || slash[i] == 0x7f) {
			say(ep, "%s: spaces or control characters in the path", url);
			return false;
		}
	}
	memcpy(ep->path, slash ? slash : "", pl);
	strcpy(ep->path + pl, "/v1/traces");
	ep->url = url;
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	int r;

	do {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* A connected socket to the endpoint, or -1 (err said). */
static int dial(struct endpoint *ep, int64_t deadline)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc, e = 0;
	bool timed_out = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(ep->host, ep->port, &hints, &res);
	if (rc != 0) {
		say(ep, "%s: cannot resolve %s: %s", ep->url, ep->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t el = sizeof(e);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
				break;
			if (rc == 0) {
				timed_out = true;
				e = ETIMEDOUT;
			}
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (timed_out)
			say(ep, "%s: timed out connecting to %s port %s (after %d ms)", ep->url,
			    ep->host, ep->port, ep->timeout_ms);
		else if (e == ECONNREFUSED)
			say(ep, "%s: connection refused by %s port %s (is the collector running "
			    "and listening there?)", ep->url, ep->host, ep->port);
		else
			say(ep, "%s: cannot connect to %s port %s: %s", ep->url, ep->host, ep->port,
			    strerror(e));
	}
	return fd;
}

static bool send_all(struct endpoint *ep, int fd, const char *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_fd(fd, POLLOUT, deadline);

			if (r > 0)
				continue;
			if (r == 0) {
				say(ep, "%s: timed out sending a request (after %d ms)", ep->url,
				    ep->timeout_ms);
				return false;
			}
		}
		say(ep, "%s: sending a request: %s", ep->url, strerror(errno));
		return false;
	}
	return true;
}

/* Reads the answer until the server closes (we asked it to), ANSWER_MAX
 * bytes are in, or the deadline: the length, or -1 (err said). */
static long read_answer(struct endpoint *ep, int fd, char *buf, int64_t deadline)
{
	size_t n = 0;

	while (n < ANSWER_MAX) {
		ssize_t r = recv(fd, buf + n, ANSWER_MAX - n, 0);

		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int w = wait_fd(fd, POLLIN, deadline);

			if (w > 0)
				continue;
			if (w == 0) {
				say(ep, "%s: timed out waiting for the answer (after %d ms)", ep->url,
				    ep->timeout_ms);
				return -1;
			}
		}
		if (n > 0)
			break;	/* a reset after the answer */
		say(ep, "%s: reading the answer: %s", ep->url, strerror(errno));
		return -1;
	}
	return (long)n;
}

/* The first line of text in [p, end), escaped into out. */
static void first_line(char *out, size_t cap, const char *p, const char *end)
{
	char tmp[512];
	struct st_out o = { NULL, tmp, 0, sizeof(tmp), false, false };
	const char *nl;

	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p >= end) {
		out[0] = '\0';
		return;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	st_out_bytes(&o, p, (size_t)(nl - p), 200);
	snprintf(out, cap, "%.*s", (int)o.len, tmp);
}

/* Checks the answer: 0 for 2xx, else -1 with the status and the body's
 * first line said. */
static int check_answer(struct endpoint *ep, const char *buf, size_t n)
{
	const char *end = buf + n, *body, *line_end;
	char status[256], first[256];
	int code;

	if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ') {
		first_line(first, sizeof(first), buf, end);
		say(ep, "%s: not an HTTP answer: \"%s\"", ep->url, n ? first : "(nothing)");
		return -1;
	}
	code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (code >= 200 && code < 300)
		return 0;
	first_line(status, sizeof(status), buf, end);
	body = memmem(buf, n, "\r\n\r\n", 4);
	body = body ? body + 4 : end;
	/* A chunked body starts with its first chunk's size. */
	if (body < end && memmem(buf, (size_t)(body - buf), "chunked", 7)) {
		line_end = memchr(body, '\n', (size_t)(end - body));
		body = line_end ? line_end + 1 : end;
	}
	first_line(first, sizeof(first), body, end);
	say(ep, "%s: the server answered \"%s\"%s%s%s", ep->url, status,
	    first[0] ? ": \"" : " (no body)", first, first[0] ? "\"" : "");
	return -1;
}

/* POSTs one request body: 0, or -1 with err said. */
static int post(void *arg, const char *body, size_t len)
{
	struct endpoint *ep = arg;
	int64_t deadline = now_ms() + ep->timeout_ms;
	char head[1536], *answer;
	int fd, hl, r = -1;
	long n;

	if ((fd = dial(ep, deadline)) < 0)
		return -1;
	hl = snprintf(head, sizeof(head),
		      "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: sockview\r\n"
		      "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n", ep->path, strchr(ep->host, ':') ? "[" : "",
		      ep->host, strchr(ep->host, ':') ? "]" : "", ep->port, len);
	if (!(answer = malloc(ANSWER_MAX))) {
		say(ep, "out of memory");
		goto out;
	}
	if (!send_all(ep, fd, head, (size_t)hl, deadline) ||
	    !send_all(ep, fd, body, len, deadline))
		goto out;
	if ((n = read_answer(ep, fd, answer, deadline)) < 0)
		goto out;
	if (check_answer(ep, answer, (size_t)n) < 0)
		goto out;
	ep->sent++;
	r = 0;
out:
	free(answer);
	close(fd);
	return r;
}

int st_render_otlp_endpoint(const struct st_model *m, const struct st_render_opts *o,
			    const char *url, int timeout_ms, char *err, size_t errlen,
			    uint32_t *requests)
{
	struct endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.err = err;
	ep.errlen = errlen;
	ep.timeout_ms = timeout_ms;
	err[0] = '\0';
	if (!parse_url(&ep, url))
		return -1;
	if (st_otlp_write(m, o, post, &ep) < 0) {
		if (!err[0])
			say(&ep, "out of memory");
		*requests = ep.sent;
		return -1;
	}
	*requests = ep.sent;
	return 0;
}
