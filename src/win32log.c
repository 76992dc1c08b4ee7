/* TEMPORARY: to be merged into win32.c. The --log file and the pid. */
#include <windows.h>
#include <stdlib.h>

#include "plat.h"

struct plat_log {
	HANDLE h;
};

enum pst
plat_log_open(const char *path, struct plat_log **lp)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
	WCHAR *w;
	HANDLE h;
	DWORD err;

	if (n <= 0 || (w = malloc(((size_t)n + 4) * sizeof(WCHAR))) == NULL)
		return PST_NOMEM;
	wcscpy(w, L"\\\\?\\");
	MultiByteToWideChar(CP_UTF8, 0, path, -1, w + 4, n);
	/* FILE_APPEND_DATA alone: every write lands at the end, atomically */
	h = CreateFileW(w, FILE_APPEND_DATA | SYNCHRONIZE,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	err = GetLastError();
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return err == ERROR_ACCESS_DENIED ? PST_DENIED :
		    err == ERROR_PATH_NOT_FOUND ? PST_NOTFOUND : PST_IO;
	if ((*lp = malloc(sizeof(**lp))) == NULL) {
		CloseHandle(h);
		return PST_NOMEM;
	}
	(*lp)->h = h;
	return PST_OK;
}

enum pst
plat_log_write(struct plat_log *l, const char *utf8, size_t len)
{
	DWORD done;

	if (len > 0 && utf8[len - 1] == '\n') {
		/* one WriteFile per line, with CRLF, so appends stay whole */
		char *b = malloc(len + 1);
		BOOL ok;

		if (b == NULL)
			return PST_NOMEM;
		memcpy(b, utf8, len - 1);
		b[len - 1] = '\r';
		b[len] = '\n';
		ok = WriteFile(l->h, b, (DWORD)len + 1, &done, NULL);
		free(b);
		return ok && done == len + 1 ? PST_OK : PST_IO;
	}
	return WriteFile(l->h, utf8, (DWORD)len, &done, NULL) && done == len ?
	    PST_OK : PST_IO;
}

void
plat_log_close(struct plat_log *l)
{
	CloseHandle(l->h);
	free(l);
}

unsigned long
plat_pid(void)
{
	return GetCurrentProcessId();
}
