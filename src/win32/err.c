/*
 * The one place where Win32 and NT codes become the seam's outcomes, and
 * plat_lasterror's text for the last failure.
 */
#include <stdio.h>

#include "w32.h"

/*
 * Errors.  The last failure is kept as its raw code and formatted only when
 * plat_lasterror() asks, so that an expected outcome (a locked file among
 * thousands) costs nothing.
 */
struct lasterr lasterr;
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

/* The one place where Win32 and NT codes become outcomes. */
enum pst
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
