/*
 * wrap_tls.c: OpenSSL's plaintext, opt-in (SOCKTRACE_TLS=1, socktrace
 * --tls): SSL_write, SSL_write_ex, SSL_read, SSL_read_ex, SSL_peek and
 * SSL_peek_ex are logged with the bytes the program gave or got, the
 * socket under the SSL object and its five-tuple.  This logs secrets:
 * passwords, cookies, tokens, in the clear.
 *
 * The socket is SSL_get_fd's.  An SSL object on a BIO of the program's own
 * (curl's, a memory BIO) has none: then it is the socket the program read
 * or wrote while OpenSSL had the call (its BIO calls the program, which
 * calls recv or send: "fd_by":"io"), or when the call moved no bytes on
 * the wire (served from a record already read, or buffered), the socket
 * of the thread's last data call before it ("fd_by":"last", a guess).
 *
 * The library is not linked with libssl.  These names are exported like
 * every wrapped call, so a program (or a library such as libcurl) that
 * calls them through the dynamic linker calls ours; the real function is
 * found with dlsym(RTLD_NEXT, ...) at start-up or, when libssl was loaded
 * later (dlopen), at the first call.  A libssl that came in privately
 * (RTLD_LOCAL) as the dependency of a dlopened module (Python's _ssl,
 * Ruby's openssl.so) is not in the global scope, so RTLD_NEXT does not see
 * it, yet the module's calls come to us: then the loaded libssl is found
 * among the process's objects and asked by its own handle.  A program
 * without libssl never calls them.  With SOCKTRACE_TLS unset a call costs one check.  What is read of
 * the program's memory is what OpenSSL just took or gave (ret bytes of
 * buf, and the _ex count it wrote on success).
 */
#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "wrap.h"

/* dl_iterate_phdr: the first loaded object whose file is a libssl. */
static int find_libssl(struct dl_phdr_info *info, size_t size, void *out)
{
	const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size;
	base = base ? base + 1 : info->dlpi_name;
	if (base && strncmp(base, "libssl.so", 9) == 0) {
		*(const char **)out = info->dlpi_name;
		return 1;
	}
	return 0;
}

/* A function of libssl: the next definition after ours, or, when libssl
 * is loaded privately (RTLD_LOCAL), its own; NULL without libssl. */
static void *tls_lookup(const char *name)
{
	const char *path = NULL;
	void *f = dlsym(RTLD_NEXT, name), *h;

	if (f)
		return f;
	dl_iterate_phdr(find_libssl, &path);
	/* RTLD_NOLOAD: a handle on the copy already there, never a load. */
	if (!path || !(h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD)))
		return NULL;
	f = dlsym(h, name);
	dlclose(h);
	return f;
}

/* The real function of a TLS row, found on first use when libssl came
 * after start-up. */
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

/* The fd under an SSL object: SSL_get_fd's answer or, when the SSL
 * object reads and writes through a BIO of the program's own, the socket
 * the call moved bytes on (*by "io"), else the thread's last one before
 * (*by "last"); -1 when none. */
static int ssl_fd(struct ssl_st *ssl, const struct around *a, const char **by)
{
	static int (*get_fd)(struct ssl_st *);
	int (*f)(struct ssl_st *) = __atomic_load_n(&get_fd, __ATOMIC_RELAXED);
	int fd;

	if (!f) {
		f = (int (*)(struct ssl_st *))tls_lookup("SSL_get_fd");
		__atomic_store_n(&get_fd, f, __ATOMIC_RELAXED);
	}
	fd = f ? f(ssl) : -1;
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

/* One record: the call, its return, the socket and n bytes of plaintext
 * at buf (in: read by the program). */
static void log_tls(struct st_call *c, int64_t ret, struct ssl_st *ssl, const struct around *a,
		    const void *buf, int64_t n, bool in)
{
	struct st_event ev;
	struct iovec one = { (void *)buf, n > 0 ? (size_t)n : 0 };
	const char *by;

	c->fd = ssl_fd(ssl, a, &by);
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

/* SSL_write, SSL_read, SSL_peek: ret is the count, or <= 0 for none. */
static int tls_int(const char *name, __typeof__(SSL_read) *real, struct ssl_st *ssl, void *buf,
		   int num, bool in)
{
	struct st_call c;
	struct around a;
	int ret;

	st_call_begin(&c, name, -1);
	around_begin(&a);
	ret = real(ssl, buf, num);
	around_end(&a);
	/* OpenSSL's errors are not errno: the record has ret only. */
	st_call_end(&c, false);
	log_tls(&c, ret, ssl, &a, buf, ret > 0 ? ret : -1, in);
	return (int)st_result(&c, ret);
}

/* The _ex forms: 1 and the count in *done, or 0. */
static int tls_ex(const char *name, __typeof__(SSL_read_ex) *real, struct ssl_st *ssl,
		  void *buf, size_t num, size_t *done, bool in)
{
	struct st_call c;
	struct around a;
	int ret;

	st_call_begin(&c, name, -1);
	around_begin(&a);
	ret = real(ssl, buf, num, done);
	around_end(&a);
	st_call_end(&c, false);
	log_tls(&c, ret, ssl, &a, buf, ret == 1 && done ? (int64_t)*done : -1, in);
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
