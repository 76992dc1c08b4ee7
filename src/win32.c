/*
 * The Win32 side of the platform seam (see plat.h).  Strings cross the seam
 * as WTF-8: UTF-8 that also carries the unpaired surrogates NTFS allows in
 * names, so every name listed here can be opened again with the same bytes.
 * Files are opened through the native API, relative to a directory handle
 * opened once, and deleted through the handle that proved them unlocked.
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <ntstatus.h>
#include <winternl.h>
#include <aclapi.h>
#include <restartmanager.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"
#include "msg/mmpclean.h"	/* windmc's IDs for mmpclean.mc, in build/ */

int wmain(int argc, wchar_t **argv);

/* ntdll exports that mingw-w64's winternl.h does not declare. */
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID,
    PIO_STATUS_BLOCK, PVOID, ULONG, FILE_INFORMATION_CLASS, BOOLEAN,
    PUNICODE_STRING, BOOLEAN);
BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING, PCUNICODE_STRING,
    BOOLEAN);
typedef struct {
	LONG CurrentCount;
	LONG MaximumCount;
} SEMAPHORE_BASIC_INFORMATION;
#define SemaphoreBasicInformation 0
#ifndef SEMAPHORE_QUERY_STATE
#define SEMAPHORE_QUERY_STATE 0x0001
#endif
NTSTATUS NTAPI NtQuerySemaphore(HANDLE, int, PVOID, ULONG, PULONG);

/* Windows 10 1709+ (IGNORE_READONLY_ATTRIBUTE: 1809+); absent on Wine 8. */
#define CLASS_DISPOSITION_EX	((FILE_INFORMATION_CLASS)64)
#define DISP_DELETE		0x00000001
#define DISP_POSIX		0x00000002
#define DISP_IGNORE_READONLY	0x00000010
struct disposition_ex {
	ULONG flags;
};

#define SETTABLE_ATTRS \
	(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | \
	FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE | \
	FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | \
	FILE_ATTRIBUTE_NOT_CONTENT_INDEXED)

#define LISTBUF		(64 * 1024)
/* The most UTF-16 units a UNICODE_STRING holds. */
#define MAXNAME		32767
#define FILETIME_1970	116444736000000000LL

static enum pst fail_text(enum pst, const char *);
static enum pst nomem(void);

/*
 * WTF-8.  One code point per call.  Returns the length of the sequence at s,
 * 0 if s ends inside a sequence that is valid so far, -1 if it is invalid.
 * Encoded surrogates (ED A0..BF xx) are accepted; callers decide on pairs.
 */
static int
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
static int
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
static size_t
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
static char *
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

static enum pst
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

/*
 * Errors.  The last failure is kept as its raw code and formatted only when
 * plat_lasterror() asks, so that an expected outcome (a locked file among
 * thousands) costs nothing.
 */
enum esrc { E_NONE, E_WIN32, E_NT, E_TEXT };
enum ectx {
	C_FILE,		/* an entry of a directory */
	C_FILE_RO,	/* the same, known to be read-only */
	C_LIST,		/* enumerating a directory */
	C_DIR,		/* opening a directory by path */
	C_REG,		/* registry */
	C_OTHER
};
static struct {
	enum esrc src;
	unsigned long code;
	const char *text;
} lasterr;
static char errbuf[1024];

static enum pst
fail_text(enum pst r, const char *text)
{
	lasterr.src = E_TEXT;
	lasterr.text = text;
	return r;
}

static enum pst
nomem(void)
{
	return fail_text(PST_NOMEM, "out of memory");
}

/* The one place where Win32 and NT codes become outcomes. */
static enum pst
oserr(enum esrc src, unsigned long code, enum ectx ctx)
{
	lasterr.src = src;
	lasterr.code = code;
	if (src == E_NT) {
		switch ((NTSTATUS)code) {
		case STATUS_SHARING_VIOLATION:
			return PST_LOCKED;
		case STATUS_NO_MORE_FILES:
			return PST_END;
		case STATUS_NO_SUCH_FILE:
			if (ctx == C_LIST)
				return PST_END;
			return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
		case STATUS_OBJECT_NAME_NOT_FOUND:
		case STATUS_OBJECT_PATH_NOT_FOUND:
		case STATUS_DELETE_PENDING:
		case STATUS_FILE_DELETED:
			return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
		case STATUS_FILE_IS_A_DIRECTORY:
			return PST_ISDIR;
		case STATUS_NOT_A_DIRECTORY:
			return PST_NOTDIR;
		case STATUS_OBJECT_NAME_INVALID:
		case STATUS_OBJECT_PATH_SYNTAX_BAD:
		case STATUS_OBJECT_PATH_INVALID:
		case STATUS_NAME_TOO_LONG:
			return PST_BADNAME;
		case STATUS_CANNOT_DELETE:
		case STATUS_ACCESS_DENIED:
			return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
		case STATUS_NO_MEMORY:
		case STATUS_INSUFFICIENT_RESOURCES:
			return nomem();
		default:
			return PST_IO;
		}
	}
	switch (code) {
	case ERROR_SHARING_VIOLATION:
		return PST_LOCKED;
	case ERROR_NO_MORE_FILES:
		return PST_END;
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_NET_NAME:
	case ERROR_INVALID_DRIVE:
	case ERROR_ENVVAR_NOT_FOUND:
		if (ctx == C_REG || code == ERROR_ENVVAR_NOT_FOUND)
			return PST_ABSENT;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case ERROR_DIRECTORY:
		return PST_NOTDIR;
	case ERROR_INVALID_NAME:
	case ERROR_BAD_PATHNAME:
	case ERROR_FILENAME_EXCED_RANGE:
		return PST_BADNAME;
	case ERROR_ACCESS_DENIED:
		return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
	case ERROR_NONE_MAPPED:		/* an account name */
		return PST_ABSENT;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return nomem();
	default:
		return PST_IO;
	}
}

/* As much of w as fits in cap bytes with its NUL, in whole code points. */
static void
w_to_u8_fit(const WCHAR *w, size_t n, char *out, size_t cap)
{
	size_t whole = n;

	while (n > 0 && w_to_u8(w, n, NULL) >= cap)
		n--;
	if (n < whole && n > 0 && w[n - 1] >= 0xD800 && w[n - 1] <= 0xDBFF)
		n--;
	out[w_to_u8(w, n, out)] = '\0';
}

/* FormatMessageW's text for a Win32 code, as UTF-8 without ".\r\n". */
static void
sysmsg(DWORD code, char *out, size_t cap)
{
	WCHAR w[512];
	DWORD n;

	out[0] = '\0';
	n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
	    NULL, code, 0, w, sizeof(w) / sizeof(w[0]), NULL);
	if (n == 0 || n >= sizeof(w) / sizeof(w[0]))
		return;
	while (n > 0 && (w[n - 1] == L'\r' || w[n - 1] == L'\n' ||
	    w[n - 1] == L' ' || w[n - 1] == L'.'))
		n--;
	w_to_u8_fit(w, n, out, cap);
}

const char *
plat_lasterror(void)
{
	char msg[700];
	DWORD dos;

	switch (lasterr.src) {
	case E_NONE:
		return "no error";
	case E_TEXT:
		return lasterr.text;
	case E_WIN32:
		sysmsg((DWORD)lasterr.code, msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "Win32 error %lu%s%s",
		    lasterr.code, msg[0] ? ": " : "", msg);
		break;
	case E_NT:
		dos = RtlNtStatusToDosError((NTSTATUS)lasterr.code);
		msg[0] = '\0';
		if (dos != ERROR_MR_MID_NOT_FOUND)
			sysmsg(dos, msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "NTSTATUS 0x%08lX%s%s",
		    lasterr.code, msg[0] ? ": " : "", msg);
		break;
	}
	return errbuf;
}

