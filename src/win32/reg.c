/*
 * The registry under HKEY_LOCAL_MACHINE, in an explicit view: reading
 * ProfileDirectory and its kin, and --configure's writes.
 */
#include <stdlib.h>
#include <string.h>

#include "w32.h"

/*
 * Where values are read: this computer's HKLM, or after plat_reg_connect
 * another computer's (a process reads one computer's registry).  Writes
 * are always this computer's: --configure is refused with --computer.
 */
static HKEY root = HKEY_LOCAL_MACHINE;

enum pst
plat_reg_connect(const char *host)
{
	WCHAR *w;
	size_t n;
	HKEY hk;
	LSTATUS e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK)
		return r;
	/* "\\NAME": the form the function documents */
	if ((r = u8_to_w_dup(host, &w, &n)) != PST_OK)
		return r;
	{
		WCHAR *unc = malloc((n + 3) * sizeof(WCHAR));

		if (unc == NULL) {
			free(w);
			return nomem();
		}
		unc[0] = unc[1] = L'\\';
		memcpy(unc + 2, w, (n + 1) * sizeof(WCHAR));
		free(w);
		e = adv.RegConnectRegistryW(unc, HKEY_LOCAL_MACHINE, &hk);
		free(unc);
	}
	if (e != ERROR_SUCCESS)
		return oserr(E_WIN32, (unsigned long)e, C_HOST);
	root = hk;
	return PST_OK;
}

/* Registry, under HKEY_LOCAL_MACHINE. */
static REGSAM
view_sam(enum regview view)
{
	return view == VIEW_32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY;
}

/* Opens (or with create, creates) HKLM\key in a view. */
enum pst
reg_open(enum regview view, const char *key, REGSAM access, int create,
    HKEY *hk)
{
	WCHAR *wkey;
	LSTATUS e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = u8_to_w_dup(key, &wkey, NULL)) != PST_OK)
		return r;
	if (create)
		e = adv.RegCreateKeyExW(HKEY_LOCAL_MACHINE, wkey, 0, NULL,
		    REG_OPTION_NON_VOLATILE, access | view_sam(view), NULL, hk,
		    NULL);
	else
		e = adv.RegOpenKeyExW(access == KEY_QUERY_VALUE ? root :
		    HKEY_LOCAL_MACHINE, wkey, 0, access | view_sam(view), hk);
	free(wkey);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, create ? C_OTHER : C_REG);
}

/*
 * A value's raw data, malloc'd in *data with two NUL units after the
 * *cb stored bytes: stored strings need not end in NUL.
 */
enum pst
reg_read(HKEY hk, const WCHAR *name, DWORD *type, WCHAR **data, DWORD *cb)
{
	WCHAR *buf = NULL, *nb;
	DWORD cap = 512, len, tries;
	LSTATUS e;

	*data = NULL;
	/* The value may grow between calls; a few rounds settle it. */
	for (tries = 0; ; tries++) {
		if ((nb = realloc(buf, cap + 2 * sizeof(WCHAR))) == NULL) {
			free(buf);
			return nomem();
		}
		buf = nb;
		len = cap;
		e = adv.RegQueryValueExW(hk, name, NULL, type, (BYTE *)buf,
		    &len);
		if (e == ERROR_MORE_DATA && tries < 8 && len > cap &&
		    len < 0x7FFFFFF0) {
			cap = len;
			continue;
		}
		break;
	}
	if (e != ERROR_SUCCESS) {
		free(buf);
		return oserr(E_WIN32, (unsigned long)e, C_REG);
	}
	len = len > cap ? cap : len;
	memset((char *)buf + len, 0, 2 * sizeof(WCHAR));
	/* An odd last byte is dropped. */
	buf[len / sizeof(WCHAR)] = L'\0';
	*data = buf;
	*cb = len;
	return PST_OK;
}

enum pst
plat_reg_get(enum regview view, const char *key, const char *name,
    struct regval *out)
{
	WCHAR *wname, *buf = NULL;
	DWORD type, len;
	HKEY hk;
	enum pst r;

	out->data = NULL;
	out->expand = 0;
	out->type = 0;
	if ((r = u8_to_w_dup(name, &wname, NULL)) != PST_OK)
		return r;
	if ((r = reg_open(view, key, KEY_QUERY_VALUE, 0, &hk)) != PST_OK) {
		free(wname);
		return r;
	}
	r = reg_read(hk, wname, &type, &buf, &len);
	adv.RegCloseKey(hk);
	free(wname);
	if (r != PST_OK)
		return r;
	out->type = type;
	if (type != REG_SZ && type != REG_EXPAND_SZ)
		r = fail_text(PST_WRONGTYPE, "the value is not a string");
	/* A string ends at its first NUL, stored or not. */
	else if ((out->data = w_to_u8_dup(buf, wcslen(buf))) == NULL)
		r = nomem();
	else
		out->expand = type == REG_EXPAND_SZ;
	free(buf);
	return r;
}

enum pst
plat_reg_key_exists(enum regview view, const char *key)
{
	HKEY hk;
	enum pst r;

	r = reg_open(view, key, KEY_QUERY_VALUE, 0, &hk);
	if (r == PST_OK)
		adv.RegCloseKey(hk);
	/* It exists; reading it is the caller's next step, and its error. */
	return r == PST_DENIED ? PST_OK : r;
}

enum pst
plat_reg_set(enum regview view, const char *key, const char *name,
    const char *value)
{
	WCHAR *wname = NULL, *wval = NULL;
	size_t nw;
	LSTATUS e;
	HKEY hk;
	enum pst r;

	if ((r = u8_to_w_dup(name, &wname, NULL)) != PST_OK ||
	    (r = u8_to_w_dup(value, &wval, &nw)) != PST_OK)
		goto out;
	if ((r = reg_open(view, key, KEY_SET_VALUE, 1, &hk)) != PST_OK)
		goto out;
	/* The size counts the terminating NUL (nw <= MAXNAME). */
	e = adv.RegSetValueExW(hk, wname, 0, REG_SZ, (const BYTE *)wval,
	    (DWORD)((nw + 1) * sizeof(WCHAR)));
	adv.RegCloseKey(hk);
	if (e != ERROR_SUCCESS)
		r = oserr(E_WIN32, (unsigned long)e, C_OTHER);
out:
	free(wname);
	free(wval);
	return r;
}

enum pst
plat_reg_delete(enum regview view, const char *key, const char *name)
{
	WCHAR *wname;
	LSTATUS e;
	HKEY hk;
	enum pst r;

	if ((r = u8_to_w_dup(name, &wname, NULL)) != PST_OK)
		return r;
	if ((r = reg_open(view, key, KEY_SET_VALUE, 0, &hk)) == PST_OK) {
		e = adv.RegDeleteValueW(hk, wname);
		adv.RegCloseKey(hk);
		if (e != ERROR_SUCCESS)
			r = oserr(E_WIN32, (unsigned long)e, C_REG);
	}
	free(wname);
	return r;
}
