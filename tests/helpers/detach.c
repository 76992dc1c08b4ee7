/*
 * detach.exe COMMAND LINE: runs it as a DETACHED_PROCESS with no standard
 * handles at all (as some service launchers and agents start programs),
 * waits, and exits with its exit code.  Says on its own standard error
 * what it could not do, and exits 255 then.
 */
#include <windows.h>
#include <stdio.h>

int wmain(void);

int
wmain(void)
{
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	WCHAR *cl = GetCommandLineW();
	DWORD code;

	/* skip our own name, quoted or not, and the blanks after it */
	if (*cl == L'"') {
		for (cl++; *cl != L'\0' && *cl != L'"'; cl++)
			;
		if (*cl == L'"')
			cl++;
	} else
		while (*cl != L'\0' && *cl != L' ' && *cl != L'\t')
			cl++;
	while (*cl == L' ' || *cl == L'\t')
		cl++;
	if (*cl == L'\0') {
		fprintf(stderr, "usage: detach.exe COMMAND [ARGS...]\n");
		return 255;
	}

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = si.hStdOutput = si.hStdError = NULL;
	if (!CreateProcessW(NULL, cl, NULL, NULL, FALSE, DETACHED_PROCESS,
	    NULL, NULL, &si, &pi)) {
		fprintf(stderr, "detach: CreateProcess failed: %lu\n",
		    GetLastError());
		return 255;
	}
	CloseHandle(pi.hThread);
	if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0 ||
	    !GetExitCodeProcess(pi.hProcess, &code)) {
		fprintf(stderr, "detach: the process did not end\n");
		TerminateProcess(pi.hProcess, 254);
		return 255;
	}
	CloseHandle(pi.hProcess);
	return (int)code;
}