/*
 * DLLs loaded on first use.  advapi32 (the registry, the event log,
 * accounts, ACLs) and RstrtMgr (--holders) are not imported: imported,
 * every run loads them, and sechost with advapi32, before wmain, though a
 * --dir run needs neither.  And RstrtMgr is not a KnownDLL, so an import
 * of it is looked for next to the executable first: a RstrtMgr.dll
 * planted there would run in every mmpclean, SYSTEM's nightly task too.
 * Each is loaded once, by its full name in the system directory, and all
 * the functions used here are looked up then.  LOAD_LIBRARY_SEARCH_SYSTEM32
 * would say that in one flag, but Windows 7 without KB2533623 refuses it;
 * LOAD_WITH_ALTERED_SEARCH_PATH, which it has, makes the DLL's own imports
 * be looked for in the system directory rather than next to the executable.
 *
 * The functions' pointers have the types of the SDK's declarations, so
 * calls through them are checked as direct calls would be.  mingw-w64's
 * gcc links advapi32 by default: a direct call would still link, and
 * import the DLL again; tests/dist/check.sh catches that.
 */
#define ADVAPI32_FUNCS(X) \
	X(BuildTrusteeWithNameW) X(CheckTokenMembership) \
	X(CreateWellKnownSid) X(DeregisterEventSource) \
	X(GetNamedSecurityInfoW) X(LookupAccountNameW) X(RegCloseKey) \
	X(RegCreateKeyExW) X(RegDeleteKeyExW) X(RegDeleteValueW) \
	X(RegOpenKeyExW) X(RegQueryValueExW) X(RegSetValueExW) \
	X(RegisterEventSourceW) X(ReportEventW) X(SetEntriesInAclW) \
	X(SetNamedSecurityInfoW)
#define RSTRTMGR_FUNCS(X) \
	X(RmEndSession) X(RmGetList) X(RmRegisterResources) X(RmStartSession)

#define FUNC_PTR(f)	__typeof__(f) *f;
#define FUNC_NAME(f)	#f,
#define FUNC_COUNT(f)	+ 1

/* Filled in through slot, in the lists' order; called by name. */
static union {
	struct { ADVAPI32_FUNCS(FUNC_PTR) };
	void (*slot[0 ADVAPI32_FUNCS(FUNC_COUNT)])(void);
} adv;
static union {
	struct { RSTRTMGR_FUNCS(FUNC_PTR) };
	void (*slot[0 RSTRTMGR_FUNCS(FUNC_COUNT)])(void);
} rm;

static const char *const adv_names[] = { ADVAPI32_FUNCS(FUNC_NAME) };
static const char *const rm_names[] = { RSTRTMGR_FUNCS(FUNC_NAME) };
_Static_assert(sizeof(adv) == sizeof(adv.slot) &&
    sizeof(rm) == sizeof(rm.slot), "a function pointer has padding");

struct lib {
	const WCHAR *file;
	const char *const *names;
	void (**slot)(void);
	size_t n;
	int state;	/* 0: not tried; 1: loaded; -1: failed, err says why */
	char err[1024];
};
static struct lib advapi32 = { L"advapi32.dll", adv_names, adv.slot,
	sizeof(adv_names) / sizeof(adv_names[0]), 0, "" };
static struct lib rstrtmgr = { L"RstrtMgr.dll", rm_names, rm.slot,
	sizeof(rm_names) / sizeof(rm_names[0]), 0, "" };

/* Keeps "what: Win32 error N: text" in l->err for every later call. */
static enum pst
lib_fail(struct lib *l, const char *what, DWORD code)
{
	char msg[300];

	sysmsg(code, msg, sizeof(msg));
	snprintf(l->err, sizeof(l->err), "%s: Win32 error %lu%s%s", what,
	    (unsigned long)code, msg[0] ? ": " : "", msg);
	return fail_text(PST_IO, l->err);
}

/* PST_OK once l's functions can be called; else PST_IO, saying why. */
static enum pst
lib_need(struct lib *l)
{
	WCHAR path[MAX_PATH + 32];
	char what[700], path8[600];
	size_t len = wcslen(l->file), i;
	HMODULE h;
	FARPROC p;
	DWORD e;
	UINT n;

	if (l->state > 0)
		return PST_OK;
	if (l->state < 0)
		return fail_text(PST_IO, l->err);
	l->state = -1;
	n = GetSystemDirectoryW(path, MAX_PATH);
	if (n == 0 || n >= MAX_PATH) {
		e = n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE;
		w_to_u8_fit(l->file, len, path8, sizeof(path8));
		snprintf(what, sizeof(what), "cannot load %s: no system "
		    "directory", path8);
		return lib_fail(l, what, e);
	}
	/* MAX_PATH - 1 units, a backslash and a short name fit. */
	path[n] = L'\\';
	memcpy(path + n + 1, l->file, (len + 1) * sizeof(WCHAR));
	w_to_u8_fit(path, n + 1 + len, path8, sizeof(path8));
	if ((h = LoadLibraryExW(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH)) ==
	    NULL) {
		e = GetLastError();
		snprintf(what, sizeof(what), "cannot load %s", path8);
		return lib_fail(l, what, e);
	}
	for (i = 0; i < l->n; i++) {
		if ((p = GetProcAddress(h, l->names[i])) == NULL) {
			e = GetLastError();
			FreeLibrary(h);
			snprintf(what, sizeof(what), "%s has no function %s",
			    path8, l->names[i]);
			return lib_fail(l, what, e);
		}
		/* FARPROC's one conversion: any function pointer may
		 * become void (*)(void), and back to its own type. */
		l->slot[i] = (void (*)(void))p;
	}
	l->state = 1;
	return PST_OK;
}

/* Registry, under HKEY_LOCAL_MACHINE. */
static REGSAM
view_sam(enum regview view)
{
	return view == VIEW_32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY;
}

/* Opens (or with create, creates) HKLM\key in a view. */
static enum pst
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
		e = adv.RegOpenKeyExW(HKEY_LOCAL_MACHINE, wkey, 0,
		    access | view_sam(view), hk);
	free(wkey);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, create ? C_OTHER : C_REG);
}

/*
 * A value's raw data, malloc'd in *data with two NUL units after the
 * *cb stored bytes: stored strings need not end in NUL.
 */
static enum pst
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

enum pst
plat_getenv(const char *name, char **value)
{
	WCHAR *wname, *buf = NULL, *nb;
	DWORD cap = 256, n, e;
	enum pst r;
	int tries;

	*value = NULL;
	if ((r = u8_to_w_dup(name, &wname, NULL)) != PST_OK)
		return r;
	for (tries = 0; ; tries++) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			r = nomem();
			goto out;
		}
		buf = nb;
		SetLastError(ERROR_SUCCESS);
		n = GetEnvironmentVariableW(wname, buf, cap);
		if (n == 0) {
			/* Zero is also the length of a variable set empty. */
			if ((e = GetLastError()) != ERROR_SUCCESS) {
				r = oserr(E_WIN32, e, C_OTHER);
				goto out;
			}
			buf[0] = L'\0';
			break;
		}
		if (n < cap)
			break;
		if (tries >= 8) {
			r = fail_text(PST_IO,
			    "environment variable keeps growing");
			goto out;
		}
		cap = n + 1;
	}
	r = (*value = w_to_u8_dup(buf, n)) == NULL ? nomem() : PST_OK;
out:
	free(wname);
	free(buf);
	return r;
}

enum pst
plat_windows_dir(char **path)
{
	WCHAR *buf = NULL, *nb;
	UINT cap = MAX_PATH + 1, n;
	DWORD e;
	int tries;

	*path = NULL;
	for (tries = 0; ; tries++) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			free(buf);
			return nomem();
		}
		buf = nb;
		if ((n = GetSystemWindowsDirectoryW(buf, cap)) == 0) {
			e = GetLastError();
			free(buf);
			return oserr(E_WIN32, e, C_OTHER);
		}
		if (n < cap)
			break;
		if (tries >= 4 || n > MAXNAME) {
			free(buf);
			return fail_text(PST_IO,
			    "Windows directory name too long");
		}
		cap = n + 1;
	}
	*path = w_to_u8_dup(buf, n);
	free(buf);
	return *path == NULL ? nomem() : PST_OK;
}

