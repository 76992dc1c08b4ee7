/*
 * floor: the least a safe probe-and-delete of DIR\*.mmp can do, for the
 * benchmark to measure mmpclean against.
 *
 *	floor.exe [-p] [-n | -a | -g | -l] [-t N] DIR
 *
 * Per file: NtCreateFile relative to the directory handle with
 * DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, no sharing,
 * FILE_OPEN_REPARSE_POINT and FILE_NON_DIRECTORY_FILE (the lock probe);
 * one name query, NtQueryObject(ObjectNameInformation), compared with the
 * directory's name plus the entry (the link guard: Wine opens a symlink's
 * target); the disposition through the same handle (with -p, set and
 * cleared at once, as mmpclean's report mode probes); NtClose.  The listing, with
 * NtQueryDirectoryFile into a 1 MiB buffer, gives the attributes: reparse
 * points and read-only files are left alone, as mmpclean does without
 * --force; a file made read-only after the listing is refused by the
 * disposition itself.
 *
 * For the cost of each call, the benchmark also runs variants: -n asks the
 * name with FileNameInformation, -a with FileAllInformation (what mmpclean
 * 0.1.0 did), and -g asks no name at all, which is not safe under Wine;
 * -l only lists, through a 64 KiB buffer like mmpclean's, which shows what
 * the listing costs and how much memory Wine itself keeps for it.
 *
 * -t N (N > 1) spreads the per-file calls over N threads, each taking the
 * next entry of the listing as it comes (the listing thread hands each
 * entry on through a bounded ring, as mmpclean's --threads does); each
 * thread has its own name buffer.
 *
 * Prints one line: counts and the microseconds from the directory's opening
 * to the last close.  Exit status 0, or 1 if the directory cannot be opened.
 */
#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <ntstatus.h>
#include <winternl.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID,
    PIO_STATUS_BLOCK, PVOID, ULONG, FILE_INFORMATION_CLASS, BOOLEAN,
    PUNICODE_STRING, BOOLEAN);
BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING, PCUNICODE_STRING,
    BOOLEAN);

#define LISTBUF	(1024 * 1024)
#define MAXNAME	32767

struct dirinfo {	/* FILE_DIRECTORY_INFORMATION */
	ULONG NextEntryOffset;
	ULONG FileIndex;
	LARGE_INTEGER CreationTime;
	LARGE_INTEGER LastAccessTime;
	LARGE_INTEGER LastWriteTime;
	LARGE_INTEGER ChangeTime;
	LARGE_INTEGER EndOfFile;
	LARGE_INTEGER AllocationSize;
	ULONG FileAttributes;
	ULONG FileNameLength;
	WCHAR FileName[1];
};

union nbuf {
	FILE_NAME_INFORMATION fn;
	OBJECT_NAME_INFORMATION on;
	FILE_ALL_INFORMATION fa;
	unsigned char b[sizeof(ULONG) + MAXNAME * sizeof(WCHAR)];
};
static union nbuf nbuf0;
static WCHAR self[MAXNAME];
static USHORT selflen;
static enum { N_OBJECT, N_FILE, N_ALL, N_NONE } how = N_OBJECT;

int wmain(int argc, wchar_t **argv);

static int
is_mmp(const WCHAR *n, ULONG len)
{
	return len >= 4 && n[len - 4] == L'.' &&
	    (n[len - 3] | 0x20) == L'm' && (n[len - 2] | 0x20) == L'm' &&
	    (n[len - 1] | 0x20) == L'p';
}

/* The handle's name is the directory's plus "\" plus the entry's, exactly. */
static int
same_entry(const WCHAR *got, ULONG gotlen, const WCHAR *name, ULONG len)
{
	UNICODE_STRING a, b;
	ULONG sep = selflen == 0 || self[selflen - 1] != L'\\';

	if (gotlen != selflen + sep + len ||
	    memcmp(got + selflen + sep, name, len * sizeof(WCHAR)) != 0 ||
	    (sep && got[selflen] != L'\\'))
		return 0;
	if (memcmp(got, self, selflen * sizeof(WCHAR)) == 0)
		return 1;
	a.Buffer = (WCHAR *)got;
	b.Buffer = self;
	a.Length = a.MaximumLength = b.Length = b.MaximumLength =
	    (USHORT)(selflen * sizeof(WCHAR));
	return RtlEqualUnicodeString(&a, &b, TRUE);
}

