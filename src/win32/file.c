/*
 * One entry, per file: the open with no sharing (the lock probe), the name
 * query (the link guard) and the disposition (the delete), all through one
 * handle opened relative to the directory.
 */
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "w32.h"

/* An ntdll export that mingw-w64's winternl.h does not declare. */
BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING, PCUNICODE_STRING,
    BOOLEAN);
NTSTATUS NTAPI NtQueryAttributesFile(POBJECT_ATTRIBUTES,
    PFILE_BASIC_INFORMATION);

/* Windows 10 1709+ (IGNORE_READONLY_ATTRIBUTE: 1809+); absent on Wine 8. */
#define CLASS_DISPOSITION_EX	((FILE_INFORMATION_CLASS)64)
#define DISP_DELETE		0x00000001
#define DISP_POSIX		0x00000002
#define DISP_IGNORE_READONLY	0x00000010
struct disposition_ex {
	ULONG flags;
};

#define SETTABLE_ATTRS \
	(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | \
	FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE | \
	FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | \
	FILE_ATTRIBUTE_NOT_CONTENT_INDEXED)

/*
 * What one file's names need: the entry's name in UTF-16 and the opened
 * handle's name.  The main thread uses its directory's (dir.c); each
 * worker its own, made by thread.c before it starts, so that workers never
 * share them with each other or with the listing.
 */
struct fbuf {
	WCHAR *name16;			/* MAXNAME units */
	OBJECT_NAME_INFORMATION *info;
	ULONG infocap;
	WCHAR *ux16;			/* MAXNAME units */
};
static _Thread_local struct fbuf *mine;

struct fbuf *
fbuf_new(void)
{
	struct fbuf *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->infocap = sizeof(OBJECT_NAME_INFORMATION) + 0x10000;
	b->info = malloc(b->infocap);
	b->name16 = malloc(MAXNAME * sizeof(WCHAR));
	b->ux16 = malloc(MAXNAME * sizeof(WCHAR));
	if (b->info == NULL || b->name16 == NULL || b->ux16 == NULL) {
		fbuf_free(b);
		return NULL;
	}
	return b;
}

void
fbuf_use(struct fbuf *b)
{
	mine = b;
}

void
fbuf_free(struct fbuf *b)
{
	if (b == NULL)
		return;
	free(b->info);
	free(b->name16);
	free(b->ux16);
	free(b);
}

/*
 * The handle's full object name into info.  Wine answers it with one
 * server request (get_handle_unix_name), where FileNameInformation and
 * FileAllInformation take two (get_handle_fd as well); like them it names
 * the file Wine opened, so a Unix symlink shows its target.
 * STATUS_INFO_LENGTH_MISMATCH: a malformed answer.
 */
static NTSTATUS
name_into(OBJECT_NAME_INFORMATION *info, ULONG cap, HANDLE h)
{
	ULONG got = 0;
	NTSTATUS st;

	st = NtQueryObject(h, ObjectNameInformation, info, cap, &got);
	if (!NT_SUCCESS(st))
		return st;
	if (got < sizeof(*info) || got > cap ||
	    info->Name.Length % 2 != 0 ||
	    (info->Name.Length > 0 && (info->Name.Buffer == NULL ||
	    (unsigned char *)info->Name.Buffer < (unsigned char *)info ||
	    (unsigned char *)info->Name.Buffer + info->Name.Length >
	    (unsigned char *)info + got)))
		return STATUS_INFO_LENGTH_MISMATCH;
	return STATUS_SUCCESS;
}

NTSTATUS
handle_name(struct plat_dir *d, HANDLE h)
{
	return name_into(d->info, d->infocap, h);
}

static int
eqi(const uint16_t *a, const uint16_t *b, size_t n)
{
	UNICODE_STRING x, y;

	x.Buffer = (WCHAR *)a;
	y.Buffer = (WCHAR *)b;
	x.Length = x.MaximumLength = y.Length = y.MaximumLength =
	    (USHORT)(n * sizeof(WCHAR));
	return RtlEqualUnicodeString(&x, &y, TRUE);
}

