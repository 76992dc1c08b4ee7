/*
 * --computer: many servers from one workstation.  Each computer is scanned
 * by a child run of this program (--one-computer NAME), so that a computer
 * that hangs in SMB holds up nothing but its own process, which is stopped
 * after --host-timeout.  At most --parallel run at once; their reports are
 * printed whole, one computer after another in the order given, then one
 * line for the fleet.  The exit status is the highest of every computer's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

/* A --computers file larger than this is not a list of names. */
#define HOSTS_FILE_MAX (1024 * 1024)
/* How often the wait looks up from the children, for Ctrl+C. */
#define POLL_MS 250

const char *
host_name_strip(const char *name)
{
	return name[0] == '\\' && name[1] == '\\' ? name + 2 : name;
}

/*
 * Names are checked before any computer is contacted: a name that is a
 * path, a drive, an IPv6 address or a typing slip would otherwise become
 * part of a \\NAME\C$ path.
 */
const char *
host_name_bad(const char *name)
{
	const char *s = host_name_strip(name);
	size_t n = strlen(s);

	if (n == 0)
		return "it is empty";
	if (n > 255)
		return "it is longer than 255 characters";
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return "it contains a control character";
		if (c == '\\' || c == '/')
			return c == '\\' ? "it contains '\\' (give the name "
			    "alone, not a path)" : "it contains '/' (give the "
			    "name alone, not a path)";
		if (c == ':')
			return "it contains ':' (a drive or an IPv6 address; "
			    "give a NetBIOS, DNS or IPv4 name)";
		if (c == ' ')
			return "it contains a space";
		if (strchr("*?\"<>|,;=%", c) != NULL)
			return "it contains a character no computer name has";
	}
	if (strstr(s, "..") != NULL)
		return "it contains '..'";
	if (strcmp(s, ".") == 0)
		return "'.' is not a computer name";
	if (s[0] == '-')
		return "it begins with '-' (an option where a name was "
		    "expected?)";
	return NULL;
}

/* Adds a name once: web01 and WEB01 are one computer. */
static int
host_add(struct hostlist *h, const char *name, size_t n)
{
	char **v, *s;

	if ((s = malloc(n + 1)) == NULL)
		return -1;
	memcpy(s, name, n);
	s[n] = '\0';
	for (size_t i = 0; i < h->n; i++)
		if (ascii_casecmp(h->v[i], s) == 0) {
			free(s);	/* the same name, in another case */
			return 0;
		}
	if ((v = realloc(h->v, (h->n + 1) * sizeof(*v))) == NULL) {
		free(s);
		return -1;
	}
	h->v = v;
	h->v[h->n++] = s;
	return 0;
}

void
hostlist_free(struct hostlist *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* One UTF-16 unit of a file's bytes, little- or big-endian. */
static unsigned
unit16(const unsigned char *p, int be)
{
	return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/*
 * A names file as Windows tools write it: UTF-8 (with or without a byte
 * order mark) or, from PowerShell 5's Out-File and Notepad's "Unicode",
 * UTF-16 with one.  Returns malloc'd UTF-8, or NULL with *why.
 */
char *
hosts_decode(const char *data, size_t len, const char **why)
{
	const unsigned char *p = (const unsigned char *)data;
	struct sbuf b = { 0 };
	int be;

	if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) ||
	    (p[0] == 0xFE && p[1] == 0xFF))) {
		be = p[0] == 0xFE;
		if (len % 2 != 0)
			return *why = "is UTF-16 with an odd number of bytes",
			    NULL;
		for (size_t i = 2; i < len; i += 2) {
			unsigned long c = unit16(p + i, be);
			char u[4];

			if (c >= 0xD800 && c < 0xDC00 && i + 3 < len &&
			    unit16(p + i + 2, be) >= 0xDC00 &&
			    unit16(p + i + 2, be) < 0xE000) {
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (unit16(p + i + 2, be) - 0xDC00);
				i += 2;
			} else if (c >= 0xD800 && c < 0xE000) {
				sb_free(&b);
				return *why = "is UTF-16 with a broken surrogate "
				    "pair", NULL;
			}
			if (c == 0) {
				sb_free(&b);
				return *why = "contains a NUL character", NULL;
			}
			if (c < 0x80) {
				u[0] = (char)c;
				sb_add(&b, u, 1);
			} else if (c < 0x800) {
				u[0] = (char)(0xC0 | c >> 6);
				u[1] = (char)(0x80 | (c & 0x3F));
				sb_add(&b, u, 2);
			} else if (c < 0x10000) {
				u[0] = (char)(0xE0 | c >> 12);
				u[1] = (char)(0x80 | (c >> 6 & 0x3F));
				u[2] = (char)(0x80 | (c & 0x3F));
				sb_add(&b, u, 3);
			} else {
				u[0] = (char)(0xF0 | c >> 18);
				u[1] = (char)(0x80 | (c >> 12 & 0x3F));
				u[2] = (char)(0x80 | (c >> 6 & 0x3F));
				u[3] = (char)(0x80 | (c & 0x3F));
				sb_add(&b, u, 4);
			}
		}
	} else {
		if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
			p += 3;
			len -= 3;
		}
		if (memchr(p, '\0', len) != NULL)
			return *why = "contains NUL bytes (UTF-16 without a "
			    "byte order mark? save it as UTF-8)", NULL;
		sb_add(&b, (const char *)p, len);
	}
	if (b.s == NULL && !b.oom)
		sb_add(&b, "", 0);
	if (b.oom || b.s == NULL) {
		sb_free(&b);
		return *why = "is too large (out of memory)", NULL;
	}
	return b.s;
}

