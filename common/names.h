/*
 * names.h: symbolic names for the numbers a log record carries (errno,
 * message flags, shutdown modes, socket options).  Pure lookups into static
 * tables; safe to call from a signal handler.
 */
#ifndef ST_NAMES_H
#define ST_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* "EAGAIN", ...; writes "E<number>" into buf (>= 16 bytes) when unknown. */
const char *st_errno_name(int err, char *buf);
/* "EAI_NONAME", ...; "EAI_<number>" into buf when unknown. */
const char *st_gai_name(int code, char *buf);
/* MSG_* flags joined by '|' into buf; unknown bits as a hex remainder.
 * Returns buf, or NULL when flags is 0. */
const char *st_msg_flags(int flags, char *buf, size_t cap);
/* SOCK_NONBLOCK|SOCK_CLOEXEC part of a socket type or accept4 flags. */
const char *st_sock_flags(int flags, char *buf, size_t cap);
const char *st_shut_name(int how);
/* Level and option names for setsockopt; NULL when unknown. */
const char *st_level_name(int level);
const char *st_opt_name(int level, int opt);
/* poll or epoll event bits as names joined by '|' (IN, PRI, OUT, ERR, HUP,
 * NVAL, RDHUP, ET, ONESHOT, EXCLUSIVE), "-" for none, into p (at least 64
 * bytes); returns the length (no NUL written). */
size_t st_poll_events(char *p, uint32_t ev);

#endif
