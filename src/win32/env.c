/*
 * What the resolver asks of the system besides the registry: environment
 * variables and the Windows directory.
 */
#include <stdlib.h>

#include "w32.h"

enum pst
plat_getenv(const char *name, char **value)
{
	WCHAR *wname, *buf = NULL, *nb;
	DWORD cap = 256, n, e;
	enum pst r;
	int tries;

	*value = NULL;
	if ((r = u8_to_w_dup(name, &wname, NULL)) != PST_OK)
		return r;
	for (tries = 0; ; tries++) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			r = nomem();
			goto out;
		}
		buf = nb;
		SetLastError(ERROR_SUCCESS);
		n = GetEnvironmentVariableW(wname, buf, cap);
		if (n == 0) {
			/* Zero is also the length of a variable set empty. */
			if ((e = GetLastError()) != ERROR_SUCCESS) {
				r = oserr(E_WIN32, e, C_OTHER);
				goto out;
			}
			buf[0] = L'\0';
			break;
		}
		if (n < cap)
			break;
		if (tries >= 8) {
			r = fail_text(PST_IO,
			    "environment variable keeps growing");
			goto out;
		}
		cap = n + 1;
	}
	r = (*value = w_to_u8_dup(buf, n)) == NULL ? nomem() : PST_OK;
out:
	free(wname);
	free(buf);
	return r;
}

enum pst
plat_windows_dir(char **path)
{
	WCHAR *buf = NULL, *nb;
	UINT cap = MAX_PATH + 1, n;
	DWORD e;
	int tries;

	*path = NULL;
	for (tries = 0; ; tries++) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			free(buf);
			return nomem();
		}
		buf = nb;
		if ((n = GetSystemWindowsDirectoryW(buf, cap)) == 0) {
			e = GetLastError();
			free(buf);
			return oserr(E_WIN32, e, C_OTHER);
		}
		if (n < cap)
			break;
		if (tries >= 4 || n > MAXNAME) {
			free(buf);
			return fail_text(PST_IO,
			    "Windows directory name too long");
		}
		cap = n + 1;
	}
	*path = w_to_u8_dup(buf, n);
	free(buf);
	return *path == NULL ? nomem() : PST_OK;
}