/* --computers FILE: one name a line, # comments, blank lines skipped. */
static int
hosts_file(const struct opts *o, struct hostlist *h, char *err,
    size_t errlen)
{
	const char *shown = o->computers_file, *why = NULL;
	char *data = NULL, *text, *line, *next;
	size_t len = 0;
	unsigned long lineno = 0;
	enum pst st;

	st = plat_read_file(o->hosts_path, HOSTS_FILE_MAX, &data, &len);
	if (st != PST_OK) {
		snprintf(err, errlen, "--computers '%s': %s", shown,
		    st == PST_NOTFOUND || st == PST_GONE ? "no such file" :
		    st == PST_DENIED ? "access denied" : st == PST_NOMEM ?
		    "is larger than 1 MiB, too large for a list of names" :
		    st == PST_ISDIR || st == PST_NOTDIR ? "is a directory" :
		    plat_lasterror());
		return EXIT_USAGE;
	}
	text = hosts_decode(data, len, &why);
	free(data);
	if (text == NULL) {
		snprintf(err, errlen, "--computers '%s' %s", shown, why);
		return EXIT_USAGE;
	}
	for (line = text; line != NULL; line = next) {
		char *end;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((end = strchr(line, '#')) != NULL)
			*end = '\0';
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			*--end = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0')
			continue;
		if ((why = host_name_bad(line)) != NULL) {
			snprintf(err, errlen, "--computers '%s' line %lu: "
			    "'%.80s%s' is not a computer name: %s", shown,
			    lineno, line, strlen(line) > 80 ? "..." : "", why);
			free(text);
			return EXIT_USAGE;
		}
		line = (char *)host_name_strip(line);
		if (host_add(h, line, strlen(line)) != 0) {
			free(text);
			snprintf(err, errlen, "out of memory");
			return EXIT_USAGE;
		}
	}
	free(text);
	if (h->n == 0) {
		snprintf(err, errlen, "--computers '%s' names no computer",
		    shown);
		return EXIT_USAGE;
	}
	return 0;
}

int
hosts_collect(const struct opts *o, struct hostlist *h, char *err,
    size_t errlen)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < o->ncomputers; i++)
		for (const char *p = o->computers[i];;) {
			const char *name = host_name_strip(p);
			size_t n = strcspn(name, ",");

			/* opts_parse has checked every name */
			if (host_add(h, name, n) != 0) {
				snprintf(err, errlen, "out of memory");
				return EXIT_USAGE;
			}
			p = name + n;
			if (*p++ == '\0')
				break;
		}
	if (o->computers_file != NULL)
		return hosts_file(o, h, err, errlen);
	return 0;
}

/* One computer's run: started, running, ended. */
struct host {
	const char *name;
	struct plat_child *c;
	uint64_t deadline;	/* plat_ms() */
	int state;		/* 0 waiting, 1 running, 2 ended */
	int not_scanned;	/* never started: Ctrl+C came first */
	int status;
	char *failure;		/* why there is no report of its own */
};

static void
host_failed(struct host *x, int status, const char *why)
{
	x->state = 2;
	x->status = status;
	x->failure = xstrdup(why);
}

/* The child's words: this run's, less the fleet's own, and the name. */
static int
host_start(const struct opts *o, struct host *x)
{
	const char **args;
	size_t n = 0;
	struct sbuf why = { 0 };
	enum pst st;

	if ((args = calloc((size_t)o->argc + 2, sizeof(*args))) == NULL) {
		host_failed(x, EXIT_FAILED, "out of memory");
		return -1;
	}
	for (int i = 1; i < o->argc; i++)
		if (!o->fleet_word[i])
			args[n++] = o->argv[i];
	args[n++] = "--one-computer";
	args[n++] = x->name;
	st = plat_child_start(args, n, &x->c);
	free(args);
	if (st != PST_OK) {
		sb_printf(&why, "cannot start mmpclean for it: %s",
		    st == PST_NOMEM ? "out of memory" : plat_lasterror());
		host_failed(x, EXIT_NODIR, why.s ? why.s : "cannot start");
		sb_free(&why);
		return -1;
	}
	x->state = 1;
	x->deadline = plat_ms() + (uint64_t)o->host_timeout * 1000;
	return 0;
}