/* Is the directory named by got's first n units d's directory? */
static int
same_dir(const struct plat_dir *d, const WCHAR *got, size_t n)
{
	struct plat_dirid id;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	int same;

	us.Buffer = (WCHAR *)got;
	us.Length = us.MaximumLength = (USHORT)(n * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, NULL, NULL);
	if (!NT_SUCCESS(NtCreateFile(&h, FILE_READ_ATTRIBUTES | SYNCHRONIZE,
	    &oa, &io, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, FILE_OPEN, FILE_DIRECTORY_FILE |
	    FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT, NULL,
	    0)))
		return 0;
	same = handle_id(h, &id) == PST_OK && dirid_same(&id, &d->id);
	NtClose(h);
	return same;
}

/*
 * Is the opened handle's name the directory's name plus `name`
 * (rules.c's name_verdict)?  A name in a directory beside it is d's only
 * if that directory is d: a --dir ending in an 8.3 alias on FAT.
 */
static int
same_entry(const struct plat_dir *d, const WCHAR *got, size_t gotlen,
    const WCHAR *name16, size_t namelen)
{
	size_t dirlen;

	switch (name_verdict(d->self, d->selflen, got, gotlen, name16,
	    namelen, eqi, &dirlen)) {
	case NAME_SAME:
		return 1;
	case NAME_SIBLING:
		return same_dir(d, got, dirlen);
	default:
		return 0;
	}
}

static NTSTATUS
set_attrs(HANDLE h, ULONG attrs)
{
	FILE_BASIC_INFORMATION b;
	IO_STATUS_BLOCK io;

	memset(&b, 0, sizeof(b));	/* zero times: leave them alone */
	attrs &= SETTABLE_ATTRS;
	b.FileAttributes = attrs != 0 ? attrs : FILE_ATTRIBUTE_NORMAL;
	return NtSetInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation);
}

/* Did a refused disposition meet the read-only attribute? */
static enum ectx
ro_ctx(HANDLE h, NTSTATUS st)
{
	FILE_BASIC_INFORMATION b;
	IO_STATUS_BLOCK io;

	if (st != STATUS_CANNOT_DELETE && st != STATUS_ACCESS_DENIED)
		return C_FILE;
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation)))
		return C_FILE;
	return b.FileAttributes & FILE_ATTRIBUTE_READONLY ? C_FILE_RO : C_FILE;
}

/*
 * Mark the open file `h` for deletion; the caller closes it.  The
 * disposition itself refuses a read-only file, so the attributes are asked
 * only when it refused: then --force clears read-only on the same handle
 * and tries again.  *classic says the name may outlive the close: without
 * POSIX semantics it goes only when every handle to the file is closed.
 */
static enum pst
dispose(struct plat_dir *d, HANDLE h, unsigned flags, int *classic)
{
	struct disposition_ex dx;
	FILE_DISPOSITION_INFORMATION di;
	FILE_BASIC_INFORMATION b;
	FILE_STANDARD_INFORMATION si;
	IO_STATUS_BLOCK io;
	int force = (flags & PLAT_F_FORCE) != 0;
	enum ectx ctx;
	NTSTATUS st, st2;

	*classic = 0;
	if (!d->noex) {	/* one worker's answer spares the others the call */
		dx.flags = DISP_DELETE | DISP_POSIX |
		    (force ? DISP_IGNORE_READONLY : 0);
		st = NtSetInformationFile(h, &io, &dx, sizeof(dx),
		    CLASS_DISPOSITION_EX);
		if (NT_SUCCESS(st))
			return PST_OK;
		if (disp_ex_unsupported((uint32_t)st))
			InterlockedExchange(&d->noex, 1);	/* this system,
						   file system or flag */
		else if ((ctx = ro_ctx(h, st)) != C_FILE_RO || !force)
			return oserr(E_NT, (unsigned long)st, ctx);
		/* --force, read-only: whatever Ex said, clear and retry */
	}
	*classic = 1;
	di.DoDeleteFile = TRUE;
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (NT_SUCCESS(st))
		return PST_OK;
	ctx = ro_ctx(h, st);
	if (!force || ctx != C_FILE_RO)
		return oserr(E_NT, (unsigned long)st, ctx);
	/*
	 * The link count that decides whether read-only goes back is read
	 * before the disposition: after it, a file system may count the
	 * deleted name out.
	 */
	if (!NT_SUCCESS(st2 = NtQueryInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation)) ||
	    !NT_SUCCESS(st2 = NtQueryInformationFile(h, &io, &si, sizeof(si),
	    FileStandardInformation)))
		return oserr(E_NT, (unsigned long)st2, C_FILE_RO);
	st2 = set_attrs(h, b.FileAttributes & ~FILE_ATTRIBUTE_READONLY);
	if (!NT_SUCCESS(st2))
		return oserr(E_NT, (unsigned long)st2, C_FILE_RO);
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (!NT_SUCCESS(st)) {
		set_attrs(h, b.FileAttributes);
		return oserr(E_NT, (unsigned long)st, C_FILE);
	}
	/* Attributes belong to the file: give other hard links theirs back. */
	if (si.NumberOfLinks > 1)
		set_attrs(h, b.FileAttributes);
	return PST_OK;
}

