/*
 * The Application event log: the summary event, and registering the event
 * source "mmpclean".
 */
#include <stdlib.h>
#include <string.h>

#include "w32.h"

/*
 * The Application event log.  The message table compiled from mmpclean.mc
 * is in this executable, which the source's EventMessageFile names; its
 * message IDs carry no severity or facility bits, so an event's ID is
 * the one the manual gives, and the event type is given here.
 */
#define EVENT_SOURCE	L"mmpclean"
#define EVENT_KEY \
	L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\mmpclean"


enum pst
plat_event(int type, unsigned id, const char *text)
{
	static const WORD types[] = {
		EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE,
		EVENTLOG_ERROR_TYPE
	};
	LPCWSTR strings[1];
	WCHAR *w;
	HANDLE h;
	DWORD e;
	enum pst r = PST_OK;

	if (type < 0 || type > 2)
		return fail_text(PST_IO, "unknown event type");
	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = u8_to_w_dup(text, &w, NULL)) != PST_OK)
		return r;
	if ((h = adv.RegisterEventSourceW(NULL, EVENT_SOURCE)) == NULL) {
		e = GetLastError();
		free(w);
		return oserr(E_WIN32, e, C_OTHER);
	}
	strings[0] = w;
	if (!adv.ReportEventW(h, types[type], 0, id, NULL, 1, 0, strings, NULL))
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
	adv.DeregisterEventSource(h);
	free(w);
	return r;
}

/* This executable's full name, malloc'd, never truncated. */
static enum pst
module_path(WCHAR **out, size_t *outlen)
{
	WCHAR *buf = NULL, *nb;
	DWORD cap = MAX_PATH + 1, n;
	DWORD e;

	*out = NULL;
	for (;;) {
		if ((nb = realloc(buf, cap * sizeof(WCHAR))) == NULL) {
			free(buf);
			return nomem();
		}
		buf = nb;
		if ((n = GetModuleFileNameW(NULL, buf, cap)) == 0) {
			e = GetLastError();
			free(buf);
			return oserr(E_WIN32, e, C_OTHER);
		}
		/* A truncated name fills the buffer (its NUL too, on XP). */
		if (n < cap - 1)
			break;
		if (cap > MAXNAME) {
			free(buf);
			return fail_text(PST_IO, "executable name too long");
		}
		cap = cap * 2 > MAXNAME + 1 ? MAXNAME + 1 : cap * 2;
	}
	buf[n] = L'\0';
	*out = buf;
	*outlen = n;
	return PST_OK;
}

enum pst
plat_eventlog_install(int *existed)
{
	DWORD types = EVENTLOG_INFORMATION_TYPE | EVENTLOG_WARNING_TYPE |
	    EVENTLOG_ERROR_TYPE;
	WCHAR *exe;
	size_t len = 0;
	LSTATUS e;
	HKEY hk;
	DWORD disp = 0;
	enum pst r;

	*existed = 0;
	if ((r = lib_need(&advapi32)) != PST_OK ||
	    (r = module_path(&exe, &len)) != PST_OK)
		return r;
	e = adv.RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENT_KEY, 0, NULL,
	    REG_OPTION_NON_VOLATILE, KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &hk,
	    &disp);
	if (e == ERROR_SUCCESS) {
		*existed = disp == REG_OPENED_EXISTING_KEY;
		e = adv.RegSetValueExW(hk, L"EventMessageFile", 0,
		    REG_EXPAND_SZ, (const BYTE *)exe,
		    (DWORD)((len + 1) * sizeof(WCHAR)));
		if (e == ERROR_SUCCESS)
			e = adv.RegSetValueExW(hk, L"TypesSupported", 0,
			    REG_DWORD, (const BYTE *)&types, sizeof(types));
		adv.RegCloseKey(hk);
	}
	free(exe);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, C_OTHER);
}

enum pst
plat_eventlog_uninstall(void)
{
	LSTATUS e;
	enum pst r;

	if ((r = lib_need(&advapi32)) != PST_OK)
		return r;
	e = adv.RegDeleteKeyExW(HKEY_LOCAL_MACHINE, EVENT_KEY, KEY_WOW64_64KEY,
	    0);
	return e == ERROR_SUCCESS ? PST_OK :
	    oserr(E_WIN32, (unsigned long)e, C_REG);
}
