/*
 * Standard output and error (a console gets UTF-16, anything else UTF-8),
 * and the --log file.
 */
#include <string.h>

#include "w32.h"

/*
 * Output.  A console gets UTF-16 through WriteConsoleW, unbuffered; a file
 * or pipe gets the UTF-8 bytes with LF as CRLF, stdout buffered.
 */
struct ostream {
	int init, bad, console, lastcr;
	int err;		/* a write failed: later output is dropped */
	HANDLE h;
	unsigned char pend[4];	/* console: a cut UTF-8 sequence */
	size_t npend;
	size_t n;
	char buf[16384];
};
static struct ostream streams[2];

static struct ostream *
ostream(enum plat_stream s)
{
	struct ostream *o = &streams[s == OUT_STDERR];
	DWORD mode;

	if (!o->init) {
		o->init = 1;
		o->h = GetStdHandle(s == OUT_STDERR ? STD_ERROR_HANDLE :
		    STD_OUTPUT_HANDLE);
		o->bad = o->h == NULL || o->h == INVALID_HANDLE_VALUE;
		o->console = !o->bad && GetConsoleMode(o->h, &mode);
	}
	return o;
}

static enum pst
raw_write(struct ostream *o, const char *p, size_t n)
{
	DWORD done, chunk;

	while (n > 0) {
		chunk = n > 1u << 20 ? 1u << 20 : (DWORD)n;
		if (!WriteFile(o->h, p, chunk, &done, NULL))
			return oserr(E_WIN32, GetLastError(), C_OTHER);
		if (done == 0 || done > chunk)
			return fail_text(PST_IO, "write made no progress");
		p += done;
		n -= done;
	}
	return PST_OK;
}

static enum pst
con_put(struct ostream *o, const WCHAR *w, size_t n)
{
	DWORD done;

	while (n > 0) {
		if (!WriteConsoleW(o->h, w, (DWORD)n, &done, NULL))
			return oserr(E_WIN32, GetLastError(), C_OTHER);
		if (done == 0 || done > n)
			return fail_text(PST_IO, "write made no progress");
		w += done;
		n -= done;
	}
	return PST_OK;
}