/* Directories. */
struct plat_dir {
	HANDLE h;
	int started, noex;
	unsigned char *list;	/* FILE_BOTH_DIR_INFORMATION records */
	ULONG listlen, next;	/* valid bytes; offset of the next entry */
	int more;		/* entries remain at list + next */
	char *name8;		/* the current entry's WTF-8 name */
	size_t name8cap;
	WCHAR *nt;		/* the NT name it was opened by: \??\C:\x */
	size_t ntlen;
	WCHAR *self;		/* the directory's object name */
	USHORT selflen;		/* in units */
	WCHAR *name16;		/* plat_file's name, MAXNAME units */
	OBJECT_NAME_INFORMATION *info;	/* a handle's name */
	ULONG infocap;
	HANDLE runs;		/* the count of runs in it, or NULL */
	int runs_global;	/* that count reaches across sessions */
};

/* The OS does not know FileDispositionInformationEx (Wine 8, Windows < 10). */
static int ex_missing;

static int
isslash(WCHAR c)
{
	return c == L'\\' || c == L'/';
}

/*
 * The handle's full object name into d->info.  Wine answers it with one
 * server request (get_handle_unix_name), where FileNameInformation and
 * FileAllInformation take two (get_handle_fd as well); like them it names
 * the file Wine opened, so a Unix symlink shows its target.
 * STATUS_INFO_LENGTH_MISMATCH: a malformed answer.
 */
static NTSTATUS
handle_name(struct plat_dir *d, HANDLE h)
{
	ULONG got = 0;
	NTSTATUS st;

	st = NtQueryObject(h, ObjectNameInformation, d->info, d->infocap,
	    &got);
	if (!NT_SUCCESS(st))
		return st;
	if (got < sizeof(*d->info) || got > d->infocap ||
	    d->info->Name.Length % 2 != 0 ||
	    (d->info->Name.Length > 0 && (d->info->Name.Buffer == NULL ||
	    (unsigned char *)d->info->Name.Buffer < (unsigned char *)d->info ||
	    (unsigned char *)d->info->Name.Buffer + d->info->Name.Length >
	    (unsigned char *)d->info + got)))
		return STATUS_INFO_LENGTH_MISMATCH;
	return STATUS_SUCCESS;
}

/*
 * The NT name (\??\C:\dir, \??\UNC\server\share\dir) for a display path.
 * Drive and UNC paths are normalised as Win32 would (GetFullPathNameW is
 * lexical); \\?\ paths are taken verbatim, as Win32 takes them.
 */
static enum pst
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
static enum pst
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
 * The name of an object shared by every mmpclean that works on one file or
 * directory, whatever path names it: Global\mmpclean-KIND-VOLUME-INDEX,
 * or in Local\ (one session), for a user without the right to create
 * global objects.
 */
#define OBJNAME 80
static void
obj_name(WCHAR name[OBJNAME], int global, const WCHAR *kind,
    const BY_HANDLE_FILE_INFORMATION *bh)
{
	_snwprintf(name, OBJNAME, L"%lsmmpclean-%ls-%08lx-%08lx%08lx",
	    global ? L"Global\\" : L"Local\\", kind,
	    bh->dwVolumeSerialNumber, bh->nFileIndexHigh, bh->nFileIndexLow);
	name[OBJNAME - 1] = L'\0';
}

/*
 * Every run counts itself in a semaphore named after the directory's
 * identity while it holds the directory open, so a run can ask whether
 * another is scanning it now (plat_dir_others).  Only a count in the
 * Global\ namespace can say "no one else": a run without the right to
 * create global objects gets Local\ (its own session) and says "unknown".
 * A run that dies without counting itself out leaves the count one too
 * high, which only makes the others wait as if it were there.  Nothing
 * here guards a file: the count decides how long to wait before a second
 * look at locked files, no more.
 */
static void
runs_join(struct plat_dir *d, const BY_HANDLE_FILE_INFORMATION *bh)
{
	WCHAR name[OBJNAME];

	for (int global = 1; global >= 0 && d->runs == NULL; global--) {
		obj_name(name, global, L"dir", bh);
		d->runs = CreateSemaphoreExW(NULL, 0, LONG_MAX, name, 0,
		    SEMAPHORE_MODIFY_STATE | SEMAPHORE_QUERY_STATE | SYNCHRONIZE);
		d->runs_global = global;
	}
	if (d->runs != NULL && !ReleaseSemaphore(d->runs, 1, NULL)) {
		CloseHandle(d->runs);
		d->runs = NULL;
	}
}

int
plat_dir_others(struct plat_dir *d)
{
	SEMAPHORE_BASIC_INFORMATION sb;

	if (d->runs == NULL || !d->runs_global ||
	    !NT_SUCCESS(NtQuerySemaphore(d->runs, SemaphoreBasicInformation,
	    &sb, sizeof(sb), NULL)) || sb.CurrentCount < 1)
		return -1;
	return (int)(sb.CurrentCount - 1);
}

enum pst
plat_dir_open(const char *path, struct plat_dir **dp, struct plat_dirid *id)
{
	BY_HANDLE_FILE_INFORMATION bh;
	struct plat_dir *d;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	WCHAR *nt;
	size_t ntlen = 0;
	NTSTATUS st;
	DWORD e;
	enum pst r;

	*dp = NULL;
	if ((r = nt_path(path, &nt, &ntlen)) != PST_OK)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		free(nt);
		return nomem();
	}
	d->h = INVALID_HANDLE_VALUE;
	d->nt = nt;
	d->ntlen = ntlen;
	d->infocap = sizeof(OBJECT_NAME_INFORMATION) + 0x10000;
	d->list = malloc(LISTBUF);
	d->info = malloc(d->infocap);
	d->name16 = malloc(MAXNAME * sizeof(WCHAR));
	if (d->list == NULL || d->info == NULL || d->name16 == NULL) {
		plat_dir_close(d);
		return nomem();
	}
	us.Buffer = nt;
	us.Length = us.MaximumLength = (USHORT)(ntlen * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, NULL, NULL);
	st = NtCreateFile(&d->h, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
	    SYNCHRONIZE, &oa, &io, NULL, 0,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
	    FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT |
	    FILE_OPEN_FOR_BACKUP_INTENT, NULL, 0);
	if (!NT_SUCCESS(st)) {
		d->h = INVALID_HANDLE_VALUE;
		plat_dir_close(d);
		return oserr(E_NT, (unsigned long)st, C_DIR);
	}
	if (!GetFileInformationByHandle(d->h, &bh)) {
		e = GetLastError();
		plat_dir_close(d);
		return oserr(E_WIN32, e, C_DIR);
	}
	id->volume = bh.dwVolumeSerialNumber;
	id->file = (uint64_t)bh.nFileIndexHigh << 32 | bh.nFileIndexLow;
	runs_join(d, &bh);

	/* Named as plat_file names each entry's handle, to compare them. */
	if ((st = handle_name(d, d->h)) != STATUS_SUCCESS) {
		plat_dir_close(d);
		if (st == STATUS_INFO_LENGTH_MISMATCH)
			return fail_text(PST_IO, "bad directory name length");
		return oserr(E_NT, (unsigned long)st, C_OTHER);
	}
	d->selflen = d->info->Name.Length / sizeof(WCHAR);
	if ((d->self = malloc(d->info->Name.Length + sizeof(WCHAR))) == NULL) {
		plat_dir_close(d);
		return nomem();
	}
	memcpy(d->self, d->info->Name.Buffer, d->info->Name.Length);
	*dp = d;
	return PST_OK;
}

static int64_t
unix_time(int64_t ft)
{
	int64_t t = ft - FILETIME_1970;

	return t >= 0 ? t / 10000000 : -((-t + 9999999) / 10000000);
}

