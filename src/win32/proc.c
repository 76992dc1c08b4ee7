/*
 * Child runs for --computer: this program started again for one computer,
 * its output and errors read into memory by a thread per pipe, so that a
 * child that writes much never blocks on a full pipe.  A child stopped at
 * --host-timeout may be stuck in the SMB redirector and slow to go: it is
 * terminated and left, never waited for.  Children belong to a job object
 * that ends them when this process ends (a scheduled task stopped for
 * running too long takes its children with it), where Windows allows it.
 */
#include <stdlib.h>
#include <string.h>

#include "w32.h"

/* A report larger than this is cut (a million files on one computer). */
#define CAPTURE_MAX ((size_t)512 * 1024 * 1024)
/* After a child ended: how long its pipes may take to drain. */
#define DRAIN_MS 5000

struct capture {
	HANDLE rd;
	char *buf;
	size_t len, cap;
	int cut;
};

struct plat_child {
	HANDLE proc;
	HANDLE thread[2];
	struct capture io[2];	/* standard output, standard error */
	int ended, left;	/* left: stopped, or its pipes never closed */
	DWORD code;
};

static HANDLE job;

static DWORD WINAPI
drain(LPVOID arg)
{
	struct capture *c = arg;
	char chunk[16384];
	DWORD got;

	while (ReadFile(c->rd, chunk, sizeof(chunk), &got, NULL) && got > 0) {
		if (c->len + got > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			char *nb;

			while (cap < c->len + got)
				cap *= 2;
			if (cap > CAPTURE_MAX || (nb = realloc(c->buf, cap)) ==
			    NULL) {
				c->cut = 1;
				continue;	/* read on, so the child can end */
			}
			c->buf = nb;
			c->cap = cap;
		}
		memcpy(c->buf + c->len, chunk, got);
		c->len += got;
	}
	return 0;
}

/* This program's own path, malloc'd. */
static WCHAR *
self_path(void)
{
	DWORD cap = MAX_PATH, n;
	WCHAR *p = NULL, *np;

	for (;;) {
		if ((np = realloc(p, cap * sizeof(WCHAR))) == NULL) {
			free(p);
			return NULL;
		}
		p = np;
		n = GetModuleFileNameW(NULL, p, cap);
		if (n == 0) {
			free(p);
			return NULL;
		}
		if (n < cap)
			return p;
		if (cap >= MAXNAME) {
			free(p);
			return NULL;
		}
		cap *= 2;
	}
}

/* The command line: the program's path in quotes, then each word quoted. */
static enum pst
command_line(const WCHAR *exe, const char *const *args, size_t n,
    WCHAR **out)
{
	char *exe8 = w_to_u8_dup(exe, wcslen(exe)), *line, *p;
	size_t len;
	enum pst r;

	if (exe8 == NULL)
		return nomem();
	len = strlen(exe8) + 3;
	for (size_t i = 0; i < n; i++)
		len += 1 + arg_quote(args[i], NULL);
	if ((line = malloc(len + 1)) == NULL) {
		free(exe8);
		return nomem();
	}
	/* argv[0] is taken to the next quotation mark: no escapes there */
	p = line;
	*p++ = '"';
	memcpy(p, exe8, strlen(exe8));
	p += strlen(exe8);
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		*p++ = ' ';
		p += arg_quote(args[i], p);
	}
	*p = '\0';
	free(exe8);
	r = u8_to_w_dup(line, out, NULL);
	free(line);
	return r == PST_BADNAME ? fail_text(PST_IO, "the command line is too "
	    "long") : r;
}

static void
child_close(struct plat_child *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->thread[i] != NULL)
			CloseHandle(c->thread[i]);
		if (c->io[i].rd != NULL)
			CloseHandle(c->io[i].rd);
		free(c->io[i].buf);
	}
	if (c->proc != NULL)
		CloseHandle(c->proc);
	free(c);
}

