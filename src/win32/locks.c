/*
 * What to do about a locked file: name its holders (Restart Manager), and
 * delete it at the next boot (PendingFileRenameOperations).
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "rules.h"
#include "w32.h"

/*
 * Holders.  Restart Manager names the processes that hold any of a set of
 * files: with the file names registered, RmGetList lists them, services
 * with their short names.  It needs rights over the holders to see them;
 * whatever it cannot name is left unnamed, quickly.
 */

/* The executable's name, or Restart Manager's friendly name for it. */
static void
holder_app(const RM_PROCESS_INFO *pi, WCHAR *img, DWORD imgcap, char *app,
    size_t cap)
{
	const WCHAR *name = NULL, *p;
	FILETIME created, ended, kernel, user;
	FILETIME start = pi->Process.ProcessStartTime;
	DWORD n = imgcap;
	size_t len = 0;
	HANDLE ph;

	ph = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
	    pi->Process.dwProcessId);
	if (ph != NULL) {
		/* The same process, not a later one given its id. */
		if (GetProcessTimes(ph, &created, &ended, &kernel, &user) &&
		    CompareFileTime(&created, &start) == 0 &&
		    QueryFullProcessImageNameW(ph, 0, img, &n) && n > 0 &&
		    n < imgcap) {
			name = img;
			for (p = img; p < img + n; p++)
				if (*p == L'\\')
					name = p + 1;
			len = (size_t)(img + n - name);
		}
		CloseHandle(ph);
	}
	if (len == 0) {
		name = pi->strAppName;
		len = wcsnlen(name, CCH_RM_MAX_APP_NAME + 1);
	}
	w_to_u8_fit(name, len, app, cap);
}

enum pst
plat_holders(struct plat_dir *d, const char *const *names, size_t n,
    struct plat_holder *h, size_t cap, size_t *nh)
{
	WCHAR key[CCH_RM_SESSION_KEY + 1], **paths, *img = NULL;
	RM_PROCESS_INFO *info = NULL, *ni;
	UINT want = 8, need = 0, count = 0, tries;
	DWORD sess, reasons, e;
	size_t i, k, m;
	enum pst r = PST_OK;