/*
 * The probe: would the delete be taken?  The open with no sharing finds
 * every process that has the file open; a process that mapped it and
 * closed its handle leaves no open to conflict with, and only the
 * disposition finds its view (STATUS_CANNOT_DELETE).  Windows has no
 * query that says so, so the probe sets the classic disposition and
 * clears it at once, on this handle, before anything else can happen to
 * it: the mark lives on the file object, and only closing the handle with
 * it set would delete the file.  `marking` keeps the console's close,
 * logoff and shutdown events (main.c), whose default ends the process,
 * from doing so between the two calls: each probe holds it shared, so
 * workers mark files at once, and the handler's exclusive hold waits
 * for every one of them.  A process killed there from outside deletes
 * the files being probed, which --delete would have deleted too.
 */
SRWLOCK marking = SRWLOCK_INIT;

static enum pst
probe(HANDLE h, unsigned flags)
{
	FILE_DISPOSITION_INFORMATION di;
	IO_STATUS_BLOCK io;
	enum ectx ctx;
	NTSTATUS st;
	int tries;

	AcquireSRWLockShared(&marking);
	di.DoDeleteFile = TRUE;
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (NT_SUCCESS(st)) {
		di.DoDeleteFile = FALSE;
		for (tries = 0; tries < 3; tries++)
			if (NT_SUCCESS(st = NtSetInformationFile(h, &io, &di,
			    sizeof(di), FileDispositionInformation)))
				break;
		ReleaseSRWLockShared(&marking);
		if (!NT_SUCCESS(st))
			return fail_text(PST_IO, "the mark set to probe the "
			    "file could not be cleared: it was deleted");
		return PST_OK;
	}
	ReleaseSRWLockShared(&marking);
	ctx = ro_ctx(h, st);
	/* --delete --force clears read-only first: nothing more to ask */
	if (ctx == C_FILE_RO && (flags & PLAT_F_FORCE))
		return PST_OK;
	return oserr(E_NT, (unsigned long)st, ctx);
}

/*
 * After a classic disposition and the close: is the name gone?  Another
 * handle (one that shares delete, or asks only for attributes) keeps it
 * until that handle is closed, and Windows then answers a new open with
 * STATUS_DELETE_PENDING; a name still there and not pending means the
 * removal failed (Wine: the unlink refused, after the disposition was
 * accepted).  One query, with no handle left open: under Wine by the
 * entry's \??\unix\ name when ux_name() found it (dir.c says why).
 */
static enum pst
gone(OBJECT_ATTRIBUTES *oa)
{
	FILE_BASIC_INFORMATION b;
	NTSTATUS st;
	enum pst r;

	st = NtQueryAttributesFile(oa, &b);
	if (NT_SUCCESS(st))
		return fail_text(PST_IO, "the delete was accepted, but the "
		    "name is still there");
	r = oserr(E_NT, (unsigned long)st, C_FILE);
	return r == PST_GONE ? PST_OK : r;
}

/*
 * Wine only: the entry's \??\unix\ name into b->ux16 and *us, when its
 * directory has one (dir.c) and that name finds the entry now, while the
 * caller's handle holds it.  A name Wine matched some other way (in
 * another case, or bytes that are not UTF-8) is not found so, and keeps
 * the relative lookup.  One stat; no server request.
 */
static int
ux_name(const struct plat_dir *d, const struct fbuf *b, size_t nw,
    UNICODE_STRING *us, OBJECT_ATTRIBUTES *oa)
{
	FILE_BASIC_INFORMATION fb;

	if (d->ux == NULL || d->uxlen + nw >= MAXNAME)
		return 0;
	memcpy(b->ux16, d->ux, d->uxlen * sizeof(WCHAR));
	memcpy(b->ux16 + d->uxlen, b->name16, nw * sizeof(WCHAR));
	us->Buffer = b->ux16;
	us->Length = us->MaximumLength = (USHORT)((d->uxlen + nw) *
	    sizeof(WCHAR));
	InitializeObjectAttributes(oa, us, 0, NULL, NULL);
	return NT_SUCCESS(NtQueryAttributesFile(oa, &fb));
}

