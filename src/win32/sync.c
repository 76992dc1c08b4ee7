/*
 * Named objects that concurrent mmpclean runs share: the count of runs in a
 * directory, and the mutex that keeps a log file's lines whole.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
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
 * directory, whatever path names it: Global\mmpclean-KIND-VOLUME-ID (the
 * 128-bit ID, handle_id), or in Local\ (one session), for a user without
 * the right to create global objects.
 */
#define OBJNAME 96
static void
obj_name(WCHAR name[OBJNAME], int global, const WCHAR *kind,
    const struct plat_dirid *id)
{
	_snwprintf(name, OBJNAME, L"%lsmmpclean-%ls-%016llx-%016llx%016llx",
	    global ? L"Global\\" : L"Local\\", kind,
	    (unsigned long long)id->volume, (unsigned long long)id->file[1],
	    (unsigned long long)id->file[0]);
	name[OBJNAME - 1] = L'\0';
}

/* ntdll's security calls, which mingw-w64's winternl.h does not declare. */
NTSTATUS NTAPI NtOpenProcessToken(HANDLE, ACCESS_MASK, PHANDLE);
NTSTATUS NTAPI NtQueryInformationToken(HANDLE, TOKEN_INFORMATION_CLASS,
    PVOID, ULONG, PULONG);
NTSTATUS NTAPI NtQuerySecurityObject(HANDLE, SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, ULONG, PULONG);
NTSTATUS NTAPI RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR, ULONG);
NTSTATUS NTAPI RtlCreateAcl(PACL, ULONG, ULONG);
NTSTATUS NTAPI RtlAddAccessAllowedAce(PACL, ULONG, ACCESS_MASK, PSID);
NTSTATUS NTAPI RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR, BOOLEAN,
    PACL, BOOLEAN);
NTSTATUS NTAPI RtlSetOwnerSecurityDescriptor(PSECURITY_DESCRIPTOR, PSID,
    BOOLEAN);
NTSTATUS NTAPI RtlGetOwnerSecurityDescriptor(PSECURITY_DESCRIPTOR, PSID *,
    PBOOLEAN);
ULONG NTAPI RtlLengthSid(PSID);

/*
 * Any local user can create a name in Global\ before mmpclean does.  So
 * every object is made with a security descriptor that lets only
 * LocalSystem, Administrators and this account use it, owned by
 * Administrators where the token may (an elevated prompt) and by this
 * account otherwise; and an object that exists already is used only if
 * its owner is one of those three (owner_trusted).  So an elevated
 * administrator and a task running as SYSTEM share their runs' objects,
 * and an object another account made is never waited on or counted in:
 * the run goes on without it, and says so once.
 */
static struct {
	int state;		/* 0: not built; 1: built; -1: failed */
	int admin_owner;	/* -1: the token may not own as Administrators */
	unsigned char self[SECURITY_MAX_SID_SIZE];
	ULONG selflen;
	SECURITY_DESCRIPTOR sd;
	unsigned char acl[256];
} sec;
static struct {
	BYTE rev, n;
	SID_IDENTIFIER_AUTHORITY auth;
	DWORD sub[2];
} sid_system = { 1, 1, { SECURITY_NT_AUTHORITY },
    { SECURITY_LOCAL_SYSTEM_RID, 0 } },
    sid_admins = { 1, 2, { SECURITY_NT_AUTHORITY },
    { SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS } };

static int
sec_init(void)
{
	union {
		TOKEN_USER tu;
		unsigned char b[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
	} u;
	HANDLE tok;
	ULONG got = 0;
	PACL acl = (PACL)sec.acl;
	NTSTATUS st;

	if (sec.state != 0)
		return sec.state > 0;
	sec.state = -1;
	if (!NT_SUCCESS(NtOpenProcessToken(GetCurrentProcess(), TOKEN_QUERY,
	    &tok)))
		return 0;
	st = NtQueryInformationToken(tok, TokenUser, &u, sizeof(u), &got);
	NtClose(tok);
	if (!NT_SUCCESS(st) || (sec.selflen = RtlLengthSid(u.tu.User.Sid)) >
	    sizeof(sec.self))
		return 0;
	memcpy(sec.self, u.tu.User.Sid, sec.selflen);
	if (!NT_SUCCESS(RtlCreateSecurityDescriptor(&sec.sd,
	    SECURITY_DESCRIPTOR_REVISION)) ||
	    !NT_SUCCESS(RtlCreateAcl(acl, sizeof(sec.acl), ACL_REVISION)) ||
	    !NT_SUCCESS(RtlAddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL,
	    &sid_system)) ||
	    !NT_SUCCESS(RtlAddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL,
	    &sid_admins)) ||
	    !NT_SUCCESS(RtlAddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL,
	    (PSID)sec.self)) ||
	    !NT_SUCCESS(RtlSetDaclSecurityDescriptor(&sec.sd, TRUE, acl,
	    FALSE)))
		return 0;
	sec.state = 1;
	return 1;
}