/* The handle's name, by the method chosen; NULL on failure. */
static const WCHAR *
name_of(union nbuf *nb, HANDLE h, ULONG *len)
{
#define nbuf (*nb)
	IO_STATUS_BLOCK io;
	ULONG got;

	switch (how) {
	case N_OBJECT:
		if (!NT_SUCCESS(NtQueryObject(h, ObjectNameInformation, &nbuf,
		    sizeof(nbuf), &got)) || got < sizeof(nbuf.on) ||
		    nbuf.on.Name.Length % 2 != 0 ||
		    nbuf.on.Name.Length > got - sizeof(nbuf.on))
			return NULL;
		*len = nbuf.on.Name.Length / sizeof(WCHAR);
		return nbuf.on.Name.Buffer;
	case N_FILE:
		if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &nbuf,
		    sizeof(nbuf), FileNameInformation)) ||
		    nbuf.fn.FileNameLength % 2 != 0 ||
		    nbuf.fn.FileNameLength > sizeof(nbuf) - sizeof(ULONG))
			return NULL;
		*len = nbuf.fn.FileNameLength / sizeof(WCHAR);
		return nbuf.fn.FileName;
	case N_ALL:
		if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &nbuf,
		    sizeof(nbuf), FileAllInformation)) ||
		    nbuf.fa.NameInformation.FileNameLength % 2 != 0 ||
		    nbuf.fa.NameInformation.FileNameLength > sizeof(nbuf) -
		    offsetof(FILE_ALL_INFORMATION, NameInformation.FileName))
			return NULL;
		*len = nbuf.fa.NameInformation.FileNameLength / sizeof(WCHAR);
		return nbuf.fa.NameInformation.FileName;
	case N_NONE:
		break;
	}
	return NULL;
#undef nbuf
}

/* The per-file calls of one entry; counts under the tally's lock. */
static HANDLE dir;
static int probe;
static volatile LONG done, locked, skipped, other;

static void
one_file(union nbuf *nb, WCHAR *fname, ULONG fnlen)
{
	FILE_DISPOSITION_INFORMATION di = { TRUE }, undo = { FALSE };
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	const WCHAR *name;
	HANDLE h;
	NTSTATUS st;
	ULONG got, len = fnlen / sizeof(WCHAR);

	us.Buffer = fname;
	us.Length = us.MaximumLength = (USHORT)fnlen;
	InitializeObjectAttributes(&oa, &us, 0, dir, NULL);
	st = NtCreateFile(&h, DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, &oa,
	    &io, NULL, 0, 0, FILE_OPEN, FILE_NON_DIRECTORY_FILE |
	    FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	if (st == STATUS_SHARING_VIOLATION) {
		InterlockedIncrement(&locked);
		return;
	}
	if (!NT_SUCCESS(st)) {
		InterlockedIncrement(&other);
		return;
	}
	if (how != N_NONE && ((name = name_of(nb, h, &got)) == NULL ||
	    !same_entry(name, got, fname, len)))
		InterlockedIncrement(&skipped);
	else if (probe) {
		/* the mark and its clearing find a mapped view */
		if (NT_SUCCESS(NtSetInformationFile(h, &io, &di, sizeof(di),
		    FileDispositionInformation)) &&
		    NT_SUCCESS(NtSetInformationFile(h, &io, &undo,
		    sizeof(undo), FileDispositionInformation)))
			InterlockedIncrement(&done);
		else
			InterlockedIncrement(&other);
	} else if (NT_SUCCESS(NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation)))
		InterlockedIncrement(&done);
	else
		InterlockedIncrement(&other);
	NtClose(h);
}

/* -t: a ring of names from the listing thread to the workers. */
#define RING 64
static struct {
	WCHAR name[256];
	ULONG len;
} ring[RING];
static LONG64 ring_head, ring_tail;	/* taken, put */
static int ring_end;
static SRWLOCK ring_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE ring_work = CONDITION_VARIABLE_INIT,
    ring_room = CONDITION_VARIABLE_INIT;

static void
ring_put(const WCHAR *name, ULONG len)
{
	AcquireSRWLockExclusive(&ring_lock);
	while (ring_tail - ring_head == RING)
		SleepConditionVariableSRW(&ring_room, &ring_lock, INFINITE, 0);
	memcpy(ring[ring_tail % RING].name, name, len);
	ring[ring_tail % RING].len = len;
	ring_tail++;
	WakeConditionVariable(&ring_work);
	ReleaseSRWLockExclusive(&ring_lock);
}

static DWORD WINAPI
worker(LPVOID arg)
{
	union nbuf *nb = malloc(sizeof(*nb));
	WCHAR name[256];
	ULONG len;

	(void)arg;
	for (;;) {
		AcquireSRWLockExclusive(&ring_lock);
		while (ring_head == ring_tail && !ring_end)
			SleepConditionVariableSRW(&ring_work, &ring_lock,
			    INFINITE, 0);
		if (ring_head == ring_tail) {
			ReleaseSRWLockExclusive(&ring_lock);
			break;
		}
		len = ring[ring_head % RING].len;
		memcpy(name, ring[ring_head % RING].name, len);
		ring_head++;
		WakeConditionVariable(&ring_room);
		ReleaseSRWLockExclusive(&ring_lock);
		one_file(nb, name, len);
	}
	free(nb);
	return 0;
}