enum pst
plat_dir_next(struct plat_dir *d, struct plat_entry *e)
{
	static WCHAR pattern[] = L"*.mmp";
	FILE_BOTH_DIR_INFORMATION *fi;
	UNICODE_STRING us;
	IO_STATUS_BLOCK io;
	NTSTATUS st;
	ULONG off, nlen;
	size_t len;
	char *nb;
	enum pst r;

	for (;;) {
		if (!d->more) {
			us.Buffer = pattern;
			us.Length = us.MaximumLength = sizeof(pattern) -
			    sizeof(WCHAR);
			st = NtQueryDirectoryFile(d->h, NULL, NULL, NULL, &io,
			    d->list, LISTBUF, FileBothDirectoryInformation,
			    FALSE, d->started ? NULL : &us,
			    d->started ? FALSE : TRUE);
			if (!NT_SUCCESS(st)) {
				r = oserr(E_NT, (unsigned long)st, C_LIST);
				if (r == PST_END)
					lasterr.src = E_NONE;
				return r;
			}
			d->started = 1;
			if (io.Information == 0)
				return PST_END;
			d->listlen = (ULONG)io.Information;
			d->next = 0;
			d->more = 1;
		}
		off = d->next;
		fi = (FILE_BOTH_DIR_INFORMATION *)(d->list + off);
		if (d->listlen > LISTBUF || off >= d->listlen ||
		    d->listlen - off <
		    offsetof(FILE_BOTH_DIR_INFORMATION, FileName) ||
		    (nlen = fi->FileNameLength) % 2 != 0 ||
		    d->listlen - off -
		    offsetof(FILE_BOTH_DIR_INFORMATION, FileName) < nlen)
			return fail_text(PST_IO, "malformed directory listing");
		if (fi->NextEntryOffset == 0)
			d->more = 0;
		else if (fi->NextEntryOffset % 8 != 0 ||
		    fi->NextEntryOffset > d->listlen - off)
			return fail_text(PST_IO, "malformed directory listing");
		else
			d->next = off + fi->NextEntryOffset;
		nlen /= sizeof(WCHAR);
		if (nlen == 0 || (fi->FileName[0] == L'.' && (nlen == 1 ||
		    (nlen == 2 && fi->FileName[1] == L'.'))))
			continue;
		len = w_to_u8(fi->FileName, nlen, NULL);
		if (len + 1 > d->name8cap) {
			if ((nb = realloc(d->name8, len + 1)) == NULL)
				return nomem();
			d->name8 = nb;
			d->name8cap = len + 1;
		}
		w_to_u8(fi->FileName, nlen, d->name8);
		d->name8[len] = '\0';
		e->name = d->name8;
		e->attrs = 0;
		if (fi->FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
			e->attrs |= PLAT_A_DIR;
		if (fi->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
			e->attrs |= PLAT_A_LINK;
		if (fi->FileAttributes & FILE_ATTRIBUTE_READONLY)
			e->attrs |= PLAT_A_READONLY;
		if (fi->FileAttributes & FILE_ATTRIBUTE_HIDDEN)
			e->attrs |= PLAT_A_HIDDEN;
		if (fi->FileAttributes & FILE_ATTRIBUTE_SYSTEM)
			e->attrs |= PLAT_A_SYSTEM;
		e->size = (uint64_t)fi->EndOfFile.QuadPart;
		e->mtime = unix_time(fi->LastWriteTime.QuadPart);
		return PST_OK;
	}
}

void
plat_dir_close(struct plat_dir *d)
{
	if (d == NULL)
		return;
	if (d->h != INVALID_HANDLE_VALUE && d->h != NULL)
		NtClose(d->h);
	if (d->runs != NULL) {
		/* Counts this run out: one down, never blocking. */
		WaitForSingleObject(d->runs, 0);
		CloseHandle(d->runs);
	}
	free(d->nt);
	free(d->list);
	free(d->name8);
	free(d->self);
	free(d->name16);
	free(d->info);
	free(d);
}

/*
 * Is the opened handle's name the directory's name plus `name`?  The
 * directory part may differ in case (it was opened case-insensitively); the
 * entry's own name must be exact, or a link "X.mmp" to "x.mmp" would pass.
 */
static int
same_entry(const struct plat_dir *d, const WCHAR *got, size_t gotlen,
    size_t namelen)
{
	UNICODE_STRING a, b;
	size_t sep;

	sep = d->selflen == 0 || d->self[d->selflen - 1] != L'\\';
	if (gotlen != d->selflen + sep + namelen)
		return 0;
	if (memcmp(got + d->selflen + sep, d->name16,
	    namelen * sizeof(WCHAR)) != 0)
		return 0;
	if (sep && got[d->selflen] != L'\\')
		return 0;
	if (memcmp(got, d->self, d->selflen * sizeof(WCHAR)) == 0)
		return 1;
	a.Buffer = (WCHAR *)got;
	b.Buffer = d->self;
	a.Length = a.MaximumLength = b.Length = b.MaximumLength =
	    (USHORT)(d->selflen * sizeof(WCHAR));
	return RtlEqualUnicodeString(&a, &b, TRUE);
}

static NTSTATUS
set_attrs(HANDLE h, ULONG attrs)
{
	FILE_BASIC_INFORMATION b;
	IO_STATUS_BLOCK io;

	memset(&b, 0, sizeof(b));	/* zero times: leave them alone */
	attrs &= SETTABLE_ATTRS;
	b.FileAttributes = attrs != 0 ? attrs : FILE_ATTRIBUTE_NORMAL;
	return NtSetInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation);
}

/* Did a refused disposition meet the read-only attribute? */
static enum ectx
ro_ctx(HANDLE h, NTSTATUS st)
{
	FILE_BASIC_INFORMATION b;
	IO_STATUS_BLOCK io;

	if (st != STATUS_CANNOT_DELETE && st != STATUS_ACCESS_DENIED)
		return C_FILE;
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation)))
		return C_FILE;
	return b.FileAttributes & FILE_ATTRIBUTE_READONLY ? C_FILE_RO : C_FILE;
}

/*
 * Mark the open file `h` for deletion; the caller closes it.  The
 * disposition itself refuses a read-only file, so the attributes are asked
 * only when it refused: then --force clears read-only on the same handle
 * and tries again.
 */
static enum pst
dispose(struct plat_dir *d, HANDLE h, unsigned flags)
{
	struct disposition_ex dx;
	FILE_DISPOSITION_INFORMATION di;
	FILE_BASIC_INFORMATION b;
	FILE_STANDARD_INFORMATION si;
	IO_STATUS_BLOCK io;
	int force = (flags & PLAT_F_FORCE) != 0;
	NTSTATUS st, st2;

	if (!ex_missing && !d->noex) {
		dx.flags = DISP_DELETE | DISP_POSIX |
		    (force ? DISP_IGNORE_READONLY : 0);
		st = NtSetInformationFile(h, &io, &dx, sizeof(dx),
		    CLASS_DISPOSITION_EX);
		if (NT_SUCCESS(st))
			return PST_OK;
		if (st == STATUS_INVALID_INFO_CLASS ||
		    st == STATUS_NOT_IMPLEMENTED)
			ex_missing = 1;
		else if (st == STATUS_INVALID_PARAMETER ||
		    st == STATUS_NOT_SUPPORTED)
			d->noex = 1;	/* this file system, or this flag */
		else
			return oserr(E_NT, (unsigned long)st, ro_ctx(h, st));
	}
	di.DoDeleteFile = TRUE;
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (NT_SUCCESS(st))
		return PST_OK;
	if (!force || (st != STATUS_CANNOT_DELETE &&
	    st != STATUS_ACCESS_DENIED))
		return oserr(E_NT, (unsigned long)st, ro_ctx(h, st));
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation)) ||
	    !(b.FileAttributes & FILE_ATTRIBUTE_READONLY))
		return oserr(E_NT, (unsigned long)st, C_FILE);
	st2 = set_attrs(h, b.FileAttributes & ~FILE_ATTRIBUTE_READONLY);
	if (!NT_SUCCESS(st2))
		return oserr(E_NT, (unsigned long)st2, C_FILE_RO);
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (!NT_SUCCESS(st)) {
		set_attrs(h, b.FileAttributes);
		return oserr(E_NT, (unsigned long)st, C_FILE);
	}
	/* Attributes belong to the file: give other hard links theirs back. */
	if (NT_SUCCESS(NtQueryInformationFile(h, &io, &si, sizeof(si),
	    FileStandardInformation)) && si.NumberOfLinks > 1)
		set_attrs(h, b.FileAttributes);
	return PST_OK;
}

/*
 * A bare entry name of d (no path, no stream, nothing to walk up) into
 * d->name16, *nw units.
 */