	*nh = 0;
	if (n == 0 || cap == 0)
		return PST_OK;
	if (n > 0xFFFFFF)
		return fail_text(PST_IO, "too many files for Restart Manager");
	/* Without RstrtMgr.dll, as without rights, nobody is named. */
	if ((r = lib_need(&rstrtmgr)) != PST_OK)
		return r;
	if ((paths = calloc(n, sizeof(*paths))) == NULL)
		return nomem();
	for (i = 0; i < n; i++)
		if ((r = entry_path(d, names[i], PF_PLAIN, &paths[i], NULL)) !=
		    PST_OK)
			goto out;
	if ((e = rm.RmStartSession(&sess, 0, key)) != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	e = rm.RmRegisterResources(sess, (UINT)n, (LPCWSTR *)paths, 0, NULL, 0,
	    NULL);
	/* The list may grow between calls; a few rounds settle it. */
	for (tries = 0; e == ERROR_SUCCESS; tries++) {
		if ((ni = realloc(info, want * sizeof(*info))) == NULL) {
			rm.RmEndSession(sess);
			r = nomem();
			goto out;
		}
		info = ni;
		count = want;
		e = rm.RmGetList(sess, &need, &count, info, &reasons);
		if (e != ERROR_MORE_DATA || tries >= 4 || need > 0xFFFF)
			break;
		want = need + 8;
	}
	rm.RmEndSession(sess);
	if (e != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	if (count > 0 &&
	    (img = malloc((MAXNAME + 1) * sizeof(WCHAR))) == NULL) {
		r = nomem();
		goto out;
	}
	for (k = 0; k < count && *nh < cap; k++) {
		for (m = 0; m < *nh; m++)
			if (h[m].pid == info[k].Process.dwProcessId)
				break;
		if (m < *nh)
			continue;
		h[m].pid = info[k].Process.dwProcessId;
		holder_app(&info[k], img, MAXNAME + 1, h[m].app,
		    sizeof(h[m].app));
		h[m].service[0] = '\0';
		if (info[k].ApplicationType == RmService)
			w_to_u8_fit(info[k].strServiceShortName,
			    wcsnlen(info[k].strServiceShortName,
			    CCH_RM_MAX_SVC_NAME + 1), h[m].service,
			    sizeof(h[m].service));
		(*nh)++;
	}
out:
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(info);
	free(img);
	return r;
}

/*
 * Delete at the next boot.  MoveFileEx appends (source, empty destination)
 * to PendingFileRenameOperations, a REG_MULTI_SZ of NT names in pairs,
 * which Session Manager carries out before anything can open the file.
 */
#define SESSION_MANAGER \
	"SYSTEM\\CurrentControlSet\\Control\\Session Manager"

static const WCHAR *
skip_nt_prefix(const WCHAR *s, size_t *n)
{
	if (*n >= 4 && wcsncmp(s, L"\\??\\", 4) == 0) {
		*n -= 4;
		return s + 4;
	}
	return s;
}

/* Can the delete at boot reach d's directory (rules.c's boot_reach)? */
static enum pst
reachable(const struct plat_dir *d)
{
	WCHAR root[4] = L"C:\\", dev[3] = L"C:", target[1024];
	DWORD tn = 0;
	enum reach how;
	int letter = path_drive(d->nt, d->ntlen), remote = 0;

	if (letter != 0) {
		root[0] = dev[0] = (WCHAR)letter;
		remote = GetDriveTypeW(root) == DRIVE_REMOTE;
		tn = QueryDosDeviceW(dev, target, sizeof(target) /
		    sizeof(target[0]));
		if (tn > sizeof(target) / sizeof(target[0]))
			tn = 0;
	}
	how = boot_reach(d->nt, d->ntlen, remote, tn > 0 ? target : NULL,
	    tn > 0 ? wcsnlen(target, tn) : 0);
	return how == REACH_BOOT ? PST_OK : fail_text(PST_IO, reach_why(how));
}

/*
 * The name to hand to the boot: \\?\C:\dir\name with every 8.3 alias
 * of the path made long (GetLongPathNameW), so a directory named through
 * C:\PROGRA~1 and through C:\Program Files schedules one name, once.
 * Wine copies a \\?\ path unchanged, so the plain form is asked where
 * it fits.  If the long name cannot be had, the name as reached.
 */
static enum pst
boot_name(struct plat_dir *d, const char *name, WCHAR **out, size_t *outlen)
{
	WCHAR *path, *lp;
	size_t len, skip;
	DWORD n;
	enum pst r;

	if ((r = entry_path(d, name, PF_LONG, &path, &len)) != PST_OK)
		return r;
	skip = len > 4 && len - 4 < MAX_PATH && path[5] == L':' ? 4 : 0;
	n = GetLongPathNameW(path + skip, NULL, 0);
	if (n == 0 || n > MAXNAME || (lp = malloc((skip + n) *
	    sizeof(WCHAR))) == NULL) {
		*out = path;
		*outlen = len;
		return PST_OK;
	}
	memcpy(lp, path, skip * sizeof(WCHAR));
	if (GetLongPathNameW(path + skip, lp + skip, n) != n - 1) {
		free(lp);
		*out = path;
		*outlen = len;
		return PST_OK;
	}
	free(path);
	*out = lp;
	*outlen = skip + n - 1;
	return PST_OK;
}

static const WCHAR *
skip_long_prefix(const WCHAR *s, size_t *n)
{
	if (*n >= 4 && wcsncmp(s, L"\\\\?\\", 4) == 0) {
		*n -= 4;
		return s + 4;
	}
	return s;
}

enum pst
plat_reboot_pending(struct plat_dir *d, const char *name, int *pending)
{
	WCHAR *path = NULL, *buf = NULL;
	const WCHAR *want, *src;
	size_t plen, i, n, slen, dlen;
	DWORD type, cb;
	HKEY hk;
	enum pst r;

	*pending = 0;
	if ((r = reachable(d)) != PST_OK)
		return r;
	if ((r = boot_name(d, name, &path, &plen)) != PST_OK)
		return r;
	if ((r = reg_open(VIEW_64, SESSION_MANAGER, KEY_QUERY_VALUE, 0,
	    &hk)) == PST_OK) {
		r = reg_read(hk, L"PendingFileRenameOperations", &type, &buf,
		    &cb);
		adv.RegCloseKey(hk);
	}
	if (r == PST_ABSENT) {
		r = PST_OK;
		goto out;
	}
	if (r != PST_OK)
		goto out;
	if (type != REG_MULTI_SZ) {
		r = fail_text(PST_IO, "PendingFileRenameOperations is not a "
		    "REG_MULTI_SZ");
		goto out;
	}
	/*
	 * Not an ordinary multi-string: an empty destination is an empty
	 * string, so the pairs go by the stored size, not to the first "".
	 */
	want = skip_long_prefix(path, &plen);
	n = cb / sizeof(WCHAR);
	for (i = 0; i < n; ) {
		src = buf + i;
		slen = wcsnlen(src, n - i);
		i += slen + 1;
		if (i >= n)
			break;		/* the list's closing NUL */
		dlen = wcsnlen(buf + i, n - i);
		i += dlen + 1;
		if (slen == 0 || dlen != 0 || slen > MAXNAME)
			continue;
		src = skip_nt_prefix(src, &slen);
		if (CompareStringOrdinal(src, (int)slen, want, (int)plen,
		    TRUE) == CSTR_EQUAL) {
			*pending = 1;
			break;
		}
	}
out:
	free(path);
	free(buf);
	return r;
}

enum pst
plat_reboot_delete(struct plat_dir *d, const char *name)
{
	WCHAR *path;
	size_t len;
	enum pst r;

	if ((r = reachable(d)) != PST_OK ||
	    (r = boot_name(d, name, &path, &len)) != PST_OK)
		return r;
	if (!MoveFileExW(path, NULL, MOVEFILE_DELAY_UNTIL_REBOOT))
		r = oserr(E_WIN32, GetLastError(), C_FILE);
	free(path);
	return r;
}