/* A child that has ended: its status, as the fleet counts it. */
static void
host_ended(struct host *x)
{
	struct sbuf why = { 0 };
	int status = plat_child_result(x->c, NULL, NULL, NULL, NULL);

	x->state = 2;
	x->status = status;
	if (status >= EXIT_CLEAN && status <= EXIT_NODIR)
		return;
	/* 4 cannot happen (the words were checked here); a crash can */
	sb_printf(&why, "its mmpclean ended abnormally (exit status %d)",
	    status);
	x->status = EXIT_FAILED;
	x->failure = why.s;
}

/* One computer's report, relayed whole; then it is counted. */
static int
host_report(const struct opts *o, struct host *x, struct fleet_counts *fc,
    int ret)
{
	const char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	int status = x->status;

	if (x->c != NULL)
		(void)plat_child_result(x->c, &out, &outlen, &err, &errlen);
	status = rep_fleet_host(o, x->name, out, outlen, err, errlen, status,
	    x->failure);
	if (x->not_scanned)
		fc->not_scanned++;
	else if (status == EXIT_CLEAN)
		fc->clean++;
	else if (status == EXIT_LOCKED)
		fc->locked++;
	else if (status == EXIT_FAILED)
		fc->failed++;
	else
		fc->unreachable++;
	fc->computers++;
	if (x->c != NULL)
		plat_child_free(x->c);
	x->c = NULL;
	free(x->failure);
	x->failure = NULL;
	return ret > status ? ret : status;
}

int
fleet_run(const struct opts *o, const struct hostlist *h,
    struct fleet_counts *fc)
{
	struct host *x;
	struct plat_child **run;
	size_t *runidx, nrun = 0, next = 0, shown = 0;
	int ret = EXIT_CLEAN, stopped = 0;

	memset(fc, 0, sizeof(*fc));
	x = calloc(h->n, sizeof(*x));
	run = calloc(o->parallel, sizeof(*run));
	runidx = calloc(o->parallel, sizeof(*runidx));
	if (x == NULL || run == NULL || runidx == NULL) {
		free(x);
		free(run);
		free(runidx);
		warnmsg("out of memory");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < h->n; i++)
		x[i].name = h->v[i];
	rep_fleet_begin(o);

	while (shown < h->n) {
		uint64_t now, soonest;
		unsigned ms;
		int k;

		if (plat_interrupted() && !stopped) {
			stopped = 1;	/* no computer is started after Ctrl+C */
			for (size_t i = next; i < h->n; i++) {
				host_failed(&x[i], EXIT_FAILED,
				    "not scanned: interrupted");
				x[i].not_scanned = 1;
			}
			next = h->n;
		}
		while (nrun < o->parallel && next < h->n) {
			if (host_start(o, &x[next]) == 0) {
				run[nrun] = x[next].c;
				runidx[nrun++] = next;
			}
			next++;
		}
		/* reports in the order given, each as soon as it can be */
		while (shown < h->n && x[shown].state == 2) {
			ret = host_report(o, &x[shown], fc, ret);
			shown++;
		}
		if (nrun == 0)
			continue;

		now = plat_ms();
		soonest = UINT64_MAX;
		for (size_t i = 0; i < nrun; i++)
			if (x[runidx[i]].deadline < soonest)
				soonest = x[runidx[i]].deadline;
		ms = soonest <= now ? 0 : soonest - now > POLL_MS ? POLL_MS :
		    (unsigned)(soonest - now);
		k = plat_child_wait(run, nrun, ms);
		if (k >= 0) {
			host_ended(&x[runidx[k]]);
		} else {
			now = plat_ms();
			for (k = 0; k < (int)nrun; k++)
				if (x[runidx[k]].deadline <= now)
					break;
			if (k == (int)nrun)
				continue;
			{
				struct sbuf why = { 0 };
				struct host *t = &x[runidx[k]];

				plat_child_stop(t->c);
				sb_printf(&why, "no answer within %u s "
				    "(--host-timeout); stopped",
				    o->host_timeout);
				host_failed(t, EXIT_NODIR, why.s ? why.s :
				    "no answer; stopped");
				sb_free(&why);
			}
		}
		run[k] = run[nrun - 1];
		runidx[k] = runidx[--nrun];
	}
	free(x);
	free(run);
	free(runidx);
	return ret;
}
