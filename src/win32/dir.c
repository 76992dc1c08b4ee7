/*
 * Directories: opened once by NT name, listed through NtQueryDirectoryFile
 * into one fixed buffer, closed.  Entries are opened relative to the
 * handle (file.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "w32.h"

/* rules.c reads the records by these offsets. */
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, LastWriteTime) ==
    REC_WRITETIME, "LastWriteTime");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, EndOfFile) == REC_EOF,
    "EndOfFile");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, FileAttributes) ==
    REC_ATTRS, "FileAttributes");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, FileNameLength) ==
    REC_NAMELEN, "FileNameLength");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, EaSize) == REC_EASIZE,
    "EaSize");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, FileName) == REC_NAME,
    "FileName");
_Static_assert(FILE_ATTRIBUTE_REPARSE_POINT == 0x400, "reparse point");
_Static_assert(IsReparseTagNameSurrogate(0x20000000) &&
    !IsReparseTagNameSurrogate(0x80000013), "name surrogate");

/* An ntdll export that mingw-w64's winternl.h does not declare. */
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID,
    PIO_STATUS_BLOCK, PVOID, ULONG, FILE_INFORMATION_CLASS, BOOLEAN,
    PUNICODE_STRING, BOOLEAN);

#define LISTBUF		(64 * 1024)

/*
 * FileIdInformation (FILE_ID_INFO: Windows 8 and Server 2012 on; 128-bit
 * IDs, which ReFS needs, its 64-bit ones not being unique); mingw-w64
 * hides it below _WIN32_WINNT 0x0602.
 */
#define CLASS_FILE_ID		((FILE_INFORMATION_CLASS)59)
struct file_id_info {
	ULONGLONG volume;
	BYTE id[16];
};

/*
 * A directory's identity: the 128-bit ID where the file system gives one,
 * else (Windows 7, file systems that refuse the class) the 64-bit index.
 * An ID of zero stays zero: unknown, never the same as another.
 */
enum pst
handle_id(HANDLE h, struct plat_dirid *id)
{
	BY_HANDLE_FILE_INFORMATION bh;
	struct file_id_info fi;
	IO_STATUS_BLOCK io;

	if (NT_SUCCESS(NtQueryInformationFile(h, &io, &fi, sizeof(fi),
	    CLASS_FILE_ID)) && io.Information == sizeof(fi)) {
		id->volume = fi.volume;
		memcpy(&id->file[0], fi.id, 8);
		memcpy(&id->file[1], fi.id + 8, 8);
		return PST_OK;
	}
	if (!GetFileInformationByHandle(h, &bh))
		return oserr(E_WIN32, GetLastError(), C_DIR);
	id->volume = bh.dwVolumeSerialNumber;
	id->file[0] = (uint64_t)bh.nFileIndexHigh << 32 | bh.nFileIndexLow;
	id->file[1] = 0;
	return PST_OK;
}

/* As the core's: a known ID, equal. */
int
dirid_same(const struct plat_dirid *a, const struct plat_dirid *b)
{
	return (a->file[0] != 0 || a->file[1] != 0) &&
	    a->volume == b->volume && a->file[0] == b->file[0] &&
	    a->file[1] == b->file[1];
}

/*
 * Wine only: the directory as a \??\unix\ name, for file.c's check that
 * a deleted name is gone.  Wine looks a missing name up, relative to a
 * directory, by reading the whole directory for a match in another case
 * (dlls/ntdll/unix/file.c, find_file_in_dir): once per deleted file, that
 * is quadratic in the number of files.  Under \??\unix\ the lookup is
 * one stat, as a lookup in an NTFS index is on Windows.  kernel32's
 * wine_get_unix_file_name is Wine's own export, absent on Windows, where
 * d->ux stays NULL.  file.c uses the name only for an entry it finds by
 * it before the delete, so a path that did not convert back exactly
 * costs the fast check, never a wrong answer.
 */
static void
unix_prefix(struct plat_dir *d)
{
	typedef char *(__cdecl *unix_name_fn)(const WCHAR *);
	static const WCHAR pre[] = L"\\??\\unix";
	const size_t plen = sizeof(pre) / sizeof(WCHAR) - 1;
	HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
	FARPROC p;
	char *u;
	int n;
	size_t i;

	if (k32 == NULL ||
	    (p = GetProcAddress(k32, "wine_get_unix_file_name")) == NULL)
		return;
	/* FARPROC's one conversion, as dll.c's */
	if ((u = ((unix_name_fn)(void (*)(void))p)(d->nt)) == NULL)
		return;
	/* n counts the NUL, which becomes the trailing backslash */
	n = MultiByteToWideChar(CP_UTF8, 0, u, -1, NULL, 0);
	if (n > 0 && (d->ux = malloc((plen + (size_t)n) *
	    sizeof(WCHAR))) != NULL) {
		memcpy(d->ux, pre, plen * sizeof(WCHAR));
		MultiByteToWideChar(CP_UTF8, 0, u, -1, d->ux + plen, n);
		d->uxlen = plen + (size_t)n;
		for (i = plen; i < d->uxlen - 1; i++)
			if (d->ux[i] == L'/')
				d->ux[i] = L'\\';
		d->ux[d->uxlen - 1] = L'\\';
	}
	HeapFree(GetProcessHeap(), 0, u);
}

