/*
 * Decisions of the Windows backend that need no Windows header (rules.h
 * says why).  Each cites what forced it.
 */
#include "rules.h"

/*
 * The one place where NT statuses and Win32 codes become outcomes.  "Not
 * found" is a missing directory when opening one, a file that vanished
 * when opening an entry, the end when listing, and "not set" in the
 * registry; "access denied" on a read-only file is the read-only case.
 */
enum pst
nt_outcome(uint32_t status, enum ectx ctx)
{
	switch (status) {
	case NT_SHARING_VIOLATION:
		return PST_LOCKED;
	case NT_NO_MORE_FILES:
		return PST_END;
	case NT_NO_SUCH_FILE:
		if (ctx == C_LIST)
			return PST_END;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_DELETE_PENDING:
		/*
		 * Someone deleted it and a handle still open keeps the
		 * name: not gone yet, and no business of ours until that
		 * handle closes.
		 */
		if (ctx == C_FILE || ctx == C_FILE_RO)
			return PST_PENDING;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_OBJECT_NAME_NOT_FOUND:
	case NT_OBJECT_PATH_NOT_FOUND:
	case NT_FILE_DELETED:
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_FILE_IS_A_DIRECTORY:
		return PST_ISDIR;
	case NT_NOT_A_DIRECTORY:
		return PST_NOTDIR;
	case NT_OBJECT_NAME_INVALID:
	case NT_OBJECT_PATH_SYNTAX_BAD:
	case NT_OBJECT_PATH_INVALID:
	case NT_NAME_TOO_LONG:
		return PST_BADNAME;
	case NT_CANNOT_DELETE:
		/*
		 * The disposition's refusal: the read-only attribute, or
		 * else a mapped view (Q214712's "Access is denied" for a
		 * file no handle holds).
		 */
		if (ctx == C_FILE_RO)
			return PST_READONLY;
		return ctx == C_FILE ? PST_MAPPED : PST_DENIED;
	case NT_ACCESS_DENIED:
		return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
	case NT_NO_MEMORY:
	case NT_INSUFFICIENT_RESOURCES:
		return PST_NOMEM;
	default:
		return PST_IO;
	}
}

enum pst
win32_outcome(uint32_t code, enum ectx ctx)
{
	switch (code) {
	case W32_SHARING_VIOLATION:
		return PST_LOCKED;
	case W32_NO_MORE_FILES:
		return PST_END;
	case W32_FILE_NOT_FOUND:
	case W32_PATH_NOT_FOUND:
	case W32_BAD_NETPATH:
	case W32_BAD_NET_NAME:
	case W32_INVALID_DRIVE:
	case W32_ENVVAR_NOT_FOUND:
		if (ctx == C_REG || code == W32_ENVVAR_NOT_FOUND)
			return PST_ABSENT;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case W32_DIRECTORY:
		return PST_NOTDIR;
	case W32_INVALID_NAME:
	case W32_BAD_PATHNAME:
	case W32_FILENAME_EXCED_RANGE:
		return PST_BADNAME;
	case W32_ACCESS_DENIED:
		return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
	case W32_NONE_MAPPED:		/* an account name */
		return PST_ABSENT;
	case W32_NOT_ENOUGH_MEMORY:
	case W32_OUTOFMEMORY:
		return PST_NOMEM;
	default:
		return PST_IO;
	}
}

/*
 * FileDispositionInformationEx (class 64) is Windows 10 1607 and later,
 * IGNORE_READONLY_ATTRIBUTE 1809 and later, and only some file systems
 * take it.  What the refusals look like:
 * - the I/O manager of a Windows that does not know the class (7, 8.1,
 *   10 1507 and 1511): STATUS_INVALID_INFO_CLASS;
 * - Wine 8: STATUS_NOT_IMPLEMENTED;
 * - a known class with a flag this Windows does not know (1607-1803 with
 *   IGNORE_READONLY), or a file system that refuses the class (FAT, exFAT):
 *   STATUS_INVALID_PARAMETER;
 * - file systems and redirectors that do not support POSIX semantics:
 *   STATUS_NOT_SUPPORTED, or STATUS_INVALID_DEVICE_REQUEST (a driver
 *   without the handler; Win32's ERROR_INVALID_FUNCTION, on which Rust's
 *   std falls back too);
 * - SMB servers that do not know the level: STATUS_INVALID_LEVEL.
 * None of these says anything about the file, so none may be reported
 * as the file's state; everything else is the file's answer.
 */
int
disp_ex_unsupported(uint32_t status)
{
	switch (status) {
	case NT_INVALID_INFO_CLASS:
	case NT_NOT_IMPLEMENTED:
	case NT_INVALID_PARAMETER:
	case NT_INVALID_DEVICE_REQUEST:
	case NT_NOT_SUPPORTED:
	case NT_INVALID_LEVEL:
		return 1;
	default:
		return 0;
	}
}