static enum pst
entry_name(struct plat_dir *d, const char *name, size_t *nw)
{
	size_t n = strlen(name), i;

	if (u8_to_w(name, n, NULL, nw) != 0 || *nw == 0 || *nw > MAXNAME)
		return fail_text(PST_BADNAME, "not a valid file name");
	u8_to_w(name, n, d->name16, nw);
	for (i = 0; i < *nw; i++)
		if (d->name16[i] == L'\\' || d->name16[i] == L'/' ||
		    d->name16[i] == L':' || d->name16[i] == L'\0')
			return fail_text(PST_BADNAME, "not a valid file name");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail_text(PST_BADNAME, "not a valid file name");
	return PST_OK;
}

/*
 * Per file: the open (the lock probe), one name query (the link guard), the
 * disposition, the close; under Wine 8 one server request each.  What the
 * handle's attributes would add is had without asking: FILE_NON_DIRECTORY_
 * FILE refuses a directory, a delete-pending file cannot be opened, the
 * disposition refuses a read-only file, and the caller skips entries listed
 * as reparse points (which FILE_OPEN_REPARSE_POINT opens, not their target).
 */
enum pst
plat_file(struct plat_dir *d, const char *name, enum plat_act act,
    unsigned flags)
{
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS st;
	ACCESS_MASK access = DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
	size_t nw;
	enum pst r;

	if ((r = entry_name(d, name, &nw)) != PST_OK)
		return r;
	if (flags & PLAT_F_FORCE)
		access |= FILE_WRITE_ATTRIBUTES;
	us.Buffer = d->name16;
	us.Length = us.MaximumLength = (USHORT)(nw * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, 0, d->h, NULL);
	/* No sharing: this open is the lock probe. */
	st = NtCreateFile(&h, access, &oa, &io, NULL, 0, 0, FILE_OPEN,
	    FILE_NON_DIRECTORY_FILE | FILE_OPEN_REPARSE_POINT |
	    FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	if (!NT_SUCCESS(st))
		return oserr(E_NT, (unsigned long)st, C_FILE);

	/*
	 * Wine opens the target of a Unix symlink even with
	 * FILE_OPEN_REPARSE_POINT (and lists the link as a plain file); the
	 * handle's name gives it away.
	 */
	st = handle_name(d, h);
	if (st == STATUS_INFO_LENGTH_MISMATCH)
		r = fail_text(PST_IO, "bad file name length");
	else if (!NT_SUCCESS(st))
		r = oserr(E_NT, (unsigned long)st, C_FILE);
	else if (!same_entry(d, d->info->Name.Buffer,
	    d->info->Name.Length / sizeof(WCHAR), nw)) {
		/* Wine reports "x." as "x": refused either way. */
		if (d->name16[nw - 1] == L'.' || d->name16[nw - 1] == L' ')
			r = fail_text(PST_BADNAME, "a name ending in a dot "
			    "or space cannot be verified");
		else
			r = fail_text(PST_LINK, "the entry opens another file");
	} else if (act == ACT_DELETE)
		r = dispose(d, h, flags);
	else
		r = PST_OK;
	NtClose(h);
	return r;
}

/*
 * Whole paths for the APIs that take one.  An NT name from nt_path
 * (\??\C:\dir, \??\UNC\server\share\dir) becomes, in place, the long Win32
 * form (\\?\C:\dir), or the plain one (C:\dir, \\server\share\dir) when it
 * fits in MAX_PATH: for APIs that parse or compare paths rather than only
 * open them (Restart Manager, the security API), which are documented
 * for plain paths.  A longer path can only be given in the long form.
 */
enum pathform { PF_NT, PF_LONG, PF_PLAIN };

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
static enum pst
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
static enum pst
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

/*
 * Holders.  Restart Manager names the processes that hold any of a set of
 * files: with the file names registered, RmGetList lists them, services
 * with their short names.  It needs rights over the holders to see them;
 * whatever it cannot name is left unnamed, quickly.
 */

/* The executable's name, or Restart Manager's friendly name for it. */
static void
holder_app(const RM_PROCESS_INFO *pi, WCHAR *img, DWORD imgcap, char *app,
    size_t cap)
{
	const WCHAR *name = NULL, *p;
	FILETIME created, ended, kernel, user;
	FILETIME start = pi->Process.ProcessStartTime;
	DWORD n = imgcap;
	size_t len = 0;
	HANDLE ph;

	ph = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	    pi->Process.dwProcessId);
	if (ph != NULL) {
		/* The same process, not a later one given its id. */
		if (GetProcessTimes(ph, &created, &ended, &kernel, &user) &&
		    CompareFileTime(&created, &start) == 0 &&
		    QueryFullProcessImageNameW(ph, 0, img, &n) && n > 0 &&
		    n < imgcap) {
			name = img;
			for (p = img; p < img + n; p++)
				if (*p == L'\\')
					name = p + 1;
			len = (size_t)(img + n - name);
		}
		CloseHandle(ph);
	}
	if (len == 0) {
		name = pi->strAppName;
		len = wcsnlen(name, CCH_RM_MAX_APP_NAME + 1);
	}
	w_to_u8_fit(name, len, app, cap);
}

enum pst
plat_holders(struct plat_dir *d, const char *const *names, size_t n,
    struct plat_holder *h, size_t cap, size_t *nh)
{
	WCHAR key[CCH_RM_SESSION_KEY + 1], **paths, *img = NULL;
	RM_PROCESS_INFO *info = NULL, *ni;
	UINT want = 8, need = 0, count = 0, tries;
	DWORD sess, reasons, e;
	size_t i, k, m;
	enum pst r = PST_OK;

	*nh = 0;
	if (n == 0 || cap == 0)
		return PST_OK;
	if (n > 0xFFFFFF)
		return fail_text(PST_IO, "too many files for Restart Manager");
	/* Without RstrtMgr.dll, as without rights, nobody is named. */
	if ((r = lib_need(&rstrtmgr)) != PST_OK)
		return r;
	if ((paths = calloc(n, sizeof(*paths))) == NULL)
		return nomem();
	for (i = 0; i < n; i++)
		if ((r = entry_path(d, names[i], PF_PLAIN, &paths[i], NULL)) !=
		    PST_OK)
			goto out;
	if ((e = rm.RmStartSession(&sess, 0, key)) != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	e = rm.RmRegisterResources(sess, (UINT)n, (LPCWSTR *)paths, 0, NULL, 0,
	    NULL);
	/* The list may grow between calls; a few rounds settle it. */
	for (tries = 0; e == ERROR_SUCCESS; tries++) {
		if ((ni = realloc(info, want * sizeof(*info))) == NULL) {
			rm.RmEndSession(sess);
			r = nomem();
			goto out;
		}
		info = ni;
		count = want;
		e = rm.RmGetList(sess, &need, &count, info, &reasons);
		if (e != ERROR_MORE_DATA || tries >= 4 || need > 0xFFFF)
			break;
		want = need + 8;
	}
	rm.RmEndSession(sess);
	if (e != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	if (count > 0 &&
	    (img = malloc((MAXNAME + 1) * sizeof(WCHAR))) == NULL) {
		r = nomem();
		goto out;
	}
	for (k = 0; k < count && *nh < cap; k++) {
		for (m = 0; m < *nh; m++)
			if (h[m].pid == info[k].Process.dwProcessId)
				break;
		if (m < *nh)
			continue;
		h[m].pid = info[k].Process.dwProcessId;
		holder_app(&info[k], img, MAXNAME + 1, h[m].app,
		    sizeof(h[m].app));
		h[m].service[0] = '\0';
		if (info[k].ApplicationType == RmService)
			w_to_u8_fit(info[k].strServiceShortName,
			    wcsnlen(info[k].strServiceShortName,
			    CCH_RM_MAX_SVC_NAME + 1), h[m].service,
			    sizeof(h[m].service));
		(*nh)++;
	}
out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(info);
	free(img);
	return r;
}

/*
 * Administrator: CheckTokenMembership finds the Administrators group only
 * when it is enabled in the token, that is when the token is elevated
 * (under UAC an administrator's ordinary token has it deny-only).
 */
int
plat_is_admin(void)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	DWORD n = sizeof(sid);
	BOOL member = FALSE;

	/* Without advapi32 nothing can be checked: not an administrator. */
	if (lib_need(&advapi32) != PST_OK ||
	    !adv.CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid,
	    &n) || !adv.CheckTokenMembership(NULL, sid, &member))
		return 0;
	return member != FALSE;
}

