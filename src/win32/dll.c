/*
 * advapi32 and RstrtMgr, loaded from the system directory on first use.
 */
#include <stdio.h>
#include <string.h>

#include "w32.h"

/*
 * DLLs loaded on first use.  advapi32 (the registry, the event log,
 * accounts, ACLs) and RstrtMgr (--holders) are not imported: imported,
 * every run loads them, and sechost with advapi32, before wmain, though a
 * --dir run needs neither.  And RstrtMgr is not a KnownDLL, so an import
 * of it is looked for next to the executable first: a RstrtMgr.dll
 * planted there would run in every mmpclean, SYSTEM's nightly task too.
 * Each is loaded once, by its full name in the system directory, and all
 * the functions used here are looked up then.  LOAD_LIBRARY_SEARCH_SYSTEM32
 * would say that in one flag, but Windows 7 without KB2533623 refuses it;
 * LOAD_WITH_ALTERED_SEARCH_PATH, which it has, makes the DLL's own imports
 * be looked for in the system directory rather than next to the executable.
 *
 * The functions' pointers have the types of the SDK's declarations, so
 * calls through them are checked as direct calls would be.  mingw-w64's
 * gcc links advapi32 by default: a direct call would still link, and
 * import the DLL again; tests/dist/check.sh catches that.
 */

union adv_funcs adv;
union rm_funcs rm;

static const char *const adv_names[] = { ADVAPI32_FUNCS(FUNC_NAME) };
static const char *const rm_names[] = { RSTRTMGR_FUNCS(FUNC_NAME) };
_Static_assert(sizeof(adv) == sizeof(adv.slot) &&
    sizeof(rm) == sizeof(rm.slot), "a function pointer has padding");

struct lib advapi32 = { L"advapi32.dll", adv_names, adv.slot,
	sizeof(adv_names) / sizeof(adv_names[0]), 0, "" };
struct lib rstrtmgr = { L"RstrtMgr.dll", rm_names, rm.slot,
	sizeof(rm_names) / sizeof(rm_names[0]), 0, "" };

/* Keeps "what: Win32 error N: text" in l->err for every later call. */
static enum pst
lib_fail(struct lib *l, const char *what, DWORD code)
{
	char msg[300];

	sysmsg(code, msg, sizeof(msg));
	snprintf(l->err, sizeof(l->err), "%s: Win32 error %lu%s%s", what,
	    (unsigned long)code, msg[0] ? ": " : "", msg);
	return fail_text(PST_IO, l->err);
}

/* PST_OK once l's functions can be called; else PST_IO, saying why. */
enum pst
lib_need(struct lib *l)
{
	WCHAR path[MAX_PATH + 32];
	char what[700], path8[600];
	size_t len = wcslen(l->file), i;
	HMODULE h;
	FARPROC p;
	DWORD e;
	UINT n;

	if (l->state > 0)
		return PST_OK;
	if (l->state < 0)
		return fail_text(PST_IO, l->err);
	l->state = -1;
	n = GetSystemDirectoryW(path, MAX_PATH);
	if (n == 0 || n >= MAX_PATH) {
		e = n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE;
		w_to_u8_fit(l->file, len, path8, sizeof(path8));
		snprintf(what, sizeof(what), "cannot load %s: no system "
		    "directory", path8);
		return lib_fail(l, what, e);
	}
	/* MAX_PATH - 1 units, a backslash and a short name fit. */
	path[n] = L'\\';
	memcpy(path + n + 1, l->file, (len + 1) * sizeof(WCHAR));
	w_to_u8_fit(path, n + 1 + len, path8, sizeof(path8));
	if ((h = LoadLibraryExW(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH)) ==
	    NULL) {
		e = GetLastError();
		snprintf(what, sizeof(what), "cannot load %s", path8);
		return lib_fail(l, what, e);
	}
	for (i = 0; i < l->n; i++) {
		if ((p = GetProcAddress(h, l->names[i])) == NULL) {
			e = GetLastError();
			FreeLibrary(h);
			snprintf(what, sizeof(what), "%s has no function %s",
			    path8, l->names[i]);
			return lib_fail(l, what, e);
		}
		/* FARPROC's one conversion: any function pointer may
		 * become void (*)(void), and back to its own type. */
		l->slot[i] = (void (*)(void))p;
	}
	l->state = 1;
	return PST_OK;
}
