/*
 * Paths: a display path (C:\x, \\server\share\x) to its NT name and to the
 * long and plain Win32 forms, and the full name of a directory's entry.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "w32.h"

int
isslash(WCHAR c)
{
	return c == L'\\' || c == L'/';
}

/*
 * The NT name (\??\C:\dir, \??\UNC\server\share\dir) for a display path.
 * Drive and UNC paths are normalised as Win32 would (GetFullPathNameW is
 * lexical); \\?\ paths are taken verbatim, as Win32 takes them.
 */
enum pst
nt_path(const char *path, WCHAR **out, size_t *outlen)
{
	WCHAR *w = NULL, *full = NULL, *nt = NULL, *nb;
	const WCHAR *rest, *prefix;
	size_t wlen, rlen, plen, len;
	int unc = 0;
	DWORD cap = MAX_PATH + 1, n = 0;
	enum pst r;
	int tries;

	*out = NULL;
	if ((r = u8_to_w_dup(path, &w, &wlen)) != PST_OK)
		return r;
	r = PST_BADNAME;
	if (wcsncmp(w, L"\\\\?\\", 4) == 0) {
		rest = w + 4;
		rlen = wlen - 4;
		prefix = L"\\??\\";
	} else if ((wlen >= 3 && w[1] == L':' && isslash(w[2]) &&
	    ((w[0] >= L'A' && w[0] <= L'Z') || (w[0] >= L'a' && w[0] <= L'z')))
	    || (wlen >= 3 && isslash(w[0]) && isslash(w[1]) &&
	    !isslash(w[2]) && !((w[2] == L'?' || w[2] == L'.') &&
	    (wlen == 3 || isslash(w[3]))))) {
		for (tries = 0; ; tries++) {
			if ((nb = realloc(full, cap * sizeof(WCHAR))) == NULL) {
				r = nomem();
				goto out;
			}
			full = nb;
			if ((n = GetFullPathNameW(w, cap, full, NULL)) == 0) {
				r = oserr(E_WIN32, GetLastError(), C_DIR);
				goto out;
			}
			if (n < cap)
				break;
			if (tries >= 4 || n > MAXNAME)
				goto out;
			cap = n + 1;
		}
		if (isslash(full[0]) && isslash(full[1])) {
			rest = full + 2;
			rlen = n - 2;
			prefix = L"\\??\\UNC\\";
			unc = 1;
		} else if (n >= 3 && full[1] == L':') {
			rest = full;
			rlen = n;
			prefix = L"\\??\\";
		} else
			goto out;
	} else
		goto out;
	/*
	 * No trailing backslash except a root's; and a bare "X:" would name
	 * the volume device, so it gets one.
	 */
	while (rlen > 3 && rest[rlen - 1] == L'\\')
		rlen--;
	plen = wcslen(prefix);
	len = plen + rlen + (!unc && rlen == 2 && rest[1] == L':');
	if (rlen == 0 || len > MAXNAME)
		goto out;
	if ((nt = malloc((len + 1) * sizeof(WCHAR))) == NULL) {
		r = nomem();
		goto out;
	}
	memcpy(nt, prefix, plen * sizeof(WCHAR));
	memcpy(nt + plen, rest, rlen * sizeof(WCHAR));
	if (len > plen + rlen)
		nt[len - 1] = L'\\';
	nt[len] = L'\0';
	*out = nt;
	*outlen = len;
	r = PST_OK;
out:
	if (r == PST_BADNAME)
		fail_text(r, "not an absolute path");
	free(w);
	free(full);
	return r;
}

/*
 * The Win32 form of nt_path's name: \\?\C:\dir or \\?\UNC\server\share\dir,
 * which Win32 passes on unparsed, so long paths work.  Same length.
 */
enum pst
long_path(const char *path, WCHAR **out, size_t *outlen)
{
	size_t len;
	enum pst r;

	if ((r = nt_path(path, out, &len)) != PST_OK)
		return r;
	(*out)[1] = L'\\';
	if (outlen != NULL)
		*outlen = len;
	return PST_OK;
}

/*
 * Whole paths for the APIs that take one.  An NT name from nt_path
 * (\??\C:\dir, \??\UNC\server\share\dir) becomes, in place, the long Win32
 * form (\\?\C:\dir), or the plain one (C:\dir, \\server\share\dir) when it
 * fits in MAX_PATH: for APIs that parse or compare paths rather than only
 * open them (Restart Manager, the security API), which are documented
 * for plain paths.  A longer path can only be given in the long form.
 */

static int
isletter(WCHAR c)
{
	return (c >= L'A' && c <= L'Z') || (c >= L'a' && c <= L'z');
}

static void
nt_form(WCHAR *p, size_t *len, enum pathform form)
{
	if (form == PF_NT)
		return;
	p[1] = L'\\';
	if (form == PF_LONG)
		return;
	if (*len >= 8 && wcsncmp(p + 4, L"UNC\\", 4) == 0 &&
	    *len - 6 < MAX_PATH) {
		memmove(p + 2, p + 8, (*len - 8 + 1) * sizeof(WCHAR));
		*len -= 6;
	} else if (*len >= 6 && isletter(p[4]) && p[5] == L':' &&
	    *len - 4 < MAX_PATH) {
		memmove(p, p + 4, (*len - 4 + 1) * sizeof(WCHAR));
		*len -= 4;
	}
}

/* The full name of d's entry `name`, malloc'd, in the given form. */
enum pst
entry_path(struct plat_dir *d, const char *name, enum pathform form,
    WCHAR **out, size_t *outlen)
{
	size_t nw, sep, len;
	WCHAR *p;
	enum pst r;

	*out = NULL;
	if ((r = entry_name(d, name, &nw)) != PST_OK)
		return r;
	sep = d->nt[d->ntlen - 1] != L'\\';
	len = d->ntlen + sep + nw;
	if (len > MAXNAME)
		return fail_text(PST_BADNAME, "the path is too long");
	if ((p = malloc((len + 1) * sizeof(WCHAR))) == NULL)
		return nomem();
	memcpy(p, d->nt, d->ntlen * sizeof(WCHAR));
	if (sep)
		p[d->ntlen] = L'\\';
	memcpy(p + d->ntlen + sep, d->name16, nw * sizeof(WCHAR));
	p[len] = L'\0';
	nt_form(p, &len, form);
	*out = p;
	if (outlen != NULL)
		*outlen = len;
	return PST_OK;
}

/* A display path (C:\x, \\server\share\x) in the given form, malloc'd. */
enum pst
path_form(const char *path, enum pathform form, WCHAR **out, size_t *outlen)
{
	size_t len;
	enum pst r;

	if ((r = nt_path(path, out, &len)) != PST_OK)
		return r;
	nt_form(*out, &len, form);
	if (outlen != NULL)
		*outlen = len;
	return PST_OK;
}