/*
 * Delete at the next boot.  MoveFileEx appends (source, empty destination)
 * to PendingFileRenameOperations, a REG_MULTI_SZ of NT names in pairs,
 * which Session Manager carries out before anything can open the file.
 */
#define SESSION_MANAGER \
	"SYSTEM\\CurrentControlSet\\Control\\Session Manager"

static const WCHAR *
skip_nt_prefix(const WCHAR *s, size_t *n)
{
	if (*n >= 4 && wcsncmp(s, L"\\??\\", 4) == 0) {
		*n -= 4;
		return s + 4;
	}
	return s;
}

enum pst
plat_reboot_pending(struct plat_dir *d, const char *name, int *pending)
{
	WCHAR *path = NULL, *buf = NULL;
	const WCHAR *want, *src;
	size_t plen, i, n, slen, dlen;
	DWORD type, cb;
	HKEY hk;
	enum pst r;

	*pending = 0;
	if ((r = entry_path(d, name, PF_NT, &path, &plen)) != PST_OK)
		return r;
	if ((r = reg_open(VIEW_64, SESSION_MANAGER, KEY_QUERY_VALUE, 0,
	    &hk)) == PST_OK) {
		r = reg_read(hk, L"PendingFileRenameOperations", &type, &buf,
		    &cb);
		adv.RegCloseKey(hk);
	}
	if (r == PST_ABSENT) {
		r = PST_OK;
		goto out;
	}
	if (r != PST_OK)
		goto out;
	if (type != REG_MULTI_SZ) {
		r = fail_text(PST_IO, "PendingFileRenameOperations is not a "
		    "REG_MULTI_SZ");
		goto out;
	}
	/*
	 * Not an ordinary multi-string: an empty destination is an empty
	 * string, so the pairs go by the stored size, not to the first "".
	 */
	want = skip_nt_prefix(path, &plen);
	n = cb / sizeof(WCHAR);
	for (i = 0; i < n; ) {
		src = buf + i;
		slen = wcsnlen(src, n - i);
		i += slen + 1;
		if (i >= n)
			break;		/* the list's closing NUL */
		dlen = wcsnlen(buf + i, n - i);
		i += dlen + 1;
		if (slen == 0 || dlen != 0 || slen > MAXNAME)
			continue;
		src = skip_nt_prefix(src, &slen);
		if (CompareStringOrdinal(src, (int)slen, want, (int)plen,
		    TRUE) == CSTR_EQUAL) {
			*pending = 1;
			break;
		}
	}
out:
	free(path);
	free(buf);
	return r;
}

enum pst
plat_reboot_delete(struct plat_dir *d, const char *name)
{
	WCHAR *path;
	enum pst r;

	if ((r = entry_path(d, name, PF_LONG, &path, NULL)) != PST_OK)
		return r;
	if (!MoveFileExW(path, NULL, MOVEFILE_DELAY_UNTIL_REBOOT))
		r = oserr(E_WIN32, GetLastError(), C_FILE);
	free(path);
	return r;
}

/*
 * Ctrl+C and Ctrl+Break.  The handler runs on a thread of its own: it only
 * notes the press, and the scan stops at the next file or the next look
 * of --wait.  Closing the console, logoff and shutdown keep their default.
 */
static volatile LONG interrupted;

static BOOL WINAPI
on_ctrl(DWORD type)
{
	if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT)
		return FALSE;
	interrupted = 1;
	return TRUE;
}

int
plat_interrupted(void)
{
	return interrupted != 0;
}

/*
 * The Application event log.  The message table compiled from mmpclean.mc
 * is in this executable, which the source's EventMessageFile names; its
 * message IDs carry no severity or facility bits, so an event's ID is
 * the one the manual gives, and the event type is given here.
 */
#define EVENT_SOURCE	L"mmpclean"
#define EVENT_KEY \
	L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\mmpclean"

_Static_assert(MSG_RUN_CLEAN == EVENT_RUN_CLEAN &&
    MSG_RUN_LOCKED == EVENT_RUN_LOCKED && MSG_RUN_FAILED == EVENT_RUN_FAILED,
    "the message IDs in mmpclean.mc differ from mmpclean.h");

enum pst
plat_event(int type, unsigned id, const char *text)
{
	static const WORD types[] = {
		EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE,
		EVENTLOG_ERROR_TYPE
	};
	LPCWSTR strings[1];
	WCHAR *w;
	HANDLE h;
	DWORD e;
	enum pst r = PST_OK;

	if (type < 0 || type > 2)
		return fail_text(PST_IO, "unknown event type");
	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = u8_to_w_dup(text, &w, NULL)) != PST_OK)
		return r;
	if ((h = adv.RegisterEventSourceW(NULL, EVENT_SOURCE)) == NULL) {
		e = GetLastError();
		free(w);
		return oserr(E_WIN32, e, C_OTHER);
	}
	strings[0] = w;
	if (!adv.ReportEventW(h, types[type], 0, id, NULL, 1, 0, strings, NULL))
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
	adv.DeregisterEventSource(h);
	free(w);
	return r;
}

/* This executable's full name, malloc'd, never truncated. */
static enum pst
module_path(WCHAR **out, size_t *outlen)
{
	WCHAR *buf = NULL, *nb;
	DWORD cap = MAX_PATH + 1, n;
	DWORD e;

	*out = NULL;
	for (;;) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			free(buf);
			return nomem();
		}
		buf = nb;
		if ((n = GetModuleFileNameW(NULL, buf, cap)) == 0) {
			e = GetLastError();
			free(buf);
			return oserr(E_WIN32, e, C_OTHER);
		}
		/* A truncated name fills the buffer (its NUL too, on XP). */
		if (n < cap - 1)
			break;
		if (cap > MAXNAME) {
			free(buf);
			return fail_text(PST_IO, "executable name too long");
		}
		cap = cap * 2 > MAXNAME + 1 ? MAXNAME + 1 : cap * 2;
	}
	buf[n] = L'\0';
	*out = buf;
	*outlen = n;
	return PST_OK;
}

enum pst
plat_eventlog_install(void)
{
	DWORD types = EVENTLOG_INFORMATION_TYPE | EVENTLOG_WARNING_TYPE |
	    EVENTLOG_ERROR_TYPE;
	WCHAR *exe;
	size_t len = 0;
	LSTATUS e;
	HKEY hk;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = module_path(&exe, &len)) != PST_OK)
		return r;
	e = adv.RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENT_KEY, 0, NULL,
	    REG_OPTION_NON_VOLATILE, KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &hk,
	    NULL);
	if (e == ERROR_SUCCESS) {
		e = adv.RegSetValueExW(hk, L"EventMessageFile", 0,
		    REG_EXPAND_SZ, (const BYTE *)exe,
		    (DWORD)((len + 1) * sizeof(WCHAR)));
		if (e == ERROR_SUCCESS)
			e = adv.RegSetValueExW(hk, L"TypesSupported", 0,
			    REG_DWORD, (const BYTE *)&types, sizeof(types));
		adv.RegCloseKey(hk);
	}
	free(exe);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, C_OTHER);
}

enum pst
plat_eventlog_uninstall(void)
{
	LSTATUS e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK)
		return r;
	e = adv.RegDeleteKeyExW(HKEY_LOCAL_MACHINE, EVENT_KEY, KEY_WOW64_64KEY,
	    0);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, C_REG);
}

/*
 * --configure.  Directories are made one component at a time through the
 * \\?\ form, from the root down; one that exists must be a directory.
 */
