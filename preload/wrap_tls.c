/*
 * wrap_tls.c: TLS plaintext, opt-in (SOCKTRACE_TLS=1, socktrace --tls):
 * OpenSSL's SSL_write, SSL_write_ex, SSL_read, SSL_read_ex, SSL_peek and
 * SSL_peek_ex, and GnuTLS's gnutls_record_send and gnutls_record_recv, are
 * logged with the bytes the program gave or got, the socket under the
 * TLS session and its five-tuple.  This logs secrets: passwords, cookies,
 * tokens, in the clear.
 *
 * The socket is the library's own answer: SSL_get_fd, or
 * gnutls_transport_get_int.  A session on a BIO or transport of the
 * program's own (curl's, a memory BIO, GnuTLS push and pull functions on a
 * pointer) has none: then it is the socket the program read or wrote
 * while the library had the call (its BIO calls the program, which calls
 * recv or send: "fd_by":"io"), or when the call moved no bytes on the
 * wire (served from a record already read, or buffered), the socket of
 * the thread's last data call before it ("fd_by":"last", a guess).
 *
 * The library is not linked with libssl or libgnutls.  These names are
 * exported like every wrapped call, so a program (or a library such as
 * libcurl) that calls them through the dynamic linker calls ours (an
 * unversioned definition stands for any version the caller asks, as
 * GnuTLS's GNUTLS_3_4); the real function is found with
 * dlsym(RTLD_NEXT, ...) at start-up or, when the TLS library was loaded
 * later (dlopen), at the first call.  A libssl or libgnutls that came in
 * privately (RTLD_LOCAL) as the dependency of a dlopened module (Python's
 * _ssl, Ruby's openssl.so) is not in the global scope, so RTLD_NEXT does
 * not see it, yet the module's calls come to us: then the loaded library
 * is found among the process's objects and asked by its own handle.  A
 * program without them never calls them.  With SOCKTRACE_TLS unset a call
 * costs one check.  What is read of the program's memory is what the
 * library just took or gave (ret bytes of buf, and the _ex count it wrote
 * on success).
 */
#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "wrap.h"

/* What find_lib looks for (prefix, the start of a file name) and found. */
struct lib_find {
	const char *prefix;
	const char *path;
};

/* dl_iterate_phdr: the first loaded object whose file name starts with
 * the prefix. */
static int find_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct lib_find *lf = arg;
	const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size;
	base = base ? base + 1 : info->dlpi_name;
	if (base && strncmp(base, lf->prefix, strlen(lf->prefix)) == 0) {
		lf->path = info->dlpi_name;
		return 1;
	}
	return 0;
}

/* A function of libssl or libgnutls (by its name): the next definition
 * after ours, or, when its library is loaded privately (RTLD_LOCAL), its
 * own; NULL without the library. */
static void *tls_lookup(const char *name)
{
	struct lib_find lf = { strncmp(name, "gnutls_", 7) == 0 ? "libgnutls.so" : "libssl.so",
			       NULL };
	void *f = dlsym(RTLD_NEXT, name), *h;

	if (f)
		return f;
	dl_iterate_phdr(find_lib, &lf);
	/* RTLD_NOLOAD: a handle on the copy already there, never a load. */
	if (!lf.path || !(h = dlopen(lf.path, RTLD_LAZY | RTLD_NOLOAD)))
		return NULL;
	f = dlsym(h, name);
	dlclose(h);
	return f;
}

/* The real function of a TLS row, found on first use when its library
 * came after start-up. */
