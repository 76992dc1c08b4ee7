/*
 * The program's entry: wmain turns the wide command line into UTF-8 for
 * mmpclean_main; Ctrl+C, the clock and the process ID.
 */
#include <stdlib.h>
#include <wchar.h>

#include "mmpclean.h"
#include "msg/mmpclean.h"	/* windmc's IDs for mmpclean.mc, in build/ */
#include "w32.h"

int wmain(int argc, wchar_t **argv);

_Static_assert(MSG_RUN_CLEAN == EVENT_RUN_CLEAN &&
    MSG_RUN_LOCKED == EVENT_RUN_LOCKED && MSG_RUN_FAILED == EVENT_RUN_FAILED,
    "the message IDs in mmpclean.mc differ from mmpclean.h");

/*
 * Ctrl+C and Ctrl+Break.  The handler runs on a thread of its own: it only
 * notes the press, and the scan stops at the next file or the next look
 * of --wait (workers finish the file in hand and take no other).  Closing
 * the console, logoff and shutdown keep their default, once no probe's
 * delete mark is set: the exclusive hold waits for every worker's shared
 * one (file.c).
 */
static volatile LONG interrupted;

static BOOL WINAPI
on_ctrl(DWORD type)
{
	if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT) {
		/* the default ends the process: not with a probe's mark set */
		AcquireSRWLockExclusive(&marking);
		ReleaseSRWLockExclusive(&marking);
		return FALSE;
	}
	interrupted = 1;
	return TRUE;
}

int
plat_interrupted(void)
{
	return interrupted != 0;
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
