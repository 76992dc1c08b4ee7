/*
 * The Windows backend's decisions that need no Windows header
 * (src/win32/rules.c), run natively.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rules.h"

/*
 * Every status FileDispositionInformationEx can answer that matters here,
 * with what it means.  A status missing from the fallback list would be
 * reported as the file's state (an error on every file of a FAT volume);
 * one wrongly on it would hide a lock behind the classic call's retry.
 */
static const struct {
	uint32_t status;
	int fallback;
	const char *why;
} disp_table[] = {
	{ 0xC0000003, 1, "INVALID_INFO_CLASS: Windows 7, 8.1, 10 1507/1511" },
	{ 0xC0000002, 1, "NOT_IMPLEMENTED: Wine 8" },
	{ 0xC000000D, 1, "INVALID_PARAMETER: a flag before 1809, FAT" },
	{ 0xC0000010, 1, "INVALID_DEVICE_REQUEST: a driver without it" },
	{ 0xC00000BB, 1, "NOT_SUPPORTED: no POSIX semantics here" },
	{ 0xC0000148, 1, "INVALID_LEVEL: an SMB server without the class" },
	{ 0xC0000043, 0, "SHARING_VIOLATION: a lock" },
	{ 0xC0000121, 0, "CANNOT_DELETE: read-only or a mapped view" },
	{ 0xC0000022, 0, "ACCESS_DENIED" },
	{ 0xC0000056, 0, "DELETE_PENDING" },
	{ 0xC0000034, 0, "OBJECT_NAME_NOT_FOUND" },
	{ 0xC00000BA, 0, "FILE_IS_A_DIRECTORY" },
	{ 0xC0000101, 0, "DIRECTORY_NOT_EMPTY" },
	{ 0xC000009A, 0, "INSUFFICIENT_RESOURCES" },
	{ 0xC0000185, 0, "IO_DEVICE_ERROR" },
	{ 0x00000000, 0, "SUCCESS is never a fallback" },
	{ 0x80000005, 0, "BUFFER_OVERFLOW (a warning)" },
};

static void
test_disposition_fallback_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(disp_table) / sizeof(disp_table[0]);
	    i++)
		if (disp_ex_unsupported(disp_table[i].status) !=
		    disp_table[i].fallback)
			fail_msg("0x%08X (%s): expected %s",
			    (unsigned)disp_table[i].status, disp_table[i].why,
			    disp_table[i].fallback ? "fallback" : "an answer");
}

/*
 * Every code the backend maps, in every context where the answer differs.
 * The row says what the run then reports; a row changed by mistake turns
 * a lock into a deletable file or a missing directory into "nothing here".
 */