#define TLS_REAL(name) \
	(st_real.name ? st_real.name : \
	 (st_real.name = (__typeof__(name) *)tls_lookup(#name)))

/* The data calls of the thread around one SSL call (st_last_fd1, which
 * every data call sets): the last one before it, and the last one while
 * OpenSSL had it (0: none; both are fd + 1). */
struct around {
	int before, during;
};

static void around_begin(struct around *a)
{
	a->before = st_last_fd1;
	st_last_fd1 = 0;
}

static void around_end(struct around *a)
{
	a->during = st_last_fd1;
	if (!a->during)
		st_last_fd1 = a->before;
}

/* The session's getter of its fd (SSL_get_fd, gnutls_transport_get_int),
 * looked up once and kept in *cache; -1 when there is none. */
static int lib_fd(void *session, const char *getter, int (*_Atomic *cache)(void *))
{
	int (*f)(void *) = atomic_load_explicit(cache, memory_order_relaxed);

	if (!f) {
		f = (int (*)(void *))tls_lookup(getter);
		atomic_store_explicit(cache, f, memory_order_relaxed);
	}
	return f ? f(session) : -1;
}

/* The fd under a TLS session: fd, the library's answer, when it is a
 * socket or, when the session reads and writes through a BIO or transport
 * of the program's own, the socket the call moved bytes on (*by "io"),
 * else the thread's last one before (*by "last"); -1 when none. */
static int tls_fd(int fd, const struct around *a, const char **by)
{
	*by = NULL;
	if (fd >= 0 && st_fd_known_socket(fd))
		return fd;
	if (a->during) {
		*by = "io";
		return a->during - 1;
	}
	*by = a->before ? "last" : NULL;
	return a->before - 1;
}

/* One record: the call, its return, the socket (libfd the library's
 * answer) and n bytes of plaintext at buf (in: read by the program). */
static void log_tls(struct st_call *c, int64_t ret, int libfd, const struct around *a,
		    const void *buf, int64_t n, bool in)
{
	struct st_event ev;
	struct iovec one = { (void *)buf, n > 0 ? (size_t)n : 0 };
	const char *by;

	c->fd = tls_fd(libfd, a, &by);
	st_event_begin(&ev, c, ret);
	st_event_sock(&ev, c->fd, NULL);
	if (by)
		st_rec_str(&ev.rec, "fd_by", by);
	if (n >= 0)
		st_event_datav(&ev, &one, 1, n,
			       n > 0 ? st_fd_head(c->fd, ST_WAY_TLS | (in ? ST_WAY_IN : ST_WAY_OUT), n)
				     : 0);
	st_event_emit(&ev);
}

/* Around the real call of a TLS row: its times, and the data calls the
 * thread made while the library had it. */
static void tls_call_begin(struct st_call *c, struct around *a, const char *name)
{
	st_call_begin(c, name, -1);
	around_begin(a);
}

static void tls_call_end(struct st_call *c, struct around *a)
{
	around_end(a);
	/* The TLS libraries' errors are not errno: the record has ret only. */
	st_call_end(c, false);
}

/* SSL_get_fd's answer. */
static int ssl_fd(struct ssl_st *ssl)
{
	static int (*_Atomic get)(void *);

	return lib_fd(ssl, "SSL_get_fd", &get);
}

/* SSL_write, SSL_read, SSL_peek: ret is the count, or <= 0 for none. */
static int tls_int(const char *name, __typeof__(SSL_read) *real, struct ssl_st *ssl, void *buf,
		   int num, bool in)
{
	struct st_call c;
	struct around a;
	int ret;

	tls_call_begin(&c, &a, name);
	ret = real(ssl, buf, num);
	tls_call_end(&c, &a);
	log_tls(&c, ret, ssl_fd(ssl), &a, buf, ret > 0 ? ret : -1, in);
	return (int)st_result(&c, ret);
}

/* The _ex forms: 1 and the count in *done, or 0. */
static int tls_ex(const char *name, __typeof__(SSL_read_ex) *real, struct ssl_st *ssl,
		  void *buf, size_t num, size_t *done, bool in)
{
	struct st_call c;
	struct around a;
	int ret;

	tls_call_begin(&c, &a, name);
	ret = real(ssl, buf, num, done);
	tls_call_end(&c, &a);
	log_tls(&c, ret, ssl_fd(ssl), &a, buf, ret == 1 && done ? (int64_t)*done : -1, in);
	return (int)st_result(&c, ret);
}

ST_EXPORT int SSL_write(struct ssl_st *ssl, const void *buf, int num)
{
	__typeof__(SSL_write) *real = TLS_REAL(SSL_write);

	if (!real)
		return -1;	/* no libssl to call: cannot be reached by a program */
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num);
	return tls_int("SSL_write", (__typeof__(SSL_read) *)real, ssl, (void *)buf, num, false);
}

ST_EXPORT int SSL_read(struct ssl_st *ssl, void *buf, int num)
{
	__typeof__(SSL_read) *real = TLS_REAL(SSL_read);

	if (!real)
		return -1;
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num);
	return tls_int("SSL_read", real, ssl, buf, num, true);
}

ST_EXPORT int SSL_peek(struct ssl_st *ssl, void *buf, int num)
{
	__typeof__(SSL_peek) *real = TLS_REAL(SSL_peek);

	if (!real)
		return -1;
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num);
	return tls_int("SSL_peek", real, ssl, buf, num, true);
}