enum pst
plat_dir_open(const char *path, struct plat_dir **dp, struct plat_dirid *id)
{
	struct plat_dir *d;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	WCHAR *nt;
	size_t ntlen = 0;
	NTSTATUS st;
	enum pst r;

	*dp = NULL;
	if ((r = nt_path(path, &nt, &ntlen)) != PST_OK)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		free(nt);
		return nomem();
	}
	d->h = INVALID_HANDLE_VALUE;
	d->nt = nt;
	d->ntlen = ntlen;
	d->infocap = sizeof(OBJECT_NAME_INFORMATION) + 0x10000;
	d->list = malloc(LISTBUF);
	d->info = malloc(d->infocap);
	d->name16 = malloc(MAXNAME * sizeof(WCHAR));
	d->ux16 = malloc(MAXNAME * sizeof(WCHAR));
	if (d->list == NULL || d->info == NULL || d->name16 == NULL ||
	    d->ux16 == NULL) {
		plat_dir_close(d);
		return nomem();
	}
	us.Buffer = nt;
	us.Length = us.MaximumLength = (USHORT)(ntlen * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, NULL, NULL);
	st = NtCreateFile(&d->h, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
	    SYNCHRONIZE, &oa, &io, NULL, 0,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
	    FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT |
	    FILE_OPEN_FOR_BACKUP_INTENT, NULL, 0);
	if (!NT_SUCCESS(st)) {
		d->h = INVALID_HANDLE_VALUE;
		plat_dir_close(d);
		return oserr(E_NT, (unsigned long)st, C_DIR);
	}
	if ((r = handle_id(d->h, &d->id)) != PST_OK) {
		plat_dir_close(d);
		return r;
	}
	*id = d->id;
	runs_join(d);

	/* Named as plat_file names each entry's handle, to compare them. */
	if ((st = handle_name(d, d->h)) != STATUS_SUCCESS) {
		plat_dir_close(d);
		if (st == STATUS_INFO_LENGTH_MISMATCH)
			return fail_text(PST_IO, "bad directory name length");
		return oserr(E_NT, (unsigned long)st, C_OTHER);
	}
	d->selflen = d->info->Name.Length / sizeof(WCHAR);
	if ((d->self = malloc(d->info->Name.Length + sizeof(WCHAR))) == NULL) {
		plat_dir_close(d);
		return nomem();
	}
	memcpy(d->self, d->info->Name.Buffer, d->info->Name.Length);
	unix_prefix(d);
	*dp = d;
	return PST_OK;
}

enum pst
plat_dir_next(struct plat_dir *d, struct plat_entry *e)
{
	static WCHAR pattern[] = L"*.mmp";
	struct dirrec rec;
	UNICODE_STRING us;
	IO_STATUS_BLOCK io;
	NTSTATUS st;
	const WCHAR *w;
	size_t nlen;
	size_t len;
	char *nb;
	enum pst r;

	for (;;) {
		if (!d->more) {
			us.Buffer = pattern;
			us.Length = us.MaximumLength = sizeof(pattern) -
			    sizeof(WCHAR);
			st = NtQueryDirectoryFile(d->h, NULL, NULL, NULL, &io,
			    d->list, LISTBUF, FileBothDirectoryInformation,
			    FALSE, d->started ? NULL : &us,
			    d->started ? FALSE : TRUE);
			if (!NT_SUCCESS(st)) {
				r = oserr(E_NT, (unsigned long)st, C_LIST);
				if (r == PST_END)
					lasterr.src = E_NONE;
				return r;
			}
			d->started = 1;
			if (io.Information == 0)
				return PST_END;
			if (io.Information > LISTBUF)
				return fail_text(PST_IO,
				    "malformed directory listing");
			d->listlen = (ULONG)io.Information;
			d->next = 0;
			d->more = 1;
		}
		if (dirrec_read(d->list, d->listlen, d->next, &rec) != 0)
			return fail_text(PST_IO, "malformed directory listing");
		if (rec.next == 0)
			d->more = 0;
		else
			d->next = (ULONG)rec.next;
		nlen = rec.namelen;
		/* The name may be unaligned: copied before it is read. */
		memcpy(d->name16, rec.name, nlen * sizeof(WCHAR));
		w = d->name16;
		if (nlen == 0 || (w[0] == L'.' && (nlen == 1 ||
		    (nlen == 2 && w[1] == L'.'))))
			continue;
		len = w_to_u8(w, nlen, NULL);
		if (len + 1 > d->name8cap) {
			if ((nb = realloc(d->name8, len + 1)) == NULL)
				return nomem();
			d->name8 = nb;
			d->name8cap = len + 1;
		}
		w_to_u8(w, nlen, d->name8);
		d->name8[len] = '\0';
		e->name = d->name8;
		e->attrs = 0;
		if (rec.attrs & FILE_ATTRIBUTE_DIRECTORY)
			e->attrs |= PLAT_A_DIR;
		if (reparse_is_link(rec.attrs, rec.ea))
			e->attrs |= PLAT_A_LINK;
		if (rec.attrs & FILE_ATTRIBUTE_READONLY)
			e->attrs |= PLAT_A_READONLY;
		if (rec.attrs & FILE_ATTRIBUTE_HIDDEN)
			e->attrs |= PLAT_A_HIDDEN;
		if (rec.attrs & FILE_ATTRIBUTE_SYSTEM)
			e->attrs |= PLAT_A_SYSTEM;
		e->size = rec.size;
		e->mtime = unix_time(rec.mtime);
		return PST_OK;
	}
}

void
plat_dir_close(struct plat_dir *d)
{
	if (d == NULL)
		return;
	if (d->h != INVALID_HANDLE_VALUE && d->h != NULL)
		NtClose(d->h);
	if (d->runs != NULL) {
		/* Counts this run out: one down, never blocking. */
		WaitForSingleObject(d->runs, 0);
		CloseHandle(d->runs);
	}
	free(d->nt);
	free(d->list);
	free(d->name8);
	free(d->self);
	free(d->name16);
	free(d->ux);
	free(d->ux16);
	free(d->info);
	free(d);
}