#define ALLCTX	(-1)
static const struct {
	int nt;			/* 1: an NTSTATUS, 0: a Win32 code */
	uint32_t code;
	int ctx;		/* enum ectx, or ALLCTX */
	enum pst want;
} outcome_table[] = {
	{ 1, NT_SHARING_VIOLATION, ALLCTX, PST_LOCKED },
	{ 1, NT_NO_MORE_FILES, ALLCTX, PST_END },
	{ 1, NT_NO_SUCH_FILE, C_LIST, PST_END },
	{ 1, NT_NO_SUCH_FILE, C_DIR, PST_NOTFOUND },
	{ 1, NT_NO_SUCH_FILE, C_FILE, PST_GONE },
	{ 1, NT_DELETE_PENDING, C_FILE, PST_PENDING },
	{ 1, NT_DELETE_PENDING, C_FILE_RO, PST_PENDING },
	{ 1, NT_DELETE_PENDING, C_DIR, PST_NOTFOUND },
	{ 1, NT_DELETE_PENDING, C_OTHER, PST_GONE },
	{ 1, NT_OBJECT_NAME_NOT_FOUND, C_FILE, PST_GONE },
	{ 1, NT_OBJECT_NAME_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 1, NT_OBJECT_PATH_NOT_FOUND, C_FILE, PST_GONE },
	{ 1, NT_OBJECT_PATH_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 1, NT_FILE_DELETED, C_FILE, PST_GONE },
	{ 1, NT_FILE_DELETED, C_DIR, PST_NOTFOUND },
	{ 1, NT_FILE_IS_A_DIRECTORY, ALLCTX, PST_ISDIR },
	{ 1, NT_NOT_A_DIRECTORY, ALLCTX, PST_NOTDIR },
	{ 1, NT_OBJECT_NAME_INVALID, ALLCTX, PST_BADNAME },
	{ 1, NT_OBJECT_PATH_SYNTAX_BAD, ALLCTX, PST_BADNAME },
	{ 1, NT_OBJECT_PATH_INVALID, ALLCTX, PST_BADNAME },
	{ 1, NT_NAME_TOO_LONG, ALLCTX, PST_BADNAME },
	{ 1, NT_CANNOT_DELETE, C_FILE_RO, PST_READONLY },
	{ 1, NT_CANNOT_DELETE, C_FILE, PST_MAPPED },
	{ 1, NT_CANNOT_DELETE, C_DIR, PST_DENIED },
	{ 1, NT_CANNOT_DELETE, C_OTHER, PST_DENIED },
	{ 1, NT_ACCESS_DENIED, C_FILE_RO, PST_READONLY },
	{ 1, NT_ACCESS_DENIED, C_FILE, PST_DENIED },
	{ 1, NT_ACCESS_DENIED, C_DIR, PST_DENIED },
	{ 1, NT_NO_MEMORY, ALLCTX, PST_NOMEM },
	{ 1, NT_INSUFFICIENT_RESOURCES, ALLCTX, PST_NOMEM },
	{ 1, NT_NOT_SUPPORTED, ALLCTX, PST_IO },
	{ 1, 0xC0000185u, ALLCTX, PST_IO },	/* IO_DEVICE_ERROR */
	{ 0, W32_SHARING_VIOLATION, ALLCTX, PST_LOCKED },
	{ 0, W32_NO_MORE_FILES, ALLCTX, PST_END },
	{ 0, W32_FILE_NOT_FOUND, C_REG, PST_ABSENT },
	{ 0, W32_FILE_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 0, W32_FILE_NOT_FOUND, C_FILE, PST_GONE },
	{ 0, W32_PATH_NOT_FOUND, C_REG, PST_ABSENT },
	{ 0, W32_PATH_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 0, W32_PATH_NOT_FOUND, C_OTHER, PST_GONE },
	{ 0, W32_BAD_NETPATH, C_DIR, PST_NOTFOUND },
	{ 0, W32_BAD_NETPATH, C_REG, PST_ABSENT },
	{ 0, W32_BAD_NET_NAME, C_DIR, PST_NOTFOUND },
	{ 0, W32_INVALID_DRIVE, C_DIR, PST_NOTFOUND },
	{ 0, W32_ENVVAR_NOT_FOUND, ALLCTX, PST_ABSENT },
	{ 0, W32_DIRECTORY, ALLCTX, PST_NOTDIR },
	{ 0, W32_INVALID_NAME, ALLCTX, PST_BADNAME },
	{ 0, W32_BAD_PATHNAME, ALLCTX, PST_BADNAME },
	{ 0, W32_FILENAME_EXCED_RANGE, ALLCTX, PST_BADNAME },
	{ 0, W32_ACCESS_DENIED, C_FILE_RO, PST_READONLY },
	{ 0, W32_ACCESS_DENIED, C_FILE, PST_DENIED },
	{ 0, W32_ACCESS_DENIED, C_REG, PST_DENIED },
	{ 0, W32_NONE_MAPPED, ALLCTX, PST_ABSENT },
	{ 0, W32_NOT_ENOUGH_MEMORY, ALLCTX, PST_NOMEM },
	{ 0, W32_OUTOFMEMORY, ALLCTX, PST_NOMEM },
	{ 0, 1117u, ALLCTX, PST_IO },		/* ERROR_IO_DEVICE */
	/* the same number means different things in the two spaces */
	{ 0, 0xC0000043u, ALLCTX, PST_IO },
	{ 1, W32_SHARING_VIOLATION, ALLCTX, PST_IO },
};

static void
test_outcome_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(outcome_table) /
	    sizeof(outcome_table[0]); i++)
		for (int c = C_FILE; c <= C_OTHER; c++) {
			enum pst got;

			if (outcome_table[i].ctx != ALLCTX &&
			    outcome_table[i].ctx != c)
				continue;
			got = outcome_table[i].nt ?
			    nt_outcome(outcome_table[i].code, (enum ectx)c) :
			    win32_outcome(outcome_table[i].code, (enum ectx)c);
			if (got != outcome_table[i].want)
				fail_msg("row %zu: %s 0x%08X in context %d gave "
				    "%d, expected %d", i,
				    outcome_table[i].nt ? "NTSTATUS" : "Win32",
				    (unsigned)outcome_table[i].code, c, got,
				    outcome_table[i].want);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disposition_fallback_table),
		cmocka_unit_test(test_outcome_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
