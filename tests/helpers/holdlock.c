/*
 * holdlock: hold files open the way an IIS process holds its .mmp files.
 *
 *	holdlock.exe READYFILE [--share r|w|d|rw|rwd|none]
 *	    [--access r|w|rw|attr|delete|map|pending] FILE...
 *
 * Opens every FILE with CreateFileW (default GENERIC_READ, no sharing), then
 * creates READYFILE to say it holds them all, and keeps them open until its
 * standard input reaches end of file.  Two holds that are not opens:
 * "map" maps each file read-only and closes its handles, keeping only the
 * view (a lock the disposition finds, not the open); "pending" keeps an
 * attribute-only handle that shares delete and deletes the file through a
 * second handle, so the delete waits for the first to close.  Wine enforces share modes only between
 * Windows processes, so the end-to-end tests need a Windows process for this.
 *
 * Exit status: 0 released normally, 2 usage, 3 an open or READYFILE failed,
 * 4 nobody closed stdin within the time limit.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#define WAIT_LIMIT_MS	(120 * 1000)

static DWORD WINAPI drain(LPVOID arg);
static int parse_share(const wchar_t *s, DWORD *share);
static int parse_access(const wchar_t *s, DWORD *access);
static int usage(void);
int wmain(int argc, wchar_t **argv);

/* Reads stdin until end of file (or error, which a closed pipe also gives). */
static DWORD WINAPI
drain(LPVOID arg)
{
	HANDLE in = arg;
	char buf[256];
	DWORD n;

	while (ReadFile(in, buf, sizeof buf, &n, NULL) && n > 0)
		continue;
	return 0;
}

static int
parse_share(const wchar_t *s, DWORD *share)
{
	static const struct {
		const wchar_t *name;
		DWORD share;
	} tab[] = {
		{ L"none", 0 },
		{ L"r",    FILE_SHARE_READ },
		{ L"w",    FILE_SHARE_WRITE },
		{ L"d",    FILE_SHARE_DELETE },
		{ L"rw",   FILE_SHARE_READ | FILE_SHARE_WRITE },
		{ L"rwd",  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (wcscmp(s, tab[i].name) == 0) {
			*share = tab[i].share;
			return 0;
		}
	return -1;
}

static int
parse_access(const wchar_t *s, DWORD *access)
{
	static const struct {
		const wchar_t *name;
		DWORD access;
	} tab[] = {
		{ L"r",      GENERIC_READ },
		{ L"w",      GENERIC_WRITE },
		{ L"rw",     GENERIC_READ | GENERIC_WRITE },
		{ L"attr",   FILE_READ_ATTRIBUTES },
		{ L"delete", DELETE },
		{ L"map",    GENERIC_READ },
		{ L"pending", FILE_READ_ATTRIBUTES },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (wcscmp(s, tab[i].name) == 0) {
			*access = tab[i].access;
			return 0;
		}
	return -1;
}

static int
usage(void)
{
	fwprintf(stderr, L"usage: holdlock READYFILE [--share r|w|d|rw|rwd|none]"
	    L" [--access r|w|rw|attr|delete|map|pending] FILE...\n");
	return 2;
}

/* A read-only view of h's file, its handles closed; 0 or an error. */
static DWORD
map_view(HANDLE h)
{
	HANDLE m = CreateFileMappingW(h, NULL, PAGE_READONLY, 0, 0, NULL);
	DWORD e = GetLastError();

	CloseHandle(h);
	if (m == NULL)
		return e;
	if (MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) == NULL)
		e = GetLastError();
	else
		e = 0;
	CloseHandle(m);
	return e;
}

/* Deletes path through a second handle while h keeps it; 0 or an error. */
static DWORD
delete_by_other(const wchar_t *path)
{
	FILE_DISPOSITION_INFO di = { TRUE };
	HANDLE d = CreateFileW(path, DELETE, FILE_SHARE_READ |
	    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	DWORD e = 0;

	if (d == INVALID_HANDLE_VALUE)
		return GetLastError();
	if (!SetFileInformationByHandle(d, FileDispositionInfo, &di,
	    sizeof di))
		e = GetLastError();
	CloseHandle(d);
	return e;
}

int
wmain(int argc, wchar_t **argv)
{
	DWORD share = 0, access = GENERIC_READ, e;
	HANDLE *held, ready, thread;
	int nheld = 0, i, rc, map = 0, pending = 0;

	if (argc < 3)
		return usage();
	held = calloc((size_t)argc, sizeof *held);
	if (held == NULL)
		return 3;

	for (i = 2; i < argc; i++) {
		if (wcscmp(argv[i], L"--share") == 0) {
			if (++i == argc || parse_share(argv[i], &share) != 0)
				return usage();
		} else if (wcscmp(argv[i], L"--access") == 0) {
			if (++i == argc || parse_access(argv[i], &access) != 0)
				return usage();
			map = wcscmp(argv[i], L"map") == 0;
			pending = wcscmp(argv[i], L"pending") == 0;
			if (map || pending)
				share = FILE_SHARE_READ | FILE_SHARE_WRITE |
				    FILE_SHARE_DELETE;
		} else {
			HANDLE h = CreateFileW(argv[i], access, share, NULL,
			    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
			if (h == INVALID_HANDLE_VALUE) {
				fwprintf(stderr, L"holdlock: cannot open %ls:"
				    L" error %lu\n", argv[i], GetLastError());
				return 3;
			}
			e = map ? map_view(h) : pending ?
			    delete_by_other(argv[i]) : 0;
			if (e != 0) {
				fwprintf(stderr, L"holdlock: cannot %ls %ls:"
				    L" error %lu\n", map ? L"map" : L"delete",
				    argv[i], e);
				return 3;
			}
			if (!map)
				held[nheld++] = h;
			else
				nheld++;	/* the view holds it */
		}
	}
	if (nheld == 0)
		return usage();

	/* Start listening before saying "ready", so no EOF can be missed. */
	thread = CreateThread(NULL, 0, drain, GetStdHandle(STD_INPUT_HANDLE),
	    0, NULL);
	if (thread == NULL) {
		fwprintf(stderr, L"holdlock: CreateThread: error %lu\n",
		    GetLastError());
		return 3;
	}

	ready = CreateFileW(argv[1], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	if (ready == INVALID_HANDLE_VALUE) {
		fwprintf(stderr, L"holdlock: cannot create %ls: error %lu\n",
		    argv[1], GetLastError());
		return 3;
	}
	CloseHandle(ready);

	rc = 0;
	if (WaitForSingleObject(thread, WAIT_LIMIT_MS) != WAIT_OBJECT_0) {
		fwprintf(stderr, L"holdlock: stdin still open after %d s,"
		    L" giving up\n", WAIT_LIMIT_MS / 1000);
		rc = 4;
	}
	for (i = 0; i < nheld && !map; i++)
		CloseHandle(held[i]);
	free(held);
	return rc;
}
