/*
 * plantdll: a planted RstrtMgr.dll, what someone who can write to the
 * directory mmpclean.exe runs from could put beside it.
 *
 *	build/plant/RstrtMgr.dll
 *
 * Loaded, it creates the file PLANTED beside itself, which the e2e tests
 * look for.  It exports the Restart Manager functions mmpclean calls, each
 * failing, so that an mmpclean that imported RstrtMgr would start, run and
 * say "holder unknown" with it: only PLANTED tells.  RstrtMgr is not a
 * KnownDLL; Windows and Wine alike look for an imported RstrtMgr.dll in
 * the executable's directory first.
 */
#include <windows.h>
#include <restartmanager.h>

BOOL WINAPI DllMain(HINSTANCE, DWORD, LPVOID);

BOOL WINAPI
DllMain(HINSTANCE self, DWORD reason, LPVOID reserved)
{
	WCHAR path[MAX_PATH + 16], *slash;
	DWORD n;
	HANDLE h;

	(void)reserved;
	if (reason != DLL_PROCESS_ATTACH)
		return TRUE;
	n = GetModuleFileNameW(self, path, MAX_PATH);
	if (n == 0 || n >= MAX_PATH || (slash = wcsrchr(path, L'\\')) == NULL)
		return TRUE;
	wcscpy(slash + 1, L"PLANTED");
	h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return TRUE;
}

__declspec(dllexport) DWORD WINAPI
RmStartSession(DWORD *session, DWORD flags, WCHAR key[])
{
	(void)session;
	(void)flags;
	(void)key;
	return ERROR_ACCESS_DENIED;
}

__declspec(dllexport) DWORD WINAPI
RmRegisterResources(DWORD session, UINT nfiles, LPCWSTR files[],
    UINT napps, RM_UNIQUE_PROCESS apps[], UINT nsvcs, LPCWSTR svcs[])
{
	(void)session;
	(void)nfiles;
	(void)files;
	(void)napps;
	(void)apps;
	(void)nsvcs;
	(void)svcs;
	return ERROR_ACCESS_DENIED;
}

__declspec(dllexport) DWORD WINAPI
RmGetList(DWORD session, UINT *need, UINT *count, RM_PROCESS_INFO info[],
    LPDWORD reasons)
{
	(void)session;
	(void)need;
	(void)count;
	(void)info;
	(void)reasons;
	return ERROR_ACCESS_DENIED;
}

__declspec(dllexport) DWORD WINAPI
RmEndSession(DWORD session)
{
	(void)session;
	return ERROR_SUCCESS;
}
