/*
 * sockaddr.h: formatting socket addresses and naming protocols the way the
 * log format says (docs/log-format.md, "Addresses").  Pure: no globals that
 * change, no I/O, so the library, the viewer and the tests share it.
 */
#ifndef ST_SOCKADDR_H
#define ST_SOCKADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Room for any formatted address: an AF_UNIX path of 108 bytes, or the hex
 * fallback of a sockaddr_storage, whichever is longer. */
#define ST_ADDR_MAX 300

/* Formats the first len bytes of sa into out (always NUL-terminated).  A
 * short or unknown address falls back to "family<N>:" and hex.  Returns the
 * length written. */
size_t st_format_sockaddr(char *out, size_t cap, const struct sockaddr *sa, socklen_t len);

/* The log's protocol name for a socket of this family, type (flags masked
 * off here) and protocol: "tcp", "udp", "unix-stream", ... */
const char *st_proto_name(int family, int type, int protocol);

/* "AF_INET", "AF_UNIX", ...; NULL when unknown. */
const char *st_family_name(int family);

#endif