/* Appends cp to w as UTF-16 (a lone surrogate stays one unit). */
static size_t
put16(WCHAR *w, size_t nw, uint32_t cp)
{
	if (cp >= 0x10000) {
		w[nw++] = (WCHAR)(0xD800 + ((cp - 0x10000) >> 10));
		w[nw++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
	} else
		w[nw++] = (WCHAR)cp;
	return nw;
}

static enum pst
con_write(struct ostream *o, const unsigned char *s, size_t n)
{
	WCHAR w[4096];
	unsigned char t[8];
	size_t nw = 0, i = 0, tn, more;
	uint32_t cp;
	int k;

	/* Finish a sequence the previous call ended inside. */
	if (o->npend > 0) {
		tn = o->npend;
		more = n < 4 ? n : 4;
		memcpy(t, o->pend, tn);
		memcpy(t + tn, s, more);
		if ((k = dec8(t, tn + more, &cp)) == 0) {
			/* Incomplete, so tn + more < 4. */
			memcpy(o->pend, t, tn + more);
			o->npend = tn + more;
			return PST_OK;
		}
		o->npend = 0;
		if (k < 0)
			nw = put16(w, nw, 0xFFFD);
		else {
			nw = put16(w, nw, cp);
			i = (size_t)k - tn;
		}
	}
	while (i < n) {
		if ((k = dec8(s + i, n - i, &cp)) == 0) {
			memcpy(o->pend, s + i, n - i);
			o->npend = n - i;
			break;
		}
		if (k < 0) {
			cp = 0xFFFD;
			k = 1;
		}
		i += (size_t)k;
		nw = put16(w, nw, cp);
		if (nw >= sizeof(w) / sizeof(w[0]) - 2) {
			if (con_put(o, w, nw) != PST_OK)
				return PST_IO;
			nw = 0;
		}
	}
	return con_put(o, w, nw);
}

static enum pst
buf_flush(struct ostream *o)
{
	enum pst r;

	r = raw_write(o, o->buf, o->n);
	o->n = 0;	/* a failed write is dropped, not retried */
	if (r != PST_OK)
		o->err = 1;
	return r;
}

static enum pst
buf_write(struct ostream *o, const char *s, size_t n)
{
	const char *nl;
	size_t seg, room;

	while (n > 0) {
		nl = memchr(s, '\n', n);
		seg = nl != NULL ? (size_t)(nl - s) : n;
		while (seg > 0) {
			if ((room = sizeof(o->buf) - o->n) == 0) {
				if (buf_flush(o) != PST_OK)
					return PST_IO;
				continue;
			}
			if (room > seg)
				room = seg;
			memcpy(o->buf + o->n, s, room);
			o->n += room;
			o->lastcr = s[room - 1] == '\r';
			s += room;
			n -= room;
			seg -= room;
		}
		if (nl == NULL)
			break;
		if (sizeof(o->buf) - o->n < 2 && buf_flush(o) != PST_OK)
			return PST_IO;
		if (!o->lastcr)
			o->buf[o->n++] = '\r';
		o->buf[o->n++] = '\n';
		o->lastcr = 0;
		s++;
		n--;
	}
	return PST_OK;
}

enum pst
plat_write(enum plat_stream s, const char *utf8, size_t len)
{
	struct ostream *o = ostream(s);
	enum pst r;

	if (o->bad)
		return fail_text(PST_IO, "no standard handle");
	if (o->console)
		return con_write(o, (const unsigned char *)utf8, len);
	if (o->err)
		return fail_text(PST_IO, "an earlier write failed");
	/* Keep the order of stdout and stderr sent to one file. */
	if (s == OUT_STDERR)
		plat_flush(OUT_STDOUT);
	r = buf_write(o, utf8, len);
	if (s == OUT_STDERR && r == PST_OK)
		r = buf_flush(o);
	return r;
}

enum pst
plat_flush(enum plat_stream s)
{
	struct ostream *o = ostream(s);

	if (o->err)
		return fail_text(PST_IO, "an earlier write failed");
	/*
	 * No handle (DETACHED_PROCESS, some service launchers): a failure
	 * only when something had to be written, and plat_write said so;
	 * nothing is ever buffered for it.
	 */
	if (o->bad || o->console || o->n == 0)
		return PST_OK;
	return buf_flush(o);
}

int
plat_isconsole(enum plat_stream s)
{
	return ostream(s)->console;
}

/*
 * The --log file.  FILE_APPEND_DATA without FILE_WRITE_DATA makes every
 * WriteFile an append at the end of file, atomic against other writers, so
 * runs logging at once keep their lines whole: one line, one WriteFile.
 */
#define LOG_WAIT_MS	2000

struct plat_log {
	HANDLE h;
	HANDLE mutex;	/* one per log file, shared by every mmpclean */
};

enum pst
plat_log_open(const char *path, struct plat_log **lp)
{
	WCHAR *w;
	HANDLE h;
	DWORD e;
	enum pst r;

	*lp = NULL;
	if ((r = long_path(path, &w, NULL)) != PST_OK)
		return r;
	h = CreateFileW(w, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
	    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	e = GetLastError();
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return oserr(E_WIN32, e, C_OTHER);
	if ((*lp = malloc(sizeof(**lp))) == NULL) {
		CloseHandle(h);
		return nomem();
	}
	(*lp)->h = h;
	(*lp)->mutex = log_mutex(h);
	return PST_OK;
}

/*
 * Whether d's entry `name` is the log file itself: the same volume and file
 * index, whatever names it (another case, a hard link, another path to the
 * directory).  The open asks for attributes only, so it conflicts with no
 * one's share mode, and opens a link itself, never its target.
 */
int
plat_log_is(struct plat_log *l, struct plat_dir *d, const char *name)
{
	BY_HANDLE_FILE_INFORMATION a, b;
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	IO_STATUS_BLOCK io;
	HANDLE h;
	size_t nw;
	int same;

	if (l == NULL || entry_name(d, name, &nw) != PST_OK)
		return 0;
	us.Buffer = d->name16;
	us.Length = us.MaximumLength = (USHORT)(nw * sizeof(WCHAR));
	InitializeObjectAttributes(&oa, &us, 0, d->h, NULL);
	if (!NT_SUCCESS(NtCreateFile(&h, FILE_READ_ATTRIBUTES | SYNCHRONIZE,
	    &oa, &io, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, FILE_OPEN, FILE_NON_DIRECTORY_FILE |
	    FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0)))
		return 0;
	same = GetFileInformationByHandle(h, &a) &&
	    GetFileInformationByHandle(l->h, &b) &&
	    a.dwVolumeSerialNumber == b.dwVolumeSerialNumber &&
	    a.nFileIndexHigh == b.nFileIndexHigh &&
	    a.nFileIndexLow == b.nFileIndexLow;
	NtClose(h);
	return same;
}

/* Writes utf8 with LF as CRLF, like standard output, in one WriteFile. */
enum pst
plat_log_write(struct plat_log *l, const char *utf8, size_t len)
{
	size_t i, n = 0;
	DWORD done;
	char *b;
	enum pst r = PST_OK;
	int held = 0;

	if (len > 0x3FFFFFFF)
		return fail_text(PST_IO, "log line too long");
	if ((b = malloc(2 * len + 1)) == NULL)
		return nomem();
	for (i = 0; i < len; i++) {
		if (utf8[i] == '\n' && (i == 0 || utf8[i - 1] != '\r'))
			b[n++] = '\r';
		b[n++] = utf8[i];
	}
	/*
	 * A writer that died holding it (WAIT_ABANDONED) wrote whole lines.
	 * A run holds it for one WriteFile: whoever holds it for LOG_WAIT_MS
	 * is no mmpclean at work, so the mutex is dropped for the rest of the
	 * run (said once), and a line written anyway beats a line lost.
	 */
	if (l->mutex != NULL) {
		held = WaitForSingleObject(l->mutex, LOG_WAIT_MS) !=
		    WAIT_TIMEOUT;
		if (!held) {
			CloseHandle(l->mutex);
			l->mutex = NULL;
			log_mutex_timeout(LOG_WAIT_MS);
		}
	}
	if (n > 0 && !WriteFile(l->h, b, (DWORD)n, &done, NULL))
		r = oserr(E_WIN32, GetLastError(), C_OTHER);
	else if (n > 0 && done != n)
		r = fail_text(PST_IO, "short write to the log file");
	if (held)
		ReleaseMutex(l->mutex);
	free(b);
	return r;
}

void
plat_log_close(struct plat_log *l)
{
	if (l == NULL)
		return;
	if (l->mutex != NULL)
		CloseHandle(l->mutex);
	CloseHandle(l->h);
	free(l);
}

/*
 * --computers FILE (or standard input): read whole, at most max bytes.
 * The file is opened for reading and shared with writers, so a list an
 * editor has open can still be read.
 */
enum pst
plat_read_file(const char *path, size_t max, char **data, size_t *len)
{
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0;
	HANDLE h;
	WCHAR *w;
	DWORD got, e;
	enum pst r = PST_OK;

	*data = NULL;
	*len = 0;
	if (path == NULL)
		h = GetStdHandle(STD_INPUT_HANDLE);
	else {
		if ((r = long_path(path, &w, NULL)) != PST_OK)
			return r;
		h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ |
		    FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
		    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS, NULL);
		e = GetLastError();
		free(w);
		if (h == INVALID_HANDLE_VALUE)
			return oserr(E_WIN32, e, C_DIR);
		if (GetFileType(h) == FILE_TYPE_DISK) {
			BY_HANDLE_FILE_INFORMATION fi;

			if (GetFileInformationByHandle(h, &fi) &&
			    (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
				CloseHandle(h);
				return fail_text(PST_ISDIR, "is a directory");
			}
		}
	}
	if (h == NULL || h == INVALID_HANDLE_VALUE)
		return fail_text(PST_NOTFOUND, "no standard input");
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				r = PST_NOMEM;
				break;
			}
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				r = nomem();
				break;
			}
			buf = nb;
		}
		if (!ReadFile(h, buf + n, (DWORD)(cap - n), &got, NULL)) {
			e = GetLastError();
			/* a pipe whose writer is gone: the end of the input */
			if (e == ERROR_BROKEN_PIPE)
				break;
			r = oserr(E_WIN32, e, C_OTHER);
			break;
		}
		if (got == 0)
			break;
		n += got;
	}
	if (path != NULL)
		CloseHandle(h);
	if (r == PST_OK && n > max)
		r = PST_NOMEM;
	if (r != PST_OK) {
		free(buf);
		return r;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return nomem();
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return PST_OK;
}
