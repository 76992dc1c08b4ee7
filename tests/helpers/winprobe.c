/*
 * winprobe: read back, from inside Windows, what mmpclean's administrative
 * commands wrote, for the end-to-end tests.
 *
 *	winprobe.exe msg MODULE ID TEXT    the message ID of MODULE's message
 *	                                   table with %1 = TEXT, as the Event
 *	                                   Viewer would show it
 *	winprobe.exe acl PATH              PATH's DACL, one entry a line:
 *	                                   allow|deny DOMAIN\NAME MASK FLAGS
 *	winprobe.exe account NAME          whether NAME is an account:
 *	                                   its SID type and DOMAIN\NAME
 *	winprobe.exe short PATH            PATH with 8.3 names
 *	                                   (GetShortPathNameW)
 *
 * Output is UTF-8 with LF.  Exit status: 0 done, 1 not found or failed
 * (a message on stderr), 2 usage.
 */
#include <windows.h>
#include <aclapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv);

static void
put(const wchar_t *w)
{
	char buf[8192];
	int n;

	n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof buf, NULL,
	    NULL);
	if (n > 1)
		fwrite(buf, 1, (size_t)n - 1, stdout);
}

static int
fail(const char *what, DWORD e)
{
	fprintf(stderr, "winprobe: %s: error %lu\n", what, e);
	return 1;
}

static int
msg(const wchar_t *module, const wchar_t *id, const wchar_t *text)
{
	DWORD_PTR args[1] = { (DWORD_PTR)text };
	wchar_t out[4096], *end;
	HMODULE m;
	DWORD n;
	unsigned long v = wcstoul(id, &end, 0);

	if (*end != L'\0')
		return 2;
	m = LoadLibraryExW(module, NULL, LOAD_LIBRARY_AS_DATAFILE);
	if (m == NULL)
		return fail("LoadLibraryExW", GetLastError());
	n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE |
	    FORMAT_MESSAGE_ARGUMENT_ARRAY, m, (DWORD)v,
	    MAKELANGID(LANG_NEUTRAL, SUBLANG_NEUTRAL), out,
	    sizeof out / sizeof out[0], (va_list *)args);
	if (n == 0)
		return fail("FormatMessageW", GetLastError());
	while (n > 0 && (out[n - 1] == L'\r' || out[n - 1] == L'\n'))
		n--;
	out[n] = L'\0';
	put(out);
	put(L"\n");
	FreeLibrary(m);
	return 0;
}

static void
put_sid(PSID sid)
{
	wchar_t name[256], dom[256];
	DWORD nn = 256, nd = 256;
	SID_NAME_USE use;

	if (LookupAccountSidW(NULL, sid, name, &nn, dom, &nd, &use)) {
		if (dom[0] != L'\0') {
			put(dom);
			put(L"\\");
		}
		put(name);
	} else
		put(L"?");
}

static int
acl(const wchar_t *path)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL dacl = NULL;
	wchar_t num[64];
	DWORD e;

	e = GetNamedSecurityInfoW(path, SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd);
	if (e != ERROR_SUCCESS)
		return fail("GetNamedSecurityInfoW", e);
	if (dacl == NULL) {
		put(L"no DACL\n");
		LocalFree(sd);
		return 0;
	}
	for (DWORD i = 0; i < dacl->AceCount; i++) {
		ACE_HEADER *h;
		ACCESS_ALLOWED_ACE *a;

		if (!GetAce(dacl, i, (void **)&h))
			return fail("GetAce", GetLastError());
		if (h->AceType != ACCESS_ALLOWED_ACE_TYPE &&
		    h->AceType != ACCESS_DENIED_ACE_TYPE) {
			put(L"other\n");
			continue;
		}
		a = (ACCESS_ALLOWED_ACE *)h;
		put(h->AceType == ACCESS_ALLOWED_ACE_TYPE ? L"allow " :
		    L"deny ");
		put_sid(&a->SidStart);
		swprintf(num, 64, L" 0x%08lx 0x%02x\n", (unsigned long)a->Mask,
		    (unsigned)h->AceFlags);
		put(num);
	}
	LocalFree(sd);
	return 0;
}

static int
account(const wchar_t *name)
{
	BYTE sid[SECURITY_MAX_SID_SIZE];
	wchar_t dom[256], num[32];
	DWORD ns = sizeof sid, nd = 256;
	SID_NAME_USE use;

	if (!LookupAccountNameW(NULL, name, sid, &ns, dom, &nd, &use))
		return fail("LookupAccountNameW", GetLastError());
	swprintf(num, 32, L"%d ", (int)use);
	put(num);
	put_sid(sid);
	put(L"\n");
	return 0;
}

static int
shortname(const wchar_t *path)
{
	wchar_t buf[MAX_PATH];
	DWORD n = GetShortPathNameW(path, buf, MAX_PATH);

	if (n == 0 || n >= MAX_PATH)
		return fail("GetShortPathNameW", GetLastError());
	put(buf);
	put(L"\n");
	return 0;
}

int
wmain(int argc, wchar_t **argv)
{
	int rc = 2;

	if (argc == 5 && wcscmp(argv[1], L"msg") == 0)
		rc = msg(argv[2], argv[3], argv[4]);
	else if (argc == 3 && wcscmp(argv[1], L"acl") == 0)
		rc = acl(argv[2]);
	else if (argc == 3 && wcscmp(argv[1], L"account") == 0)
		rc = account(argv[2]);
	else if (argc == 3 && wcscmp(argv[1], L"short") == 0)
		rc = shortname(argv[2]);
	if (rc == 2)
		fputs("usage: winprobe msg MODULE ID TEXT | acl PATH | "
		    "account NAME | short PATH\n", stderr);
	fflush(stdout);
	return rc;
}