static enum pst
mkdir_one(WCHAR *w, int *created)
{
	DWORD a, e;

	*created = 0;
	if (CreateDirectoryW(w, NULL)) {
		*created = 1;
		return PST_OK;
	}
	if ((e = GetLastError()) != ERROR_ALREADY_EXISTS)
		return oserr(E_WIN32, e, C_DIR);
	if ((a = GetFileAttributesW(w)) == INVALID_FILE_ATTRIBUTES)
		return oserr(E_WIN32, GetLastError(), C_DIR);
	if (!(a & FILE_ATTRIBUTE_DIRECTORY))
		return fail_text(PST_NOTDIR, "a file is in the way");
	return PST_OK;
}

enum pst
plat_mkdir(const char *path, int *created)
{
	WCHAR *w, save;
	size_t len, i, root, skip;
	DWORD a;
	int made = 0;
	enum pst r = PST_OK;

	*created = 0;
	if ((r = path_form(path, PF_LONG, &w, &len)) != PST_OK)
		return r;
	/* The root: \\?\C:\ or \\?\UNC\server\share\ is not made. */
	root = 4;
	skip = 1;
	if (len >= 8 && wcsncmp(w + 4, L"UNC\\", 4) == 0) {
		root = 8;
		skip = 2;
	}
	for (; skip > 0 && root < len; skip--) {
		while (root < len && w[root] != L'\\')
			root++;
		if (root < len)
			root++;
	}
	for (i = root; i <= len && r == PST_OK; i++) {
		if (i < len && w[i] != L'\\')
			continue;
		if (i == root || w[i - 1] == L'\\')
			continue;
		save = w[i];
		w[i] = L'\0';
		r = mkdir_one(w, created);
		w[i] = save;
		made = 1;
	}
	/* A root alone: it must be there. */
	if (!made && (a = GetFileAttributesW(w)) == INVALID_FILE_ATTRIBUTES)
		r = oserr(E_WIN32, GetLastError(), C_DIR);
	free(w);
	return r;
}

enum pst
plat_account_exists(const char *name)
{
	WCHAR *w, *dom = NULL;
	BYTE *sid = NULL;
	DWORD cbsid = 0, cchdom = 0, e = 0;
	SID_NAME_USE use = SidTypeUnknown;
	enum pst r;

	if (name[0] == '\0')
		return fail_text(PST_ABSENT, "no account name");
	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = u8_to_w_dup(name, &w, NULL)) != PST_OK)
		return r;
	if (adv.LookupAccountNameW(NULL, w, NULL, &cbsid, NULL, &cchdom,
	    &use) ||
	    (e = GetLastError()) == ERROR_INSUFFICIENT_BUFFER) {
		sid = malloc(cbsid ? cbsid : 1);
		dom = malloc((cchdom ? cchdom : 1) * sizeof(WCHAR));
		if (sid == NULL || dom == NULL)
			r = nomem();
		else if (!adv.LookupAccountNameW(NULL, w, sid, &cbsid, dom,
		    &cchdom, &use))
			r = oserr(E_WIN32, GetLastError(), C_OTHER);
	} else
		r = oserr(E_WIN32, e, C_OTHER);
	/* A name that maps to a domain, or to nothing, is not an account. */
	if (r == PST_OK && (use == SidTypeDomain || use == SidTypeInvalid ||
	    use == SidTypeUnknown || use == SidTypeDeletedAccount))
		r = fail_text(PST_ABSENT, "not an account");
	free(w);
	free(sid);
	free(dom);
	return r;
}

enum pst
plat_computer_name(char **name)
{
	WCHAR buf[MAX_COMPUTERNAME_LENGTH + 1];
	DWORD n = sizeof(buf) / sizeof(buf[0]);

	*name = NULL;
	/* NetBIOS names are at most MAX_COMPUTERNAME_LENGTH. */
	if (!GetComputerNameW(buf, &n))
		return oserr(E_WIN32, GetLastError(), C_OTHER);
	if (n >= sizeof(buf) / sizeof(buf[0]))
		return fail_text(PST_IO, "bad computer name length");
	return (*name = w_to_u8_dup(buf, n)) == NULL ? nomem() : PST_OK;
}

/*
 * "Modify" as Explorer grants it: read, write, execute and delete,
 * inherited by files and subdirectories, added to the entries there.
 */
enum pst
plat_grant_modify(const char *path, const char *account)
{
	WCHAR *wpath = NULL, *wacc = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL dacl = NULL, nacl = NULL;
	EXPLICIT_ACCESSW ea;
	DWORD e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = path_form(path, PF_PLAIN, &wpath, NULL)) != PST_OK ||
	    (r = u8_to_w_dup(account, &wacc, NULL)) != PST_OK)
		goto out;
	e = adv.GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd);
	if (e != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_DIR);
		goto out;
	}
	memset(&ea, 0, sizeof(ea));
	ea.grfAccessPermissions = FILE_GENERIC_READ | FILE_GENERIC_WRITE |
	    FILE_GENERIC_EXECUTE | DELETE;
	ea.grfAccessMode = GRANT_ACCESS;
	ea.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
	adv.BuildTrusteeWithNameW(&ea.Trustee, wacc);
	if ((e = adv.SetEntriesInAclW(1, &ea, dacl, &nacl)) != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	e = adv.SetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, nacl, NULL);
	if (e != ERROR_SUCCESS)
		r = oserr(E_WIN32, e, C_DIR);
out:
	if (nacl != NULL)
		LocalFree(nacl);
	if (sd != NULL)
		LocalFree(sd);
	free(wpath);
	free(wacc);
	return r;
}

/* Clock. */
int64_t
plat_time(void)
{
	FILETIME ft;

	GetSystemTimeAsFileTime(&ft);
	return unix_time((int64_t)((uint64_t)ft.dwHighDateTime << 32 |
	    ft.dwLowDateTime));
}

uint64_t
plat_ms(void)
{
	return GetTickCount64();
}

void
plat_sleep_ms(unsigned ms)
{
	Sleep(ms);
}

/*
 * Output.  A console gets UTF-16 through WriteConsoleW, unbuffered; a file
 * or pipe gets the UTF-8 bytes with LF as CRLF, stdout buffered.
 */
struct ostream {
	int init, bad, console, lastcr;
	int err;		/* a write failed: later output is dropped */
	HANDLE h;
	unsigned char pend[4];	/* console: a cut UTF-8 sequence */
	size_t npend;
	size_t n;
	char buf[16384];
};
static struct ostream streams[2];

static struct ostream *
ostream(enum plat_stream s)
{
	struct ostream *o = &streams[s == OUT_STDERR];
	DWORD mode;

	if (!o->init) {
		o->init = 1;
		o->h = GetStdHandle(s == OUT_STDERR ? STD_ERROR_HANDLE :
		    STD_OUTPUT_HANDLE);
		o->bad = o->h == NULL || o->h == INVALID_HANDLE_VALUE;
		o->console = !o->bad && GetConsoleMode(o->h, &mode);
	}
	return o;
}

static enum pst
raw_write(struct ostream *o, const char *p, size_t n)
{
	DWORD done, chunk;

	while (n > 0) {
		chunk = n > 1u << 20 ? 1u << 20 : (DWORD)n;
		if (!WriteFile(o->h, p, chunk, &done, NULL))
			return oserr(E_WIN32, GetLastError(), C_OTHER);
		if (done == 0 || done > chunk)
			return fail_text(PST_IO, "write made no progress");
		p += done;
		n -= done;
	}
	return PST_OK;
}

static enum pst
con_put(struct ostream *o, const WCHAR *w, size_t n)
{
	DWORD done;

	while (n > 0) {
		if (!WriteConsoleW(o->h, w, (DWORD)n, &done, NULL))
			return oserr(E_WIN32, GetLastError(), C_OTHER);
		if (done == 0 || done > n)
			return fail_text(PST_IO, "write made no progress");
		w += done;
		n -= done;
	}
	return PST_OK;
}

