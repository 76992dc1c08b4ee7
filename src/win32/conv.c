/*
 * Conversions at the boundary: UTF-16 to and from WTF-8 (UTF-8 that also
 * carries the unpaired surrogates NTFS allows in names, so every name listed
 * can be opened again with the same bytes), and FILETIME to Unix time.
 */
#include <stdint.h>
#include <stdlib.h>

#include "w32.h"

#define FILETIME_1970	116444736000000000LL

/*
 * WTF-8.  One code point per call.  Returns the length of the sequence at s,
 * 0 if s ends inside a sequence that is valid so far, -1 if it is invalid.
 * Encoded surrogates (ED A0..BF xx) are accepted; callers decide on pairs.
 */
int
dec8(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t v, min;
	int len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2)
		return -1;
	if (s[0] < 0xE0) {
		len = 2;
		v = s[0] & 0x1F;
		min = 0x80;
	} else if (s[0] < 0xF0) {
		len = 3;
		v = s[0] & 0x0F;
		min = 0x800;
	} else if (s[0] < 0xF5) {
		len = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else
		return -1;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF)
		return -1;
	*cp = v;
	return len;
}

/*
 * Strict WTF-8 to UTF-16: a surrogate pair must be written as one 4-byte
 * sequence, so that each UTF-16 string has exactly one spelling.  Counts into
 * *nw, and writes to w unless it is NULL (then w needs *nw units, no NUL).
 */
int
u8_to_w(const char *s8, size_t n, WCHAR *w, size_t *nw)
{
	const unsigned char *s = (const unsigned char *)s8;
	size_t i = 0, o = 0;
	int lead = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((k = dec8(s + i, n - i, &cp)) <= 0)
			return -1;
		i += (size_t)k;
		if (cp >= 0xDC00 && cp <= 0xDFFF && lead)
			return -1;
		lead = cp >= 0xD800 && cp <= 0xDBFF;
		if (cp >= 0x10000) {
			if (w != NULL) {
				w[o] = (WCHAR)(0xD800 + ((cp - 0x10000) >> 10));
				w[o + 1] = (WCHAR)(0xDC00 + (cp & 0x3FF));
			}
			o += 2;
		} else {
			if (w != NULL)
				w[o] = (WCHAR)cp;
			o++;
		}
	}
	*nw = o;
	return 0;
}

/* Writes cp's WTF-8 bytes to s unless it is NULL; returns their number. */
static size_t
put8(unsigned char *s, uint32_t cp)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		n = 4;
	}
	for (i = n - 1; i > 0; i--, cp >>= 6)
		b[i] = (unsigned char)(0x80 | (cp & 0x3F));
	if (s != NULL)
		memcpy(s, b, n);
	return n;
}

/* UTF-16 (possibly ill-formed) to WTF-8; never fails.  Like u8_to_w. */
size_t
w_to_u8(const WCHAR *w, size_t n, char *s8)
{
	unsigned char *s = (unsigned char *)s8;
	size_t i, o = 0;
	uint32_t cp;

	for (i = 0; i < n; i++) {
		cp = w[i];
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n &&
		    w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) +
			    (w[i + 1] - 0xDC00u);
			i++;
		}
		o += put8(s != NULL ? s + o : NULL, cp);
	}
	return o;
}

/* Both return malloc'd, NUL-terminated strings. */
char *
w_to_u8_dup(const WCHAR *w, size_t n)
{
	size_t len = w_to_u8(w, n, NULL);
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	w_to_u8(w, n, s);
	s[len] = '\0';
	return s;
}

enum pst
u8_to_w_dup(const char *s, WCHAR **w, size_t *nw)
{
	size_t n = strlen(s), len;

	*w = NULL;
	if (u8_to_w(s, n, NULL, &len) != 0 || len > MAXNAME)
		return fail_text(PST_BADNAME, "invalid UTF-8 or too long");
	if ((*w = malloc((len + 1) * sizeof(WCHAR))) == NULL)
		return nomem();
	u8_to_w(s, n, *w, &len);
	(*w)[len] = L'\0';
	if (nw != NULL)
		*nw = len;
	return PST_OK;
}

/* As much of w as fits in cap bytes with its NUL, in whole code points. */
void
w_to_u8_fit(const WCHAR *w, size_t n, char *out, size_t cap)
{
	size_t whole = n;

	while (n > 0 && w_to_u8(w, n, NULL) >= cap)
		n--;
	if (n < whole && n > 0 && w[n - 1] >= 0xD800 && w[n - 1] <= 0xDBFF)
		n--;
	out[w_to_u8(w, n, out)] = '\0';
}

int64_t
unix_time(int64_t ft)
{
	int64_t t = ft - FILETIME_1970;

	return t >= 0 ? t / 10000000 : -((-t + 9999999) / 10000000);
}
