/*
 * The one place where Win32 and NT codes become the seam's outcomes, and
 * the text of a failure: plat_lasterror's for the last one, plat_errtext's
 * for one carried with its result.
 */
#include <stdio.h>

#include "rules.h"
#include "w32.h"

/*
 * Errors.  The last failure is kept as its raw code and formatted only when
 * plat_lasterror() asks, so that an expected outcome (a locked file among
 * thousands) costs nothing.  Each thread has its own: plat_file, on a
 * worker, hands its thread's to the caller (file.c).
 */
_Thread_local struct lasterr lasterr;
static char errbuf[1024];

enum pst
fail_text(enum pst r, const char *text)
{
	lasterr.src = E_TEXT;
	lasterr.text = text;
	return r;
}

enum pst
nomem(void)
{
	return fail_text(PST_NOMEM, "out of memory");
}

/*
 * Records the code for plat_lasterror and turns it into an outcome by the
 * tables in rules.c, the one place that does.
 */
enum pst
oserr(enum esrc src, unsigned long code, enum ectx ctx)
{
	enum pst r;

	lasterr.src = src;
	lasterr.code = code;
	r = src == E_NT ? nt_outcome((uint32_t)code, ctx) :
	    win32_outcome((uint32_t)code, ctx);
	return r == PST_NOMEM ? nomem() : r;
}

/* rules.h spells the codes out without Windows headers: the same codes. */
_Static_assert((uint32_t)STATUS_NOT_IMPLEMENTED == NT_NOT_IMPLEMENTED &&
    (uint32_t)STATUS_INVALID_INFO_CLASS == NT_INVALID_INFO_CLASS &&
    (uint32_t)STATUS_INVALID_PARAMETER == NT_INVALID_PARAMETER &&
    (uint32_t)STATUS_NO_SUCH_FILE == NT_NO_SUCH_FILE &&
    (uint32_t)STATUS_INVALID_DEVICE_REQUEST == NT_INVALID_DEVICE_REQUEST &&
    (uint32_t)STATUS_NO_MEMORY == NT_NO_MEMORY &&
    (uint32_t)STATUS_ACCESS_DENIED == NT_ACCESS_DENIED &&
    (uint32_t)STATUS_OBJECT_NAME_INVALID == NT_OBJECT_NAME_INVALID &&
    (uint32_t)STATUS_OBJECT_NAME_NOT_FOUND == NT_OBJECT_NAME_NOT_FOUND &&
    (uint32_t)STATUS_OBJECT_PATH_INVALID == NT_OBJECT_PATH_INVALID &&
    (uint32_t)STATUS_OBJECT_PATH_NOT_FOUND == NT_OBJECT_PATH_NOT_FOUND &&
    (uint32_t)STATUS_OBJECT_PATH_SYNTAX_BAD == NT_OBJECT_PATH_SYNTAX_BAD &&
    (uint32_t)STATUS_SHARING_VIOLATION == NT_SHARING_VIOLATION &&
    (uint32_t)STATUS_DELETE_PENDING == NT_DELETE_PENDING &&
    (uint32_t)STATUS_INSUFFICIENT_RESOURCES == NT_INSUFFICIENT_RESOURCES &&
    (uint32_t)STATUS_FILE_IS_A_DIRECTORY == NT_FILE_IS_A_DIRECTORY &&
    (uint32_t)STATUS_NOT_SUPPORTED == NT_NOT_SUPPORTED &&
    (uint32_t)STATUS_NAME_TOO_LONG == NT_NAME_TOO_LONG &&
    (uint32_t)STATUS_CANNOT_DELETE == NT_CANNOT_DELETE &&
    (uint32_t)STATUS_FILE_DELETED == NT_FILE_DELETED &&
    (uint32_t)STATUS_INVALID_LEVEL == NT_INVALID_LEVEL &&
    (uint32_t)STATUS_NOT_A_DIRECTORY == NT_NOT_A_DIRECTORY &&
    (uint32_t)STATUS_NO_MORE_FILES == NT_NO_MORE_FILES,
    "an NT_ code in rules.h differs from ntstatus.h");
_Static_assert(ERROR_FILE_NOT_FOUND == W32_FILE_NOT_FOUND &&
    ERROR_PATH_NOT_FOUND == W32_PATH_NOT_FOUND &&
    ERROR_ACCESS_DENIED == W32_ACCESS_DENIED &&
    ERROR_NOT_ENOUGH_MEMORY == W32_NOT_ENOUGH_MEMORY &&
    ERROR_OUTOFMEMORY == W32_OUTOFMEMORY &&
    ERROR_INVALID_DRIVE == W32_INVALID_DRIVE &&
    ERROR_NO_MORE_FILES == W32_NO_MORE_FILES &&
    ERROR_SHARING_VIOLATION == W32_SHARING_VIOLATION &&
    ERROR_BAD_NETPATH == W32_BAD_NETPATH &&
    ERROR_BAD_NET_NAME == W32_BAD_NET_NAME &&
    RPC_S_SERVER_UNAVAILABLE == W32_RPC_SERVER_UNAVAILABLE &&
    ERROR_INVALID_NAME == W32_INVALID_NAME &&
    ERROR_BAD_PATHNAME == W32_BAD_PATHNAME &&
    ERROR_FILENAME_EXCED_RANGE == W32_FILENAME_EXCED_RANGE &&
    ERROR_DIRECTORY == W32_DIRECTORY &&
    ERROR_ENVVAR_NOT_FOUND == W32_ENVVAR_NOT_FOUND &&
    ERROR_NONE_MAPPED == W32_NONE_MAPPED,
    "a W32_ code in rules.h differs from winerror.h");

/* FormatMessageW's text for a Win32 code, as UTF-8 without ".\r\n". */
void
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

/* The words for a failure, in errbuf unless a fixed text says it. */
static const char *
words(enum esrc src, unsigned long code, const char *text)
{
	char msg[700];
	DWORD dos;

	switch (src) {
	case E_NONE:
		return "no error";
	case E_TEXT:
		return text;
	case E_WIN32:
		sysmsg((DWORD)code, msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "Win32 error %lu%s%s",
		    code, msg[0] ? ": " : "", msg);
		break;
	case E_NT:
		dos = RtlNtStatusToDosError((NTSTATUS)code);
		msg[0] = '\0';
		if (dos != ERROR_MR_MID_NOT_FOUND)
			sysmsg(dos, msg, sizeof(msg));
		snprintf(errbuf, sizeof(errbuf), "NTSTATUS 0x%08lX%s%s",
		    code, msg[0] ? ": " : "", msg);
		break;
	}
	return errbuf;
}

const char *
plat_lasterror(void)
{
	return words(lasterr.src, lasterr.code, lasterr.text);
}

/* This thread's last failure, to travel with a result. */
void
err_take(struct plat_err *e)
{
	e->src = (int)lasterr.src;
	e->code = lasterr.code;
	e->text = lasterr.text;
}

const char *
plat_errtext(const struct plat_err *e)
{
	return words((enum esrc)e->src, e->code, e->text);
}
