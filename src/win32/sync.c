/*
 * Named objects that concurrent mmpclean runs share: the count of runs in a
 * directory, and the mutex that keeps a log file's lines whole.
 */
#include <limits.h>
#include <stdio.h>

#include "w32.h"

/* ntdll's semaphore query, which mingw-w64's winternl.h does not declare. */
typedef struct {
	LONG CurrentCount;
	LONG MaximumCount;
} SEMAPHORE_BASIC_INFORMATION;
#define SemaphoreBasicInformation 0
#ifndef SEMAPHORE_QUERY_STATE
#define SEMAPHORE_QUERY_STATE 0x0001
#endif
NTSTATUS NTAPI NtQuerySemaphore(HANDLE, int, PVOID, ULONG, PULONG);

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
void
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

/*
 * Appends through FILE_APPEND_DATA land at the end of the file, but Wine
 * does not keep two processes' appends whole (measured: torn and lost
 * lines with two runs logging at once).  A mutex named after the file's
 * identity, whatever path names it, serialises the writers.  Global\
 * reaches across sessions (a task as SYSTEM, an administrator's prompt);
 * a user without the right to create it gets Local\, and a log without
 * one still works.
 */
HANDLE
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
