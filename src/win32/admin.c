/*
 * --configure and friends: the administrator check, directories, accounts,
 * the computer's name, and the ACL entry that lets IIS write the files.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "w32.h"

/*
 * Administrator: CheckTokenMembership finds the Administrators group only
 * when it is enabled in the token, that is when the token is elevated
 * (under UAC an administrator's ordinary token has it deny-only).
 */
int
plat_is_admin(void)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	DWORD n = sizeof(sid);
	BOOL member = FALSE;

	/* Without advapi32 nothing can be checked: not an administrator. */
	if (lib_need(&advapi32) != PST_OK ||
	    !adv.CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid,
	    &n) || !adv.CheckTokenMembership(NULL, sid, &member))
		return 0;
	return member != FALSE;
}

/*
 * --configure.  Directories are made one component at a time through the
 * \\?\ form, from the root down; one that exists must be a directory.
 */
static enum pst
mkdir_one(WCHAR *w, int *created)
{
	DWORD a, e;

	*created = 0;
	if (CreateDirectoryW(w, NULL)) {
		*created = 1;
		return PST_OK;
	}
	if ((e = GetLastError()) != ERROR_ALREADY_EXISTS)
		return oserr(E_WIN32, e, C_DIR);
	if ((a = GetFileAttributesW(w)) == INVALID_FILE_ATTRIBUTES)
		return oserr(E_WIN32, GetLastError(), C_DIR);
	if (!(a & FILE_ATTRIBUTE_DIRECTORY))
		return fail_text(PST_NOTDIR, "a file is in the way");
	return PST_OK;
}

enum pst
plat_mkdir(const char *path, int *created)
{
	WCHAR *w, save;
	size_t len, i, root, skip;
	DWORD a;
	int made = 0;
	enum pst r = PST_OK;

	*created = 0;
	if ((r = path_form(path, PF_LONG, &w, &len)) != PST_OK)
		return r;
	/* The root: \\?\C:\ or \\?\UNC\server\share\ is not made. */
	root = 4;
	skip = 1;
	if (len >= 8 && wcsncmp(w + 4, L"UNC\\", 4) == 0) {
		root = 8;
		skip = 2;
	}
	for (; skip > 0 && root < len; skip--) {
		while (root < len && w[root] != L'\\')
			root++;
		if (root < len)
			root++;
	}
	for (i = root; i <= len && r == PST_OK; i++) {
		if (i < len && w[i] != L'\\')
			continue;
		if (i == root || w[i - 1] == L'\\')
			continue;
		save = w[i];
		w[i] = L'\0';
		r = mkdir_one(w, created);
		w[i] = save;
		made = 1;
	}
	/* A root alone: it must be there. */
	if (!made && (a = GetFileAttributesW(w)) == INVALID_FILE_ATTRIBUTES)
		r = oserr(E_WIN32, GetLastError(), C_DIR);
	free(w);
	return r;
}

enum pst
plat_account_exists(const char *name)
{
	WCHAR *w, *dom = NULL;
	BYTE *sid = NULL;
	DWORD cbsid = 0, cchdom = 0, e = 0;
	SID_NAME_USE use = SidTypeUnknown;
	enum pst r;

	if (name[0] == '\0')
		return fail_text(PST_ABSENT, "no account name");
	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = u8_to_w_dup(name, &w, NULL)) != PST_OK)
		return r;
	if (adv.LookupAccountNameW(NULL, w, NULL, &cbsid, NULL, &cchdom,
	    &use) ||
	    (e = GetLastError()) == ERROR_INSUFFICIENT_BUFFER) {
		sid = malloc(cbsid ? cbsid : 1);
		dom = malloc((cchdom ? cchdom : 1) * sizeof(WCHAR));
		if (sid == NULL || dom == NULL)
			r = nomem();
		else if (!adv.LookupAccountNameW(NULL, w, sid, &cbsid, dom,
		    &cchdom, &use))
			r = oserr(E_WIN32, GetLastError(), C_OTHER);
	} else
		r = oserr(E_WIN32, e, C_OTHER);
	/* A name that maps to a domain, or to nothing, is not an account. */
	if (r == PST_OK && (use == SidTypeDomain || use == SidTypeInvalid ||
	    use == SidTypeUnknown || use == SidTypeDeletedAccount))
		r = fail_text(PST_ABSENT, "not an account");
	free(w);
	free(sid);
	free(dom);
	return r;
}

enum pst
plat_computer_name(char **name)
{
	WCHAR buf[MAX_COMPUTERNAME_LENGTH + 1];
	DWORD n = sizeof(buf) / sizeof(buf[0]);

	*name = NULL;
	/* NetBIOS names are at most MAX_COMPUTERNAME_LENGTH. */
	if (!GetComputerNameW(buf, &n))
		return oserr(E_WIN32, GetLastError(), C_OTHER);
	if (n >= sizeof(buf) / sizeof(buf[0]))
		return fail_text(PST_IO, "bad computer name length");
	return (*name = w_to_u8_dup(buf, n)) == NULL ? nomem() : PST_OK;
}

/*
 * "Modify" as Explorer grants it: read, write, execute and delete,
 * inherited by files and subdirectories, added to the entries there.
 */
enum pst
plat_grant_modify(const char *path, const char *account)
{
	WCHAR *wpath = NULL, *wacc = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL dacl = NULL, nacl = NULL;
	EXPLICIT_ACCESSW ea;
	DWORD e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = path_form(path, PF_PLAIN, &wpath, NULL)) != PST_OK ||
	    (r = u8_to_w_dup(account, &wacc, NULL)) != PST_OK)
		goto out;
	e = adv.GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd);
	if (e != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_DIR);
		goto out;
	}
	memset(&ea, 0, sizeof(ea));
	ea.grfAccessPermissions = FILE_GENERIC_READ | FILE_GENERIC_WRITE |
	    FILE_GENERIC_EXECUTE | DELETE;
	ea.grfAccessMode = GRANT_ACCESS;
	ea.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
	adv.BuildTrusteeWithNameW(&ea.Trustee, wacc);
	if ((e = adv.SetEntriesInAclW(1, &ea, dacl, &nacl)) != ERROR_SUCCESS) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto out;
	}
	e = adv.SetNamedSecurityInfoW(wpath, SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, nacl, NULL);
	if (e != ERROR_SUCCESS)
		r = oserr(E_WIN32, e, C_DIR);
out:
	if (nacl != NULL)
		LocalFree(nacl);
	if (sd != NULL)
		LocalFree(sd);
	free(wpath);
	free(wacc);
	return r;
}
