/*
 * squat: make and hold, before mmpclean does, the named object mmpclean
 * shares between runs for a file or directory, as any local user could.
 *
 *	squat.exe READYFILE log|dir other|self|none PATH
 *
 * log: the mutex for the log file PATH, created owned (held); dir: the run
 * count for the directory PATH, a semaphore created with a count of 1000.
 * The object's owner: "other", a SID of no account here (Wine lets any
 * owner be set); "self", this process's account; "none", no security
 * descriptor (Wine then gives the object no owner).  The name is computed
 * as src/win32/sync.c computes it.  Creates READYFILE once the object is
 * held and keeps it until standard input reaches end of file.
 *
 * Exit status: 0 released normally, 2 usage, 3 a call failed, 4 nobody
 * closed stdin within the time limit.
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <ntstatus.h>
#include <winternl.h>
#include <stdio.h>
#include <wchar.h>

#define WAIT_LIMIT_MS	(120 * 1000)

static DWORD WINAPI drain(LPVOID arg);
static int fail(const wchar_t *what);
int wmain(int argc, wchar_t **argv);

static DWORD WINAPI
drain(LPVOID arg)
{
	char buf[256];
	DWORD n;

	while (ReadFile(arg, buf, sizeof buf, &n, NULL) && n > 0)
		continue;
	return 0;
}

static int
fail(const wchar_t *what)
{
	fwprintf(stderr, L"squat: %ls: error %lu\n", what, GetLastError());
	return 3;
}

int
wmain(int argc, wchar_t **argv)
{
	struct {
		ULONGLONG volume;
		ULONGLONG id[2];
	} fi;
	SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
	BYTE sidbuf[SECURITY_MAX_SID_SIZE], tubuf[512];
	SECURITY_DESCRIPTOR sd;
	SECURITY_ATTRIBUTES sa = { sizeof sa, &sd, FALSE }, *psa = &sa;
	IO_STATUS_BLOCK io;
	WCHAR name[96];
	HANDLE h, obj, ready, thread, tok;
	PSID owner = (PSID)sidbuf;
	DWORD n;
	int log, rc = 0;

	if (argc != 5 || (wcscmp(argv[2], L"log") != 0 &&
	    wcscmp(argv[2], L"dir") != 0)) {
		fwprintf(stderr, L"usage: squat READYFILE log|dir "
		    L"other|self|none PATH\n");
		return 2;
	}
	log = wcscmp(argv[2], L"log") == 0;
	h = CreateFileW(argv[4], FILE_READ_ATTRIBUTES, FILE_SHARE_READ |
	    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
	    FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return fail(argv[4]);
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &fi, sizeof fi,
	    (FILE_INFORMATION_CLASS)59)))
		return fail(L"FileIdInformation");
	CloseHandle(h);
	_snwprintf(name, 96, L"Global\\mmpclean-%ls-%016llx-%016llx%016llx",
	    argv[2], fi.volume, fi.id[1], fi.id[0]);
	name[95] = L'\0';

	InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
	SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE);	/* everyone */
	if (wcscmp(argv[3], L"other") == 0) {
		InitializeSid(owner, &nt, 5);
		*GetSidSubAuthority(owner, 0) = 21;
		*GetSidSubAuthority(owner, 1) = 1;
		*GetSidSubAuthority(owner, 2) = 2;
		*GetSidSubAuthority(owner, 3) = 3;
		*GetSidSubAuthority(owner, 4) = 1001;
	} else if (wcscmp(argv[3], L"self") == 0) {
		if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok) ||
		    !GetTokenInformation(tok, TokenUser, tubuf, sizeof tubuf,
		    &n))
			return fail(L"token");
		owner = ((TOKEN_USER *)tubuf)->User.Sid;
	} else if (wcscmp(argv[3], L"none") == 0)
		psa = NULL;
	else
		return 2;
	if (psa != NULL && !SetSecurityDescriptorOwner(&sd, owner, FALSE))
		return fail(L"owner");
	obj = log ? CreateMutexW(psa, TRUE, name) :
	    CreateSemaphoreW(psa, 1000, 0x7FFFFFFF, name);
	if (obj == NULL)
		return fail(name);
	if (GetLastError() == ERROR_ALREADY_EXISTS) {
		fwprintf(stderr, L"squat: %ls exists already\n", name);
		return 3;
	}

	thread = CreateThread(NULL, 0, drain, GetStdHandle(STD_INPUT_HANDLE),
	    0, NULL);
	if (thread == NULL)
		return fail(L"CreateThread");
	ready = CreateFileW(argv[1], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	if (ready == INVALID_HANDLE_VALUE)
		return fail(argv[1]);
	CloseHandle(ready);
	if (WaitForSingleObject(thread, WAIT_LIMIT_MS) != WAIT_OBJECT_0)
		rc = 4;
	CloseHandle(obj);
	return rc;
}
