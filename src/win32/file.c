/*
 * One entry, per file: the open with no sharing (the lock probe), the name
 * query (the link guard) and the disposition (the delete), all through one
 * handle opened relative to the directory.
 */
#include <string.h>

#include "w32.h"

/* An ntdll export that mingw-w64's winternl.h does not declare. */
BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING, PCUNICODE_STRING,
    BOOLEAN);

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

/* The OS does not know FileDispositionInformationEx (Wine 8, Windows < 10). */
static int ex_missing;

/*
 * The handle's full object name into d->info.  Wine answers it with one
 * server request (get_handle_unix_name), where FileNameInformation and
 * FileAllInformation take two (get_handle_fd as well); like them it names
 * the file Wine opened, so a Unix symlink shows its target.
 * STATUS_INFO_LENGTH_MISMATCH: a malformed answer.
 */
NTSTATUS
handle_name(struct plat_dir *d, HANDLE h)
{
	ULONG got = 0;
	NTSTATUS st;

	st = NtQueryObject(h, ObjectNameInformation, d->info, d->infocap,
	    &got);
	if (!NT_SUCCESS(st))
		return st;
	if (got < sizeof(*d->info) || got > d->infocap ||
	    d->info->Name.Length % 2 != 0 ||
	    (d->info->Name.Length > 0 && (d->info->Name.Buffer == NULL ||
	    (unsigned char *)d->info->Name.Buffer < (unsigned char *)d->info ||
	    (unsigned char *)d->info->Name.Buffer + d->info->Name.Length >
	    (unsigned char *)d->info + got)))
		return STATUS_INFO_LENGTH_MISMATCH;
	return STATUS_SUCCESS;
}

/*
 * Is the opened handle's name the directory's name plus `name`?  The
 * directory part may differ in case (it was opened case-insensitively); the
 * entry's own name must be exact, or a link "X.mmp" to "x.mmp" would pass.
 */
static int
same_entry(const struct plat_dir *d, const WCHAR *got, size_t gotlen,
    size_t namelen)
{
	UNICODE_STRING a, b;
	size_t sep;

	sep = d->selflen == 0 || d->self[d->selflen - 1] != L'\\';
	if (gotlen != d->selflen + sep + namelen)
		return 0;
	if (memcmp(got + d->selflen + sep, d->name16,
	    namelen * sizeof(WCHAR)) != 0)
		return 0;
	if (sep && got[d->selflen] != L'\\')
		return 0;
	if (memcmp(got, d->self, d->selflen * sizeof(WCHAR)) == 0)
		return 1;
	a.Buffer = (WCHAR *)got;
	b.Buffer = d->self;
	a.Length = a.MaximumLength = b.Length = b.MaximumLength =
	    (USHORT)(d->selflen * sizeof(WCHAR));
	return RtlEqualUnicodeString(&a, &b, TRUE);
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
 * and tries again.
 */
static enum pst
dispose(struct plat_dir *d, HANDLE h, unsigned flags)
{
	struct disposition_ex dx;
	FILE_DISPOSITION_INFORMATION di;
	FILE_BASIC_INFORMATION b;
	FILE_STANDARD_INFORMATION si;
	IO_STATUS_BLOCK io;
	int force = (flags & PLAT_F_FORCE) != 0;
	NTSTATUS st, st2;

	if (!ex_missing && !d->noex) {
		dx.flags = DISP_DELETE | DISP_POSIX |
		    (force ? DISP_IGNORE_READONLY : 0);
		st = NtSetInformationFile(h, &io, &dx, sizeof(dx),
		    CLASS_DISPOSITION_EX);
		if (NT_SUCCESS(st))
			return PST_OK;
		if (st == STATUS_INVALID_INFO_CLASS ||
		    st == STATUS_NOT_IMPLEMENTED)
			ex_missing = 1;
		else if (st == STATUS_INVALID_PARAMETER ||
		    st == STATUS_NOT_SUPPORTED)
			d->noex = 1;	/* this file system, or this flag */
		else
			return oserr(E_NT, (unsigned long)st, ro_ctx(h, st));
	}
	di.DoDeleteFile = TRUE;
	st = NtSetInformationFile(h, &io, &di, sizeof(di),
	    FileDispositionInformation);
	if (NT_SUCCESS(st))
		return PST_OK;
	if (!force || (st != STATUS_CANNOT_DELETE &&
	    st != STATUS_ACCESS_DENIED))
		return oserr(E_NT, (unsigned long)st, ro_ctx(h, st));
	if (!NT_SUCCESS(NtQueryInformationFile(h, &io, &b, sizeof(b),
	    FileBasicInformation)) ||
	    !(b.FileAttributes & FILE_ATTRIBUTE_READONLY))
		return oserr(E_NT, (unsigned long)st, C_FILE);
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
	if (NT_SUCCESS(NtQueryInformationFile(h, &io, &si, sizeof(si),
	    FileStandardInformation)) && si.NumberOfLinks > 1)
		set_attrs(h, b.FileAttributes);
	return PST_OK;
}

/*
 * A bare entry name of d (no path, no stream, nothing to walk up) into
 * d->name16, *nw units.
 */
enum pst
entry_name(struct plat_dir *d, const char *name, size_t *nw)
{
	size_t n = strlen(name), i;

	if (u8_to_w(name, n, NULL, nw) != 0 || *nw == 0 || *nw > MAXNAME)
		return fail_text(PST_BADNAME, "not a valid file name");
	u8_to_w(name, n, d->name16, nw);
	for (i = 0; i < *nw; i++)
		if (d->name16[i] == L'\\' || d->name16[i] == L'/' ||
		    d->name16[i] == L':' || d->name16[i] == L'\0')
			return fail_text(PST_BADNAME, "not a valid file name");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fail_text(PST_BADNAME, "not a valid file name");
	return PST_OK;
}

/*
 * Per file: the open (the lock probe), one name query (the link guard), the
 * disposition, the close; under Wine 8 one server request each.  What the
 * handle's attributes would add is had without asking: FILE_NON_DIRECTORY_
 * FILE refuses a directory, a delete-pending file cannot be opened, the
 * disposition refuses a read-only file, and the caller skips entries listed
 * as reparse points (which FILE_OPEN_REPARSE_POINT opens, not their target).
 */
enum pst
plat_file(struct plat_dir *d, const char *name, enum plat_act act,
    unsigned flags)
{
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	NTSTATUS st;
	ACCESS_MASK access = DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
	size_t nw;
	enum pst r;

	if ((r = entry_name(d, name, &nw)) != PST_OK)
		return r;
	if (flags & PLAT_F_FORCE)
		access |= FILE_WRITE_ATTRIBUTES;
	us.Buffer = d->name16;
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
	st = handle_name(d, h);
	if (st == STATUS_INFO_LENGTH_MISMATCH)
		r = fail_text(PST_IO, "bad file name length");
	else if (!NT_SUCCESS(st))
		r = oserr(E_NT, (unsigned long)st, C_FILE);
	else if (!same_entry(d, d->info->Name.Buffer,
	    d->info->Name.Length / sizeof(WCHAR), nw)) {
		/* Wine reports "x." as "x": refused either way. */
		if (d->name16[nw - 1] == L'.' || d->name16[nw - 1] == L' ')
			r = fail_text(PST_BADNAME, "a name ending in a dot "
			    "or space cannot be verified");
		else
			r = fail_text(PST_LINK, "the entry opens another file");
	} else if (act == ACT_DELETE)
		r = dispose(d, h, flags);
	else
		r = PST_OK;
	NtClose(h);
	return r;
}