/* The owner of the next object made: Administrators, if the token may. */
static SECURITY_ATTRIBUTES *
sec_attrs(SECURITY_ATTRIBUTES *sa)
{
	RtlSetOwnerSecurityDescriptor(&sec.sd, sec.admin_owner >= 0 ?
	    (PSID)&sid_admins : (PSID)sec.self, FALSE);
	sa->nLength = sizeof(*sa);
	sa->lpSecurityDescriptor = &sec.sd;
	sa->bInheritHandle = FALSE;
	return sa;
}

static int
trusted(HANDLE h)
{
	union {
		SECURITY_DESCRIPTOR_RELATIVE sd;
		unsigned char b[512];
	} u;
	ULONG got = 0;
	PSID owner = NULL;
	BOOLEAN dflt;

	if (!NT_SUCCESS(NtQuerySecurityObject(h, OWNER_SECURITY_INFORMATION,
	    &u, sizeof(u), &got)) ||
	    !NT_SUCCESS(RtlGetOwnerSecurityDescriptor(&u, &owner, &dflt)) ||
	    owner == NULL || (unsigned char *)owner < u.b ||
	    (unsigned char *)owner >= u.b + sizeof(u))
		return 0;
	return owner_trusted(owner, (size_t)(u.b + sizeof(u) -
	    (unsigned char *)owner), sec.self, sec.selflen);
}

/* What plat_notice says, once each: 0 nothing, 1 to say, 2 said. */
#define N_LOG	0
#define N_DIR	1
static char notice[2][200];
static int noticed[2];

static void
notice_once(int kind, const char *text)
{
	if (noticed[kind] != 0)
		return;
	noticed[kind] = 1;
	snprintf(notice[kind], sizeof(notice[kind]), "%s", text);
}

const char *
plat_notice(void)
{
	for (int k = 0; k < 2; k++)
		if (noticed[k] == 1) {
			noticed[k] = 2;
			return notice[k];
		}
	return NULL;
}

void
log_mutex_timeout(unsigned ms)
{
	char text[200];

	snprintf(text, sizeof(text), "another process held the log file's "
	    "mutex for %u ms; the log is written without it", ms);
	notice_once(N_LOG, text);
}

/*
 * Creates or opens the object `name` through make (a CreateMutexExW or
 * CreateSemaphoreExW call), with the descriptor above; NULL, and a note,
 * when it exists and another account owns it.
 */
typedef HANDLE (*maker)(SECURITY_ATTRIBUTES *, const WCHAR *);

static HANDLE
shared_object(maker make, const WCHAR *name, int kind)
{
	SECURITY_ATTRIBUTES sa;
	char n8[OBJNAME * 3], text[200];
	HANDLE h;
	DWORD e;

	if (!sec_init())
		return NULL;
	h = make(sec_attrs(&sa), name);
	if (h == NULL && GetLastError() == ERROR_INVALID_OWNER &&
	    sec.admin_owner >= 0) {
		sec.admin_owner = -1;	/* not elevated: owned by this account */
		h = make(sec_attrs(&sa), name);
	}
	e = GetLastError();
	if (h == NULL || e != ERROR_ALREADY_EXISTS || trusted(h))
		return h;
	CloseHandle(h);
	w_to_u8_fit(name, wcslen(name), n8, sizeof(n8));
	snprintf(text, sizeof(text), "the named object '%s' belongs to "
	    "another account; %s", n8, kind == N_LOG ? "the log is written "
	    "without it" : "other runs in this directory are not counted");
	notice_once(kind, text);
	return NULL;
}

static HANDLE
make_semaphore(SECURITY_ATTRIBUTES *sa, const WCHAR *name)
{
	return CreateSemaphoreExW(sa, 0, LONG_MAX, name, 0,
	    SEMAPHORE_MODIFY_STATE | SEMAPHORE_QUERY_STATE | SYNCHRONIZE |
	    READ_CONTROL);
}

static HANDLE
make_mutex(SECURITY_ATTRIBUTES *sa, const WCHAR *name)
{
	return CreateMutexExW(sa, name, 0, SYNCHRONIZE | MUTEX_MODIFY_STATE |
	    READ_CONTROL);
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
runs_join(struct plat_dir *d)
{
	WCHAR name[OBJNAME];

	for (int global = 1; global >= 0 && d->runs == NULL; global--) {
		obj_name(name, global, L"dir", &d->id);
		d->runs = shared_object(make_semaphore, name, N_DIR);
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
	struct plat_dirid id;
	WCHAR name[OBJNAME];
	HANDLE m;

	if (handle_id(h, &id) != PST_OK)
		return NULL;
	for (int global = 1; global >= 0; global--) {
		obj_name(name, global, L"log", &id);
		if ((m = shared_object(make_mutex, name, N_LOG)) != NULL)
			return m;
	}
	return NULL;
}