/*
 * A bare entry name (no path, no stream, nothing to walk up) into w
 * (MAXNAME units), *nw units.
 */
static enum pst
name_in(WCHAR *w, const char *name, size_t *nw)
{
	size_t n = strlen(name), i;

	if (u8_to_w(name, n, NULL, nw) != 0 || *nw == 0 || *nw > MAXNAME)
		return fail_text(PST_BADNAME, "not a valid file name");
	u8_to_w(name, n, w, nw);
	for (i = 0; i < *nw; i++)
		if (w[i] == L'\\' || w[i] == L'/' || w[i] == L':' ||
		    w[i] == L'\0')
			return fail_text(PST_BADNAME, "not a valid file name");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail_text(PST_BADNAME, "not a valid file name");
	return PST_OK;
}

/* The same into d->name16 (the main thread's). */
enum pst
entry_name(struct plat_dir *d, const char *name, size_t *nw)
{
	return name_in(d->name16, name, nw);
}

/*
 * Per file: the open (the lock probe), one name query (the link guard), the
 * disposition (set and cleared in report mode), the close; under Wine 8 one
 * server request each.  What the handle's attributes would add is had
 * without asking: FILE_NON_DIRECTORY_FILE refuses a directory, a
 * delete-pending file cannot be opened (Windows) or keeps its name after
 * the close (gone()), the disposition refuses a read-only or mapped file,
 * and the caller skips entries listed as links (a link swapped in later is
 * opened as itself: FILE_OPEN_REPARSE_POINT).
 */
static enum pst
file(struct plat_dir *d, const struct fbuf *b, const char *name,
    enum plat_act act, unsigned flags)
{
	UNICODE_STRING us, uxs;
	OBJECT_ATTRIBUTES oa, uxa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS st;
	ACCESS_MASK access = DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
	size_t nw;
	int classic = 0, ux = 0;
	enum pst r;

	if ((r = name_in(b->name16, name, &nw)) != PST_OK)
		return r;
	if (flags & PLAT_F_FORCE)
		access |= FILE_WRITE_ATTRIBUTES;
	us.Buffer = b->name16;
	us.Length = us.MaximumLength = (USHORT)(nw * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, 0, d->h, NULL);
	/* No sharing: this open is the lock probe. */
	st = NtCreateFile(&h, access, &oa, &io, NULL, 0, 0, FILE_OPEN,
	    FILE_NON_DIRECTORY_FILE | FILE_OPEN_REPARSE_POINT |
	    FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
	if (!NT_SUCCESS(st))
		return oserr(E_NT, (unsigned long)st, C_FILE);

	/*
	 * Wine opens the target of a Unix symlink even with
	 * FILE_OPEN_REPARSE_POINT (and lists the link as a plain file); the
	 * handle's name gives it away.
	 */
	st = name_into(b->info, b->infocap, h);
	if (st == STATUS_INFO_LENGTH_MISMATCH)
		r = fail_text(PST_IO, "bad file name length");
	else if (!NT_SUCCESS(st))
		r = oserr(E_NT, (unsigned long)st, C_FILE);
	else if (!same_entry(d, b->info->Name.Buffer,
	    b->info->Name.Length / sizeof(WCHAR), b->name16, nw)) {
		/* Wine reports "x." as "x": refused either way. */
		if (b->name16[nw - 1] == L'.' || b->name16[nw - 1] == L' ')
			r = fail_text(PST_BADNAME, "a name ending in a dot "
			    "or space cannot be verified");
		else
			r = fail_text(PST_LINK, "the entry opens another file");
	} else if (act == ACT_DELETE) {
		ux = ux_name(d, b, nw, &uxs, &uxa);
		r = dispose(d, h, flags, &classic);
	} else
		r = probe(h, flags);
	NtClose(h);
	if (r == PST_OK && classic)
		r = gone(ux ? &uxa : &oa);
	return r;
}

enum pst
plat_file(struct plat_dir *d, const char *name, enum plat_act act,
    unsigned flags, struct plat_err *err)
{
	struct fbuf own = { d->name16, d->info, d->infocap, d->ux16 };
	enum pst r;

	r = file(d, mine != NULL ? mine : &own, name, act, flags);
	err_take(err);
	return r;
}
