/*
 * address.h: what the model needs to know about an address string of the
 * log format (docs/log-format.md, *Addresses*): its port, its host, whether
 * the host is a wildcard, and its normal form for pairing, in which an
 * IPv4-mapped IPv6 address ([::ffff:1.2.3.4]:p) is written as IPv4
 * (1.2.3.4:p).  Pure string work, no sockets API.
 */
#ifndef ST_ADDRESS_H
#define ST_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* An AF_INET or AF_INET6 address's host (without brackets) and port;
 * false for anything else. */
bool st_addr_split(const char *s, size_t n, const char **host, size_t *hn, int *port);
/* The port of an AF_INET or AF_INET6 address, or -1 for anything else. */
int st_addr_port(const char *s, size_t n);
/* true for an AF_INET or AF_INET6 address. */
bool st_addr_is_inet(const char *s, size_t n);
/* Writes the normal form of s into out (at least n + 1 bytes); returns its
 * length. */
size_t st_addr_normalize(const char *s, size_t n, char *out);
/* true when two normalized inet addresses can name the same end: same port,
 * and the same host or a wildcard host (0.0.0.0, [::]) on either side. */
bool st_addr_compatible(const char *a, size_t an, const char *b, size_t bn);
/* true when the address means something on its own host only: loopback
 * (127.0.0.0/8, ::1, ::ffff:127.x), AF_UNIX, anything not inet.  Such ends
 * never pair across hosts. */
bool st_addr_is_host_only(const char *s, size_t n);

#endif