enum pst
plat_child_start(const char *const *args, size_t n, struct plat_child **cp)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	STARTUPINFOEXW si;
	PROCESS_INFORMATION pi;
	HANDLE wr[2] = { NULL, NULL }, nul, inherit[3];
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
	SIZE_T asize = 0;
	struct plat_child *c;
	WCHAR *exe = NULL, *line = NULL;
	DWORD flags = 0, e;
	enum pst r;
	BOOL ok;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return nomem();
	if ((exe = self_path()) == NULL) {
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
		goto fail;
	}
	if ((r = command_line(exe, args, n, &line)) != PST_OK)
		goto fail;
	for (int i = 0; i < 2; i++) {
		if (!CreatePipe(&c->io[i].rd, &wr[i], &sa, 0) ||
		    !SetHandleInformation(c->io[i].rd, HANDLE_FLAG_INHERIT, 0)) {
			r = oserr(E_WIN32, GetLastError(), C_OTHER);
			goto fail;
		}
	}
	nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ |
	    FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
	if (nul == INVALID_HANDLE_VALUE) {
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
		goto fail;
	}

	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si.StartupInfo);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = nul;
	si.StartupInfo.hStdOutput = wr[0];
	si.StartupInfo.hStdError = wr[1];
	/*
	 * Only these three handles are inherited (Vista and later): another
	 * child's pipe inherited here would keep that pipe open, and its
	 * reader waiting, as long as this child runs.
	 */
	inherit[0] = nul;
	inherit[1] = wr[0];
	inherit[2] = wr[1];
	InitializeProcThreadAttributeList(NULL, 1, 0, &asize);
	if (asize > 0 && (attrs = malloc(asize)) != NULL &&
	    InitializeProcThreadAttributeList(attrs, 1, 0, &asize) &&
	    UpdateProcThreadAttribute(attrs, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit, sizeof(inherit), NULL,
	    NULL)) {
		si.StartupInfo.cb = sizeof(si);
		si.lpAttributeList = attrs;
		flags |= EXTENDED_STARTUPINFO_PRESENT;
	}
	/*
	 * With a console, the children share it, and so Ctrl+C; without one
	 * (a scheduled task, a GUI shell) each would get a console window.
	 */
	if (GetConsoleWindow() == NULL)
		flags |= CREATE_NO_WINDOW;
	ok = CreateProcessW(exe, line, NULL, NULL, TRUE, flags, NULL, NULL,
	    &si.StartupInfo, &pi);
	e = GetLastError();
	if (flags & EXTENDED_STARTUPINFO_PRESENT)
		DeleteProcThreadAttributeList(attrs);
	free(attrs);
	CloseHandle(nul);
	for (int i = 0; i < 2; i++) {
		CloseHandle(wr[i]);	/* the child's ends: its alone now */
		wr[i] = NULL;
	}
	if (!ok) {
		r = oserr(E_WIN32, e, C_OTHER);
		goto fail;
	}
	CloseHandle(pi.hThread);
	c->proc = pi.hProcess;
	if (job == NULL && (job = CreateJobObjectW(NULL, NULL)) != NULL) {
		JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;

		memset(&li, 0, sizeof(li));
		li.BasicLimitInformation.LimitFlags =
		    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
		SetInformationJobObject(job, JobObjectExtendedLimitInformation,
		    &li, sizeof(li));
	}
	/* refused inside a job that allows no nesting (Windows 7): no harm */
	if (job != NULL)
		AssignProcessToJobObject(job, c->proc);
	for (int i = 0; i < 2; i++)
		if ((c->thread[i] = CreateThread(NULL, 64 * 1024, drain,
		    &c->io[i], 0, NULL)) == NULL) {
			r = oserr(E_WIN32, GetLastError(), C_OTHER);
			TerminateProcess(c->proc, 3);
			/* a reader already started uses c: it is left */
			free(exe);
			free(line);
			return r;
		}
	free(exe);
	free(line);
	*cp = c;
	return PST_OK;
fail:
	for (int i = 0; i < 2; i++)
		if (wr[i] != NULL)
			CloseHandle(wr[i]);
	free(exe);
	free(line);
	child_close(c);
	return r;
}

int
plat_child_wait(struct plat_child *const *c, size_t n, unsigned ms)
{
	HANDLE h[MAXIMUM_WAIT_OBJECTS];
	DWORD w;
	struct plat_child *x;

	if (n == 0 || n > MAXIMUM_WAIT_OBJECTS)
		return -1;
	for (size_t i = 0; i < n; i++)
		h[i] = c[i]->proc;
	w = WaitForMultipleObjects((DWORD)n, h, FALSE, ms);
	if (w >= WAIT_OBJECT_0 + n)
		return -1;
	x = c[w - WAIT_OBJECT_0];
	if (!GetExitCodeProcess(x->proc, &x->code))
		x->code = (DWORD)-1;
	/* what it wrote last is still in the pipes */
	if (WaitForMultipleObjects(2, x->thread, TRUE, DRAIN_MS) !=
	    WAIT_OBJECT_0) {
		/* a process it started holds a pipe: keep what was read */
		for (int i = 0; i < 2; i++)
			CancelSynchronousIo(x->thread[i]);
		if (WaitForMultipleObjects(2, x->thread, TRUE, 1000) !=
		    WAIT_OBJECT_0)
			x->left = 1;
	}
	x->ended = 1;
	return (int)(w - WAIT_OBJECT_0);
}

void
plat_child_stop(struct plat_child *c)
{
	TerminateProcess(c->proc, 3);	/* EXIT_NODIR, as reported */
	c->left = 1;
}

int
plat_child_result(struct plat_child *c, const char **out, size_t *outlen,
    const char **err, size_t *errlen)
{
	/* a child left running may still be writing: nothing is shown */
	int whole = c->ended && !c->left;

	if (out != NULL) {
		*out = whole ? c->io[0].buf : NULL;
		*outlen = whole ? c->io[0].len : 0;
	}
	if (err != NULL) {
		*err = whole ? c->io[1].buf : NULL;
		*errlen = whole ? c->io[1].len : 0;
	}
	return c->ended ? (int)c->code : -1;
}

void
plat_child_free(struct plat_child *c)
{
	if (c == NULL)
		return;
	/* its readers may still run: what they use is never freed */
	if (c->left && WaitForMultipleObjects(2, c->thread, TRUE, 0) !=
	    WAIT_OBJECT_0)
		return;
	child_close(c);
}