int
wmain(int argc, wchar_t **argv)
{
	static WCHAR pattern[] = L"*.mmp";
	unsigned long n = 0, ldone = 0;
	LARGE_INTEGER f, t0, t1;
	UNICODE_STRING us;
	IO_STATUS_BLOCK io;
	struct dirinfo *fi;
	unsigned char *list;
	WCHAR *path;
	NTSTATUS st;
	const WCHAR *name;
	ULONG off, len, got;
	ULONG listbuf = LISTBUF;
	int first = 1, listonly = 0, i, nthreads = 1;
	HANDLE th[64];

	for (i = 1; i < argc - 1; i++)
		if (wcscmp(argv[i], L"-p") == 0)
			probe = 1;
		else if (wcscmp(argv[i], L"-n") == 0)
			how = N_FILE;
		else if (wcscmp(argv[i], L"-a") == 0)
			how = N_ALL;
		else if (wcscmp(argv[i], L"-g") == 0)
			how = N_NONE;
		else if (wcscmp(argv[i], L"-l") == 0) {
			listonly = probe = 1;
			how = N_NONE;
			listbuf = 64 * 1024;
		} else if (wcscmp(argv[i], L"-t") == 0 && i + 1 < argc - 1) {
			nthreads = _wtoi(argv[++i]);
			if (nthreads < 1 || nthreads > 64)
				break;
		} else
			break;
	if (i != argc - 1) {
		fputs("usage: floor [-p] [-n | -a | -g | -l] [-t N] DIR\n",
		    stderr);
		return 2;
	}
	QueryPerformanceFrequency(&f);
	QueryPerformanceCounter(&t0);
	if ((list = malloc(listbuf)) == NULL ||
	    (path = malloc((wcslen(argv[argc - 1]) + 8) * sizeof(WCHAR))) ==
	    NULL)
		return 1;
	wcscpy(path, L"\\\\?\\");
	wcscat(path, argv[argc - 1]);
	dir = CreateFileW(path, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
	    SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
	    NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (dir == INVALID_HANDLE_VALUE) {
		fprintf(stderr, "floor: cannot open %ls: %lu\n", path,
		    GetLastError());
		return 1;
	}
	if (how != N_NONE) {
		if ((name = name_of(&nbuf0, dir, &got)) == NULL ||
		    got > MAXNAME) {
			fputs("floor: cannot name the directory\n", stderr);
			return 1;
		}
		selflen = (USHORT)got;
		memcpy(self, name, got * sizeof(WCHAR));
	}

	for (i = 0; nthreads > 1 && i < nthreads; i++)
		if ((th[i] = CreateThread(NULL, 0, worker, NULL, 0, NULL)) ==
		    NULL)
			return 1;
	us.Buffer = pattern;
	us.Length = us.MaximumLength = sizeof(pattern) - sizeof(WCHAR);
	for (;;) {
		st = NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, list,
		    listbuf, FileDirectoryInformation, FALSE,
		    first ? &us : NULL, (BOOLEAN)first);
		first = 0;
		if (st == STATUS_NO_MORE_FILES || st == STATUS_NO_SUCH_FILE ||
		    (NT_SUCCESS(st) && io.Information == 0))
			break;
		if (!NT_SUCCESS(st)) {
			fprintf(stderr, "floor: listing: 0x%08lx\n", st);
			return 1;
		}
		for (off = 0; ; off += fi->NextEntryOffset) {
			fi = (struct dirinfo *)(list + off);
			len = fi->FileNameLength / sizeof(WCHAR);
			if (!is_mmp(fi->FileName, len) ||
			    (fi->FileAttributes & FILE_ATTRIBUTE_DIRECTORY))
				goto next;
			n++;
			if (fi->FileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT |
			    FILE_ATTRIBUTE_READONLY)) {
				InterlockedIncrement(&skipped);
				goto next;
			}
			if (listonly) {
				ldone++;
				goto next;
			}
			if (nthreads > 1 && fi->FileNameLength <= 512)
				ring_put(fi->FileName, fi->FileNameLength);
			else
				one_file(&nbuf0, fi->FileName,
				    fi->FileNameLength);
		next:
			if (fi->NextEntryOffset == 0)
				break;
		}
	}
	if (nthreads > 1) {
		AcquireSRWLockExclusive(&ring_lock);
		ring_end = 1;
		WakeAllConditionVariable(&ring_work);
		ReleaseSRWLockExclusive(&ring_lock);
		WaitForMultipleObjects((DWORD)nthreads, th, TRUE, INFINITE);
	}
	NtClose(dir);
	QueryPerformanceCounter(&t1);
	printf("files %lu %s %lu locked %lu skipped %lu other %lu us %lld\n",
	    n, probe ? "free" : "deleted", (unsigned long)done + ldone,
	    (unsigned long)locked, (unsigned long)skipped,
	    (unsigned long)other,
	    (t1.QuadPart - t0.QuadPart) * 1000000 / f.QuadPart);
	return 0;
}
