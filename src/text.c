/* Strings: a growable buffer and names made safe to print. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"

static void
sb_grow(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (n > SIZE_MAX - b->len - 1) {
		b->oom = 1;
		return;
	}
	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
	if ((p = realloc(b->s, cap)) == NULL) {
		b->oom = 1;
		return;
	}
	b->s = p;
	b->cap = cap;
}

void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	if (b->oom)
		return;
	if (n > 0)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void
sb_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	sb_grow(b, (size_t)n);
	if (b->oom)
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

void
sb_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/*
 * Decodes one UTF-8 (or WTF-8: lone surrogates encoded as three bytes)
 * sequence at s; returns its length, or 0 if the bytes are not one.
 */
static size_t
utf8_decode(const unsigned char *s, unsigned long *cp)
{
	unsigned long c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return n;
}

/*
 * Appends a file name so that a console, a log and a batch file's
 * "for /f" all read it: control characters become \xNN, unpaired
 * surrogates (legal in NTFS names, not in UTF-8) become \uDXXX and
 * bytes that are not UTF-8 at all become \xNN.
 */
void
sb_add_display(struct sbuf *b, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	unsigned long cp;
	size_t n;

	while (*s != '\0') {
		n = utf8_decode(s, &cp);
		if (n == 0)
			sb_printf(b, "\\x%02X", *s++);
		else if (cp < 0x20 || cp == 0x7f)
			sb_printf(b, "\\x%02lX", cp), s++;
		else if (cp >= 0xd800 && cp <= 0xdfff)
			sb_printf(b, "\\u%04lX", cp), s += n;
		else
			sb_add(b, (const char *)s, n), s += n;
	}
}

/*
 * A JSON string body, in ASCII: every other character as \u escapes (a
 * surrogate pair above U+FFFF), so that Windows PowerShell 5.1, which
 * decodes a program's output with the console's code page, reads every
 * name back.  Unpaired surrogates stay what they are, as \ud800: JSON
 * can say it, and ConvertFrom-Json reads it back.
 */
void
sb_add_json(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long cp;
	size_t n;

	while (*s != '\0') {
		n = utf8_decode(s, &cp);
		if (n == 0)
			sb_puts(b, "\\ufffd"), s++;
		else if (cp == '"' || cp == '\\')
			sb_printf(b, "\\%c", (int)cp), s++;
		else if (cp >= 0x10000)
			sb_printf(b, "\\u%04lx\\u%04lx",
			    0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff)), s += n;
		else if (cp < 0x20 || cp >= 0x7f)
			sb_printf(b, "\\u%04lx", cp), s += n;
		else
			sb_add(b, (const char *)s, n), s += n;
	}
}

/* An RFC 4180 field, quoted only when it has to be. */
void
sb_add_csv(struct sbuf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		sb_puts(b, s);
		return;
	}
	sb_puts(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"')
			sb_puts(b, "\"");	/* a quote is doubled */
		sb_add(b, s, 1);
	}
	sb_puts(b, "\"");
}

/* ISO 8601 UTC, "2026-11-23T13:45:01Z", from seconds since 1970. */
void
sb_add_time(struct sbuf *b, int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400, y, era, yoe, doy, mp;
	unsigned doe, d, m;

	if (secs < 0)
		secs += 86400, days--;
	/* days to civil date; H. Hinnant's algorithm */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (m <= 2)
		y++;
	sb_printf(b, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
	    (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
	    (unsigned)(secs % 60));
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
ascii_casecmp(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = ascii_lower((unsigned char)*a++);
		cb = ascii_lower((unsigned char)*b++);
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

/*
 * Windows matches "*.mmp" against 8.3 short names too, so foo.mmpx and
 * directories turn up in the listing; only the long name decides.
 */
int
name_is_mmp(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && ascii_casecmp(name + n - 4, ".mmp") == 0;
}

/* dir\name, with one backslash between them also after a drive root */
void
sb_add_path(struct sbuf *b, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	sb_puts(b, dir);
	if (n == 0 || dir[n - 1] != '\\')
		sb_puts(b, "\\");
	sb_puts(b, name);
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}