/* Appends cp to w as UTF-16 (a lone surrogate stays one unit). */
static size_t
put16(WCHAR *w, size_t nw, uint32_t cp)
{
	if (cp >= 0x10000) {
		w[nw++] = (WCHAR)(0xD800 + ((cp - 0x10000) >> 10));
		w[nw++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
	} else
		w[nw++] = (WCHAR)cp;
	return nw;
}

static enum pst
con_write(struct ostream *o, const unsigned char *s, size_t n)
{
	WCHAR w[4096];
	unsigned char t[8];
	size_t nw = 0, i = 0, tn, more;
	uint32_t cp;
	int k;

	/* Finish a sequence the previous call ended inside. */
	if (o->npend > 0) {
		tn = o->npend;
		more = n < 4 ? n : 4;
		memcpy(t, o->pend, tn);
		memcpy(t + tn, s, more);
		if ((k = dec8(t, tn + more, &cp)) == 0) {
			/* Incomplete, so tn + more < 4. */
			memcpy(o->pend, t, tn + more);
			o->npend = tn + more;
			return PST_OK;
		}
		o->npend = 0;
		if (k < 0)
			nw = put16(w, nw, 0xFFFD);
		else {
			nw = put16(w, nw, cp);
			i = (size_t)k - tn;
		}
	}
	while (i < n) {
		if ((k = dec8(s + i, n - i, &cp)) == 0) {
			memcpy(o->pend, s + i, n - i);
			o->npend = n - i;
			break;
		}
		if (k < 0) {
			cp = 0xFFFD;
			k = 1;
		}
		i += (size_t)k;
		nw = put16(w, nw, cp);
		if (nw >= sizeof(w) / sizeof(w[0]) - 2) {
			if (con_put(o, w, nw) != PST_OK)
				return PST_IO;
			nw = 0;
		}
	}
	return con_put(o, w, nw);
}

static enum pst
buf_flush(struct ostream *o)
{
	enum pst r;

	r = raw_write(o, o->buf, o->n);
	o->n = 0;	/* a failed write is dropped, not retried */
	if (r != PST_OK)
		o->err = 1;
	return r;
}

static enum pst
buf_write(struct ostream *o, const char *s, size_t n)
{
	const char *nl;
	size_t seg, room;

	while (n > 0) {
		nl = memchr(s, '\n', n);
		seg = nl != NULL ? (size_t)(nl - s) : n;
		while (seg > 0) {
			if ((room = sizeof(o->buf) - o->n) == 0) {
				if (buf_flush(o) != PST_OK)
					return PST_IO;
				continue;
			}
			if (room > seg)
				room = seg;
			memcpy(o->buf + o->n, s, room);
			o->n += room;
			o->lastcr = s[room - 1] == '\r';
			s += room;
			n -= room;
			seg -= room;
		}
		if (nl == NULL)
			break;
		if (sizeof(o->buf) - o->n < 2 && buf_flush(o) != PST_OK)
			return PST_IO;
		if (!o->lastcr)
			o->buf[o->n++] = '\r';
		o->buf[o->n++] = '\n';
		o->lastcr = 0;
		s++;
		n--;
	}
	return PST_OK;
}

enum pst
plat_write(enum plat_stream s, const char *utf8, size_t len)
{
	struct ostream *o = ostream(s);
	enum pst r;

	if (o->bad)
		return fail_text(PST_IO, "no standard handle");
	if (o->console)
		return con_write(o, (const unsigned char *)utf8, len);
	if (o->err)
		return fail_text(PST_IO, "an earlier write failed");
	/* Keep the order of stdout and stderr sent to one file. */
	if (s == OUT_STDERR)
		plat_flush(OUT_STDOUT);
	r = buf_write(o, utf8, len);
	if (s == OUT_STDERR && r == PST_OK)
		r = buf_flush(o);
	return r;
}

enum pst
plat_flush(enum plat_stream s)
{
	struct ostream *o = ostream(s);

	if (o->bad)
		return fail_text(PST_IO, "no standard handle");
	if (o->err)
		return fail_text(PST_IO, "an earlier write failed");
	if (o->console || o->n == 0)
		return PST_OK;
	return buf_flush(o);
}

int
plat_isconsole(enum plat_stream s)
{
	return ostream(s)->console;
}

/*
 * The --log file.  FILE_APPEND_DATA without FILE_WRITE_DATA makes every
 * WriteFile an append at the end of file, atomic against other writers, so
 * runs logging at once keep their lines whole: one line, one WriteFile.
 */
struct plat_log {
	HANDLE h;
	HANDLE mutex;	/* one per log file, shared by every mmpclean */
};

/*
 * Appends through FILE_APPEND_DATA land at the end of the file, but Wine
 * does not keep two processes' appends whole (measured: torn and lost
 * lines with two runs logging at once).  A mutex named after the file's
 * identity, whatever path names it, serialises the writers.  Global\
 * reaches across sessions (a task as SYSTEM, an administrator's prompt);
 * a user without the right to create it gets Local\, and a log without
 * one still works.
 */
static HANDLE
log_mutex(HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION bh;
	WCHAR name[OBJNAME];
	HANDLE m;

	if (!GetFileInformationByHandle(h, &bh))
		return NULL;
	for (int global = 1; global >= 0; global--) {
		obj_name(name, global, L"log", &bh);
		if ((m = CreateMutexW(NULL, FALSE, name)) != NULL)
			return m;
	}
	return NULL;
}

enum pst
plat_log_open(const char *path, struct plat_log **lp)
{
	WCHAR *w;
	HANDLE h;
	DWORD e;
	enum pst r;

	*lp = NULL;
	if ((r = long_path(path, &w, NULL)) != PST_OK)
		return r;
	h = CreateFileW(w, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	e = GetLastError();
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return oserr(E_WIN32, e, C_OTHER);
	if ((*lp = malloc(sizeof(**lp))) == NULL) {
		CloseHandle(h);
		return nomem();
	}
	(*lp)->h = h;
	(*lp)->mutex = log_mutex(h);
	return PST_OK;
}

/* Writes utf8 with LF as CRLF, like standard output, in one WriteFile. */
enum pst
plat_log_write(struct plat_log *l, const char *utf8, size_t len)
{
	size_t i, n = 0;
	DWORD done;
	char *b;
	enum pst r = PST_OK;
	int held = 0;

	if (len > 0x3FFFFFFF)
		return fail_text(PST_IO, "log line too long");
	if ((b = malloc(2 * len + 1)) == NULL)
		return nomem();
	for (i = 0; i < len; i++) {
		if (utf8[i] == '\n' && (i == 0 || utf8[i - 1] != '\r'))
			b[n++] = '\r';
		b[n++] = utf8[i];
	}
	/* a writer that died holding it (WAIT_ABANDONED) wrote whole lines;
	 * after a timeout, a line written anyway beats a line lost */
	if (l->mutex != NULL)
		held = WaitForSingleObject(l->mutex, 10000) != WAIT_TIMEOUT;
	if (n > 0 && !WriteFile(l->h, b, (DWORD)n, &done, NULL))
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
	else if (n > 0 && done != n)
		r = fail_text(PST_IO, "short write to the log file");
	if (held)
		ReleaseMutex(l->mutex);
	free(b);
	return r;
}

void
plat_log_close(struct plat_log *l)
{
	if (l == NULL)
		return;
	if (l->mutex != NULL)
		CloseHandle(l->mutex);
	CloseHandle(l->h);
	free(l);
}

unsigned long
plat_pid(void)
{
	return GetCurrentProcessId();
}

int
wmain(int argc, wchar_t **argv)
{
	static const char nomem[] = "mmpclean: out of memory\n";
	char **argv8;
	int i, ret;

	/* No "insert a disk" dialogs in an unattended run. */
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
	SetConsoleCtrlHandler(on_ctrl, TRUE);
	if (argc < 0 || (argv8 = calloc((size_t)argc + 1,
	    sizeof(*argv8))) == NULL) {
		plat_write(OUT_STDERR, nomem, sizeof(nomem) - 1);
		return EXIT_FAILED;
	}
	for (i = 0; i < argc; i++)
		if ((argv8[i] = w_to_u8_dup(argv[i], wcslen(argv[i]))) ==
		    NULL) {
			plat_write(OUT_STDERR, nomem, sizeof(nomem) - 1);
			return EXIT_FAILED;
		}
	ret = mmpclean_main(argc, argv8);
	plat_flush(OUT_STDOUT);
	plat_flush(OUT_STDERR);
	for (i = 0; i < argc; i++)
		free(argv8[i]);
	free(argv8);
	return ret;
}
