/*
 * record.h: building one log record (a JSON object on one line) into a
 * caller's buffer, with no allocation, no stdio and no globals, so the
 * library can use it inside any wrapped call and the tests can use it to
 * make logs.  The format is docs/log-format.md.
 *
 * A builder never writes past its buffer: once full it marks itself
 * overflowed, and st_rec_end() then returns -1 so the caller drops the record
 * rather than writing a cut one.
 */
#ifndef ST_RECORD_H
#define ST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_FORMAT_VERSION 1

struct st_rec {
	char *buf;
	size_t cap;
	size_t len;
	bool first;	/* no key written yet */
	bool overflow;
};

void st_rec_begin(struct st_rec *r, char *buf, size_t cap);
/* Appends "key":<integer>. */
void st_rec_int(struct st_rec *r, const char *key, int64_t v);
/* Appends "key":"<text>" for a NUL-terminated ASCII text (names, addresses
 * already formatted); escaped like any other string. */
void st_rec_str(struct st_rec *r, const char *key, const char *s);
/* Appends "key":"<bytes>" with the byte encoding of the log format. */
void st_rec_bytes(struct st_rec *r, const char *key, const void *p, size_t n);
void st_rec_bool(struct st_rec *r, const char *key, bool v);
/* Arrays of strings: open, add items, close. */
void st_rec_array_begin(struct st_rec *r, const char *key);
void st_rec_array_str(struct st_rec *r, const char *s, size_t n);
void st_rec_array_end(struct st_rec *r);
/* Closes the object and adds the newline; returns the record's length, or
 * -1 when it did not fit. */
long st_rec_end(struct st_rec *r);

/* The byte encoding of one buffer into dst (no quotes).  Returns the length
 * written, or -1 when dst is too small.  Each input byte takes at most 6
 * output bytes. */
long st_encode_bytes(char *dst, size_t cap, const void *src, size_t n);
/* The reverse, for readers: decodes the *contents* of a JSON string (between
 * the quotes, escapes intact) into bytes.  Returns the number of bytes, or -1
 * for a malformed escape or a code point above U+00FF.  dst needs at most
 * n bytes. */
long st_decode_bytes(unsigned char *dst, const char *src, size_t n);

/* The value of one hex digit (either case), or -1. */
int st_hex_value(char c);

/* Formats v in decimal into p (at least 21 bytes); returns the length. */
size_t st_fmt_int(char *p, int64_t v);
size_t st_fmt_uint(char *p, uint64_t v);
/* "00" to "99", for formatting two digits at a time. */
extern const char st_digit_pairs[201];
/* The same encoding, fast, for a dst known to have room for 6 * n + 2
 * bytes (it may write up to 2 bytes of padding past the encoded length).
 * Returns the encoded length. */
size_t st_encode_unchecked(char *dst, const void *src, size_t n);
/* The length st_encode_bytes() will write for these bytes. */
size_t st_encoded_len(const void *src, size_t n);

#endif