ST_EXPORT int SSL_write_ex(struct ssl_st *ssl, const void *buf, size_t num, size_t *written)
{
	__typeof__(SSL_write_ex) *real = TLS_REAL(SSL_write_ex);

	if (!real)
		return 0;
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num, written);
	return tls_ex("SSL_write_ex", (__typeof__(SSL_read_ex) *)real, ssl, (void *)buf, num,
		      written, false);
}

ST_EXPORT int SSL_read_ex(struct ssl_st *ssl, void *buf, size_t num, size_t *readbytes)
{
	__typeof__(SSL_read_ex) *real = TLS_REAL(SSL_read_ex);

	if (!real)
		return 0;
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num, readbytes);
	return tls_ex("SSL_read_ex", real, ssl, buf, num, readbytes, true);
}

ST_EXPORT int SSL_peek_ex(struct ssl_st *ssl, void *buf, size_t num, size_t *readbytes)
{
	__typeof__(SSL_peek_ex) *real = TLS_REAL(SSL_peek_ex);

	if (!real)
		return 0;
	if (st_untraced() || !st_cfg.tls)
		return real(ssl, buf, num, readbytes);
	return tls_ex("SSL_peek_ex", real, ssl, buf, num, readbytes, true);
}

/* ---- GnuTLS ---- */

/* gnutls_transport_get_int's answer: the int the program gave with
 * gnutls_transport_set_int (on a pointer transport it is no socket, and
 * tls_fd looks further). */
static int gnutls_fd(struct gnutls_session_int *session)
{
	static int (*_Atomic get)(void *);

	return lib_fd(session, "gnutls_transport_get_int", &get);
}

/* gnutls_record_send and gnutls_record_recv: ret is the count, 0 (recv:
 * the peer closed), or a negative GNUTLS_E_ code, not errno. */
static ssize_t gnutls_io(const char *name, __typeof__(gnutls_record_recv) *real,
			 struct gnutls_session_int *session, void *buf, size_t size, bool in)
{
	struct st_call c;
	struct around a;
	ssize_t ret;

	tls_call_begin(&c, &a, name);
	ret = real(session, buf, size);
	tls_call_end(&c, &a);
	log_tls(&c, ret, gnutls_fd(session), &a, buf, ret > 0 ? ret : -1, in);
	return (ssize_t)st_result(&c, ret);
}

ST_EXPORT ssize_t gnutls_record_send(struct gnutls_session_int *session, const void *data,
				     size_t size)
{
	__typeof__(gnutls_record_send) *real = TLS_REAL(gnutls_record_send);

	if (!real)
		return -50;	/* GNUTLS_E_INVALID_REQUEST; not reached: no libgnutls */
	if (st_untraced() || !st_cfg.tls)
		return real(session, data, size);
	return gnutls_io("gnutls_record_send", (__typeof__(gnutls_record_recv) *)real, session,
			 (void *)data, size, false);
}

ST_EXPORT ssize_t gnutls_record_recv(struct gnutls_session_int *session, void *data,
				     size_t size)
{
	__typeof__(gnutls_record_recv) *real = TLS_REAL(gnutls_record_recv);

	if (!real)
		return -50;
	if (st_untraced() || !st_cfg.tls)
		return real(session, data, size);
	return gnutls_io("gnutls_record_recv", real, session, data, size, true);
}
