/*
 * record.c: the log record builder and the byte encoding of strings (see
 * record.h and docs/log-format.md).  Pure: no globals, no I/O.
 */
#include "record.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

/* Two decimal digits at a time. */
const char st_digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* The number of decimal digits of u: log10 from the bit length (1233/4096
 * is just under log10(2)), then one comparison to correct it. */
static size_t digits(uint64_t u)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
	};
	unsigned bits = 64 - (unsigned)__builtin_clzll(u | 1);
	unsigned n = (bits * 1233) >> 12;	/* at most 19 */

	/* 0 has one digit, like 1. */
	return (size_t)n + (u >= pow10[n]) + (u == 0);
}

/* Written in place from the last digit back, two digits at a time: the
 * record head formats several numbers per call (bench/README.md). */
size_t st_fmt_uint(char *p, uint64_t u)
{
	size_t n = digits(u);
	char *q = p + n;

	while (u >= 100) {
		unsigned d = (unsigned)(u % 100) * 2;

		u /= 100;
		q -= 2;
		q[0] = st_digit_pairs[d];
		q[1] = st_digit_pairs[d + 1];
	}
	if (u >= 10) {
		q[-2] = st_digit_pairs[u * 2];
		q[-1] = st_digit_pairs[u * 2 + 1];
	} else {
		q[-1] = (char)('0' + u);
	}
	return n;
}

size_t st_fmt_int(char *p, int64_t v)
{
	if (v < 0) {
		*p = '-';
		return 1 + st_fmt_uint(p + 1, (uint64_t)0 - (uint64_t)v);
	}
	return st_fmt_uint(p, (uint64_t)v);
}

/* How each byte is written: 0 for itself, 1 for a two-character escape
 * (the letter is in short_escape), 2 for \u00XX. */
static const unsigned char byte_class[256] = {
	[0 ... 8] = 2, ['\t'] = 1, ['\n'] = 1, [11 ... 12] = 2, ['\r'] = 1,
	[14 ... 31] = 2, [32 ... 33] = 0, ['"'] = 1, [35 ... 91] = 0, ['\\'] = 1,
	[93 ... 126] = 0, [127 ... 255] = 2,
};

static const char short_escape[128] = {
	['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
};

static const unsigned char class_len[3] = { 1, 2, 6 };

/* Each byte's encoding, padded to 8 bytes so it is stored with one
 * unaligned write, and its length; filled on first use. */
struct enc_entry {
	char text[8];
	unsigned char len;
};

static struct enc_entry enc_table[256];
static int enc_ready;

static void fill_enc_table(void)
{
	int c;

	for (c = 0; c < 256; c++) {
		struct enc_entry *e = &enc_table[c];
		unsigned k = byte_class[c];

		memset(e->text, 0, sizeof(e->text));
		if (k == 0) {
			e->text[0] = (char)c;
		} else if (k == 1) {
			e->text[0] = '\\';
			e->text[1] = short_escape[c];
		} else {
			memcpy(e->text, "\\u00", 4);
			e->text[4] = hex[c >> 4];
			e->text[5] = hex[c & 15];
		}
		e->len = class_len[k];
	}
	__atomic_store_n(&enc_ready, 1, __ATOMIC_RELEASE);
}

/* True when none of the 8 bytes in w needs escaping: all in 0x20..0x7e and
 * none is '"' or '\\'.  Classic bit tricks on a 64-bit word. */
static int plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t low = (w - ones * 0x20) & ~w;		/* byte < 0x20 */
	uint64_t del = w + ones * 0x01;			/* byte >= 0x7f sets high bit */
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b;	/* byte equal */

	return !(((low | del | w | zq | zb) & highs));
}

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 bytes at a time: a mask of the bytes that need escaping. */
static unsigned special16(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	__m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));	/* < 0x20 or >= 0x80 */
	__m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
	__m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, del), _mm_or_si128(q, b)));
}
#endif

size_t st_encode_unchecked(char *dst, const void *src, size_t n)
{
	const unsigned char *s = src;
	char *o = dst;
	size_t i = 0;

	if (!__atomic_load_n(&enc_ready, __ATOMIC_ACQUIRE))
		fill_enc_table();
#ifdef __SSE2__
	while (n - i >= 16 && special16(s + i) == 0) {
		memcpy(o, s + i, 16);
		o += 16;
		i += 16;
	}
#endif
	while (n - i >= 8) {
		uint64_t w;
		size_t k;

		memcpy(&w, s + i, 8);
		if (plain8(w)) {
			memcpy(o, &w, 8);
			o += 8;
		} else {
			/* Some byte of these eight needs escaping: all go by table. */
			for (k = 0; k < 8; k++) {
				const struct enc_entry *e = &enc_table[s[i + k]];

				memcpy(o, e->text, 8);
				o += e->len;
			}
		}
		i += 8;
	}
	for (; i < n; i++) {
		memcpy(o, enc_table[s[i]].text, 8);
		o += enc_table[s[i]].len;
	}
	return (size_t)(o - dst);
}

