/*
 * Directories: opened once by NT name, listed through NtQueryDirectoryFile
 * into one fixed buffer, closed.  Entries are opened relative to the
 * handle (file.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "w32.h"

/* An ntdll export that mingw-w64's winternl.h does not declare. */
NTSTATUS NTAPI NtQueryDirectoryFile(HANDLE, HANDLE, PIO_APC_ROUTINE, PVOID,
    PIO_STATUS_BLOCK, PVOID, ULONG, FILE_INFORMATION_CLASS, BOOLEAN,
    PUNICODE_STRING, BOOLEAN);

#define LISTBUF		(64 * 1024)

enum pst
plat_dir_open(const char *path, struct plat_dir **dp, struct plat_dirid *id)
{
	BY_HANDLE_FILE_INFORMATION bh;
	struct plat_dir *d;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	WCHAR *nt;
	size_t ntlen = 0;
	NTSTATUS st;
	DWORD e;
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
	if (d->list == NULL || d->info == NULL || d->name16 == NULL) {
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
	if (!GetFileInformationByHandle(d->h, &bh)) {
		e = GetLastError();
		plat_dir_close(d);
		return oserr(E_WIN32, e, C_DIR);
	}
	id->volume = bh.dwVolumeSerialNumber;
	id->file = (uint64_t)bh.nFileIndexHigh << 32 | bh.nFileIndexLow;
	runs_join(d, &bh);

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
	*dp = d;
	return PST_OK;
}

enum pst
plat_dir_next(struct plat_dir *d, struct plat_entry *e)
{
	static WCHAR pattern[] = L"*.mmp";
	FILE_BOTH_DIR_INFORMATION *fi;
	UNICODE_STRING us;
	IO_STATUS_BLOCK io;
	NTSTATUS st;
	ULONG off, nlen;
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
			d->listlen = (ULONG)io.Information;
			d->next = 0;
			d->more = 1;
		}
		off = d->next;
		fi = (FILE_BOTH_DIR_INFORMATION *)(d->list + off);
		if (d->listlen > LISTBUF || off >= d->listlen ||
		    d->listlen - off <
		    offsetof(FILE_BOTH_DIR_INFORMATION, FileName) ||
		    (nlen = fi->FileNameLength) % 2 != 0 ||
		    d->listlen - off -
		    offsetof(FILE_BOTH_DIR_INFORMATION, FileName) < nlen)
			return fail_text(PST_IO, "malformed directory listing");
		if (fi->NextEntryOffset == 0)
			d->more = 0;
		else if (fi->NextEntryOffset % 8 != 0 ||
		    fi->NextEntryOffset > d->listlen - off)
			return fail_text(PST_IO, "malformed directory listing");
		else
			d->next = off + fi->NextEntryOffset;
		nlen /= sizeof(WCHAR);
		if (nlen == 0 || (fi->FileName[0] == L'.' && (nlen == 1 ||
		    (nlen == 2 && fi->FileName[1] == L'.'))))
			continue;
		len = w_to_u8(fi->FileName, nlen, NULL);
		if (len + 1 > d->name8cap) {
			if ((nb = realloc(d->name8, len + 1)) == NULL)
				return nomem();
			d->name8 = nb;
			d->name8cap = len + 1;
		}
		w_to_u8(fi->FileName, nlen, d->name8);
		d->name8[len] = '\0';
		e->name = d->name8;
		e->attrs = 0;
		if (fi->FileAttributes & FILE_ATTRIBUTE_DIRECTORY)
			e->attrs |= PLAT_A_DIR;
		if (fi->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
			e->attrs |= PLAT_A_LINK;
		if (fi->FileAttributes & FILE_ATTRIBUTE_READONLY)
			e->attrs |= PLAT_A_READONLY;
		if (fi->FileAttributes & FILE_ATTRIBUTE_HIDDEN)
			e->attrs |= PLAT_A_HIDDEN;
		if (fi->FileAttributes & FILE_ATTRIBUTE_SYSTEM)
			e->attrs |= PLAT_A_SYSTEM;
		e->size = (uint64_t)fi->EndOfFile.QuadPart;
		e->mtime = unix_time(fi->LastWriteTime.QuadPart);
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
	free(d->info);
	free(d);
}
