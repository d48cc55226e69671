/*
 * real.h: the real libc functions behind our wrappers, one pointer per CALL
 * row of common/calls.def, found with dlsym(RTLD_NEXT, ...) by st_init().
 */
#ifndef ST_REAL_H
#define ST_REAL_H

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netdb.h>
#include <poll.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* glibc declares these only under some feature macros or not at all. */
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
		       struct sockaddr *addr, socklen_t *alen);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
int fcntl64(int fd, int cmd, ...);

/* OpenSSL's, declared here: the library is not linked with libssl; the
 * real functions are found at run time in a program that has it. */
struct ssl_st;
int SSL_write(struct ssl_st *ssl, const void *buf, int num);
int SSL_read(struct ssl_st *ssl, void *buf, int num);
int SSL_peek(struct ssl_st *ssl, void *buf, int num);
int SSL_write_ex(struct ssl_st *ssl, const void *buf, size_t num, size_t *written);
int SSL_read_ex(struct ssl_st *ssl, void *buf, size_t num, size_t *readbytes);
int SSL_peek_ex(struct ssl_st *ssl, void *buf, size_t num, size_t *readbytes);
/* GnuTLS's, likewise (gnutls_session_t is a struct gnutls_session_int *). */
struct gnutls_session_int;
ssize_t gnutls_record_send(struct gnutls_session_int *session, const void *data, size_t size);
ssize_t gnutls_record_recv(struct gnutls_session_int *session, void *data, size_t size);
int capset(cap_user_header_t hdr, const cap_user_data_t data);

struct st_real {
#define CALL(name, group, frame, view) __typeof__(name) *name;
#include "calls.def"
};

extern struct st_real st_real;

#endif