size_t st_encoded_len(const void *src, size_t n)
{
	const unsigned char *s = src;
	size_t len = 0, i;

	for (i = 0; i < n; i++)
		len += class_len[byte_class[s[i]]];
	return len;
}

long st_encode_bytes(char *dst, size_t cap, const void *src, size_t n)
{
	const unsigned char *s = src;
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];
		unsigned k = byte_class[c];

		if (cap - o < class_len[k])
			return -1;
		if (k == 0) {
			dst[o++] = (char)c;
		} else if (k == 1) {
			dst[o++] = '\\';
			dst[o++] = short_escape[c];
		} else {
			memcpy(dst + o, "\\u00", 4);
			dst[o + 4] = hex[c >> 4];
			dst[o + 5] = hex[c & 15];
			o += 6;
		}
	}
	return (long)o;
}

int st_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long st_decode_bytes(unsigned char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)src[i++];

		if (c != '\\') {
			if (c < 0x20 || c >= 0x80)
				return -1;	/* raw control or non-ASCII: not ours */
			dst[o++] = c;
			continue;
		}
		if (i >= n)
			return -1;
		c = (unsigned char)src[i++];
		switch (c) {
		case '"': case '\\': case '/': dst[o++] = c; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'u': {
			int v = 0, k;

			if (n - i < 4)
				return -1;
			for (k = 0; k < 4; k++) {
				int h = st_hex_value(src[i + k]);
				if (h < 0)
					return -1;
				v = v * 16 + h;
			}
			if (v > 0xff)
				return -1;
			dst[o++] = (unsigned char)v;
			i += 4;
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

static void put(struct st_rec *r, const char *s, size_t n)
{
	if (r->overflow || r->cap - r->len < n) {
		r->overflow = true;
		return;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

static void put_key(struct st_rec *r, const char *key)
{
	size_t k = strlen(key);

	if (r->overflow || r->cap - r->len < k + 4) {
		r->overflow = true;
		return;
	}
	if (!r->first)
		r->buf[r->len++] = ',';
	r->first = false;
	r->buf[r->len++] = '"';
	memcpy(r->buf + r->len, key, k);
	r->len += k;
	r->buf[r->len++] = '"';
	r->buf[r->len++] = ':';
}

static void put_quoted(struct st_rec *r, const void *p, size_t n)
{
	long w;

	put(r, "\"", 1);
	if (r->overflow)
		return;
	w = st_encode_bytes(r->buf + r->len, r->cap - r->len, p, n);
	if (w < 0) {
		r->overflow = true;
		return;
	}
	r->len += (size_t)w;
	put(r, "\"", 1);
}

void st_rec_begin(struct st_rec *r, char *buf, size_t cap)
{
	r->buf = buf;
	r->cap = cap;
	r->len = 0;
	r->first = true;
	r->overflow = false;
	put(r, "{", 1);
}

void st_rec_int(struct st_rec *r, const char *key, int64_t v)
{
	char num[24];

	put_key(r, key);
	put(r, num, st_fmt_int(num, v));
}

void st_rec_str(struct st_rec *r, const char *key, const char *s)
{
	put_key(r, key);
	put_quoted(r, s, strlen(s));
}

void st_rec_bytes(struct st_rec *r, const char *key, const void *p, size_t n)
{
	put_key(r, key);
	put_quoted(r, p, n);
}

void st_rec_bool(struct st_rec *r, const char *key, bool v)
{
	put_key(r, key);
	if (v)
		put(r, "true", 4);
	else
		put(r, "false", 5);
}

void st_rec_array_begin(struct st_rec *r, const char *key)
{
	put_key(r, key);
	put(r, "[", 1);
	r->first = true;
}

void st_rec_array_str(struct st_rec *r, const char *s, size_t n)
{
	if (!r->first)
		put(r, ",", 1);
	r->first = false;
	put_quoted(r, s, n);
}

void st_rec_array_end(struct st_rec *r)
{
	put(r, "]", 1);
	r->first = false;
}

long st_rec_end(struct st_rec *r)
{
	put(r, "}\n", 2);
	return r->overflow ? -1 : (long)r->len;
}
