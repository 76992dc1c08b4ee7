/*
 * Everything mmpclean prints.  The report goes to standard output as text,
 * CSV or JSON, written as it goes so memory stays flat; the --log file gets
 * timestamped text lines; messages go to standard error, "mmpclean: " first.
 * A report or log that cannot be written is said once on standard error
 * and makes the exit status at least 2, and the cleanup goes on.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

#define PROGRESS_MS 250

static struct {
	const struct opts *o;
	int64_t now;
	int stdout_failed, log_failed;
	struct plat_log *log;
	unsigned long ndirs, nfiles;	/* JSON: objects written so far */
	int progress_on;
	size_t progress_len;
	uint64_t progress_last;
	char *computer;		/* the computer the report is about, or NULL */
	const char *host;	/* --one-computer: said in messages and the log */
	int fleet;		/* --computer: the reports are the children's */
} st;

void
out_put(enum plat_stream s, const struct sbuf *b)
{
	const char *msg = "mmpclean: out of memory while formatting output\n";

	if (b->oom) {
		plat_write(OUT_STDERR, msg, strlen(msg));
		if (s == OUT_STDOUT)
			st.stdout_failed = 1;
		return;
	}
	if (s == OUT_STDOUT && st.stdout_failed)
		return;
	/* no standard handle is a failure only when there is text for it */
	if (b->len == 0)
		return;
	if (plat_write(s, b->s, b->len) != PST_OK && s == OUT_STDOUT) {
		st.stdout_failed = 1;
		warnmsg("cannot write to standard output: %s",
		    plat_lasterror());
	}
}

/* What is buffered goes out now: a full or closed output shows here. */
void
out_flush(void)
{
	if (!st.stdout_failed && plat_flush(OUT_STDOUT) != PST_OK) {
		st.stdout_failed = 1;
		warnmsg("cannot write to standard output: %s",
		    plat_lasterror());
	}
}

void
out_put_log(struct sbuf *line)
{
	struct sbuf b = { 0 };

	if (st.log == NULL || st.log_failed)
		return;
	sb_add_time(&b, plat_time());
	sb_printf(&b, " mmpclean[%lu] ", plat_pid());
	if (st.host != NULL)
		sb_printf(&b, "%s: ", st.host);
	sb_add(&b, line->s ? line->s : "", line->len);
	if (b.oom || plat_log_write(st.log, b.s, b.len) != PST_OK) {
		st.log_failed = 1;
		warnmsg("cannot write to log file '%s': %s", st.o->log,
		    b.oom ? "out of memory" : plat_lasterror());
	}
	sb_free(&b);
	rep_notices();
}

/* What the backend has to say that is no failure, each thing once. */
void
rep_notices(void)
{
	const char *t;

	while ((t = plat_notice()) != NULL)
		warnmsg("%s", t);
}

static void
progress_clear(void)
{
	static const char spaces[] = "                                        "
	    "                                        ";
	struct sbuf b = { 0 };

	if (st.progress_len == 0)
		return;
	sb_puts(&b, "\r");
	sb_add(&b, spaces, st.progress_len < sizeof(spaces) - 1 ?
	    st.progress_len : sizeof(spaces) - 1);
	sb_puts(&b, "\r");
	out_put(OUT_STDERR, &b);
	sb_free(&b);
	st.progress_len = 0;
}

/* The computer column that ends every CSV row. */
static void
csv_computer(struct sbuf *b)
{
	sb_puts(b, ",");
	sb_add_csv(b, st.computer ? st.computer : "");
	sb_puts(b, "\n");
}

int
rep_begin(const struct opts *o, int64_t now)
{
	struct sbuf b = { 0 };
	enum pst ps;

	memset(&st, 0, sizeof(st));
	st.o = o;
	st.now = now;
	st.fleet = o->ncomputers > 0 || o->computers_file != NULL;
	st.host = o->host;
	if (o->host != NULL)
		st.computer = xstrdup(o->host);
	else if (!st.fleet && plat_computer_name(&st.computer) != PST_OK)
		st.computer = NULL;	/* unknown: null in JSON, empty in CSV */
	st.progress_on = o->format == FMT_TEXT && !o->quiet && !o->where &&
	    plat_isconsole(OUT_STDERR) && !plat_isconsole(OUT_STDOUT);
	if (o->log != NULL && (ps = plat_log_open(o->log, &st.log)) != PST_OK) {
		st.log = NULL;
		st.log_failed = 1;
		warnmsg("cannot open log file '%s': %s", o->log,
		    ps == PST_DENIED ? "access denied" :
		    ps == PST_NOTFOUND || ps == PST_GONE ?
		    "its directory does not exist" : plat_lasterror());
	}
	rep_notices();
	switch (st.fleet ? FMT_TEXT : o->format) {
	case FMT_CSV:
		sb_puts(&b, o->where ? CSV_HEAD_WHERE : CSV_HEAD_REPORT);
		break;
	case FMT_JSON:
		sb_puts(&b, "{\"mmpclean\":\"" MMPCLEAN_VERSION "\",");
		out_json_str(&b, "computer", st.computer);
		sb_puts(&b, ",");
		if (!o->where) {
			sb_printf(&b, "\"mode\":\"%s\",\"started\":\"",
			    o->delete ? "delete" : "report");
			sb_add_time(&b, now);
			sb_puts(&b, "\",");
		}
		sb_puts(&b, "\"directories\":[");
		break;
	default:
		break;
	}
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
	return st.log_failed ? -1 : 0;
}

void
out_json_str(struct sbuf *b, const char *key, const char *val)
{
	sb_printf(b, "\"%s\":", key);
	if (val == NULL) {
		sb_puts(b, "null");
		return;
	}
	sb_puts(b, "\"");
	sb_add_json(b, val);
	sb_puts(b, "\"");
}

void
rep_where(const struct cand *c)
{
	struct sbuf b = { 0 };
	char *src = src_describe(c->src);
	const char *s = src ? src : "";

	switch (st.o->format) {
	case FMT_TEXT:
	case FMT_CSV:
		if (c->error != NULL)
			break;		/* said on standard error */
		if (st.o->format == FMT_TEXT) {
			sb_add_display(&b, c->path);
			sb_printf(&b, "  (%s)\n", s);
			break;
		}
		sb_add_csv(&b, c->path);
		sb_puts(&b, ",");
		sb_add_csv(&b, s);
		csv_computer(&b);
		break;
	case FMT_JSON:
		sb_puts(&b, st.ndirs++ ? ",{" : "{");
		out_json_str(&b, "path", c->path);
		sb_puts(&b, ",");
		out_json_str(&b, "source", s);
		sb_puts(&b, ",");
		out_json_str(&b, "error", c->error);
		sb_puts(&b, "}");
		break;
	}
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
	free(src);
}

void
rep_dir_begin(const struct cand *c)
{
	struct sbuf b = { 0 };
	char *src;

	if (st.o->format != FMT_JSON)
		return;
	src = src_describe(c->src);
	sb_puts(&b, st.ndirs++ ? ",{" : "{");
	out_json_str(&b, "path", c->path);
	sb_puts(&b, ",");
	out_json_str(&b, "source", src ? src : "");
	sb_puts(&b, ",\"files\":[");
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
	free(src);
	st.nfiles = 0;
}

/* A directory that could not be resolved: in the report, as a failure. */
void
rep_dir_failed(const struct cand *c)
{
	struct counts none = { 0 };

	rep_dir_begin(c);
	rep_dir_end(c, c->error, &none);
}

void
rep_file(const struct cand *c, const char *status,
    const struct plat_entry *e, const char *reason, int problem)
{
	struct sbuf b = { 0 }, path = { 0 }, line = { 0 };

	/* --quiet with nothing to log: the common unattended run, per file */
	if (st.o->format == FMT_TEXT && st.o->quiet && !problem &&
	    (st.log == NULL || st.log_failed))
		return;
	progress_clear();
	sb_add_path(&path, c->path, e->name);
	sb_printf(&line, "%-9s ", status);
	sb_add_display(&line, path.s ? path.s : "");
	if (reason != NULL)
		sb_printf(&line, "  (%s)", reason);
	sb_puts(&line, "\n");

	switch (st.o->format) {
	case FMT_TEXT:
		if (!st.o->quiet || problem)
			out_put(OUT_STDOUT, &line);
		break;
	case FMT_CSV:
		sb_printf(&b, "%s,", status);
		{
			struct sbuf shown = { 0 };

			sb_add_display(&shown, path.s ? path.s : "");
			sb_add_csv(&b, shown.s ? shown.s : "");
			sb_free(&shown);
		}
		sb_printf(&b, ",%llu,", (unsigned long long)e->size);
		sb_add_time(&b, e->mtime);
		sb_puts(&b, ",");
		sb_add_csv(&b, reason ? reason : "");
		csv_computer(&b);
		out_put(OUT_STDOUT, &b);
		break;
	case FMT_JSON:
		sb_puts(&b, st.nfiles++ ? ",{" : "{");
		out_json_str(&b, "status", status);
		sb_puts(&b, ",");
		out_json_str(&b, "path", path.s ? path.s : "");
		sb_printf(&b, ",\"size\":%llu,\"last_write\":\"",
		    (unsigned long long)e->size);
		sb_add_time(&b, e->mtime);
		sb_puts(&b, "\",");
		out_json_str(&b, "reason", reason);
		sb_puts(&b, "}");
		out_put(OUT_STDOUT, &b);
		break;
	}
	if (strcmp(status, "young") != 0)
		out_put_log(&line);
	sb_free(&b);
	sb_free(&path);
	sb_free(&line);
}

static void
counts_text(struct sbuf *b, const struct counts *n)
{
	unsigned long files = counts_files(n);

	sb_printf(b, "%lu .mmp file%s", files, files == 1 ? "" : "s");
}

static void
counts_rest(struct sbuf *b, const struct counts *n)
{
	sb_printf(b, "%lu %s, %lu locked, %lu read-only, %lu skipped, "
	    "%lu error%s", n->done, st.o->delete ? "deleted" : "unlocked",
	    n->locked, n->readonly, n->skipped, n->errors,
	    n->errors == 1 ? "" : "s");
	if (n->pending > 0)
		sb_printf(b, ", %lu pending", n->pending);
	if (st.o->older_than >= 0)
		sb_printf(b, ", %lu young", n->young);
	if (st.o->reboot)
		sb_printf(b, ", %lu scheduled", n->scheduled);
}

/* After the counts: the directories that could not be scanned, if any. */
static void
dir_errors_text(struct sbuf *b, const struct run *r)
{
	if (r->dir_errors > 0)
		sb_printf(b, "; %lu director%s could not be scanned",
		    r->dir_errors, r->dir_errors == 1 ? "y" : "ies");
}

void
rep_dir_end(const struct cand *c, const char *error, const struct counts *n)
{
	struct sbuf b = { 0 }, line = { 0 };

	progress_clear();
	if (st.o->format == FMT_JSON) {
		sb_puts(&b, "],");
		out_json_str(&b, "error", error);
		sb_puts(&b, "}");
		out_put(OUT_STDOUT, &b);
	}
	/* CSV: a row for the directory, its status "error" */
	if (st.o->format == FMT_CSV && error != NULL) {
		sb_puts(&b, "error,");
		sb_add_csv(&b, c->path ? c->path : "");
		sb_puts(&b, ",,,");
		sb_add_csv(&b, error);
		csv_computer(&b);
		out_put(OUT_STDOUT, &b);
	}
	if (error != NULL)
		sb_puts(&line, "error     "), sb_add_display(&line,
		    c->path ? c->path : ""),
		    sb_printf(&line, "  (%s)\n", error);
	else {
		sb_puts(&line, "summary   ");
		sb_add_display(&line, c->path);
		sb_puts(&line, ": ");
		counts_text(&line, n);
		sb_puts(&line, ": ");
		counts_rest(&line, n);
		sb_puts(&line, "\n");
	}
	out_put_log(&line);
	sb_free(&b);
	sb_free(&line);
}

void
rep_progress(const struct counts *n, unsigned long seen)
{
	struct sbuf b = { 0 };
	uint64_t now;

	if (!st.progress_on)
		return;
	now = plat_ms();
	if (st.progress_last != 0 && now - st.progress_last < PROGRESS_MS)
		return;
	st.progress_last = now ? now : 1;
	sb_printf(&b, "\r%lu files seen, %lu %s, %lu locked", seen, n->done,
	    st.o->delete ? "deleted" : "unlocked", n->locked);
	if (b.len - 1 < st.progress_len)	/* cover a longer line */
		sb_printf(&b, "%*s", (int)(st.progress_len - (b.len - 1)), "");
	out_put(OUT_STDERR, &b);
	st.progress_len = b.len - 1;
	sb_free(&b);
}

void
rep_end(const struct run *r, int status)
{
	const struct counts *total = &r->total;
	struct sbuf b = { 0 };

	progress_clear();
	switch (st.o->format) {
	case FMT_TEXT:
		if (st.o->quiet || st.o->where)
			break;
		if (st.host != NULL)
			sb_printf(&b, "%s: ", st.host);	/* its summary */
		counts_text(&b, total);
		sb_printf(&b, " in %lu director%s: ", r->dirs,
		    r->dirs == 1 ? "y" : "ies");
		counts_rest(&b, total);
		dir_errors_text(&b, r);
		sb_puts(&b, "\n");
		if (r->nservices > 0) {
			sb_puts(&b, "locked files are held by services:");
			for (size_t i = 0; i < r->nservices; i++)
				sb_printf(&b, " %s", r->services[i]);
			sb_puts(&b, "; restarting them releases the files\n");
		}
		break;
	case FMT_CSV:
		break;
	case FMT_JSON:
		sb_puts(&b, "]");
		if (!st.o->where) {
			sb_printf(&b, ",\"summary\":{\"files\":%lu,"
			    "\"directories\":%lu,\"%s\":%lu,\"locked\":%lu,"
			    "\"pending\":%lu,\"read_only\":%lu,\"skipped\":%lu,"
			    "\"errors\":%lu,\"young\":%lu,\"scheduled\":%lu,"
			    "\"directory_errors\":%lu,\"services\":[",
			    counts_files(total), r->dirs,
			    st.o->delete ? "deleted" : "unlocked", total->done,
			    total->locked, total->pending, total->readonly,
			    total->skipped, total->errors, total->young,
			    total->scheduled, r->dir_errors);
			for (size_t i = 0; i < r->nservices; i++) {
				sb_puts(&b, i ? ",\"" : "\"");
				sb_add_json(&b, r->services[i]);
				sb_puts(&b, "\"");
			}
			sb_puts(&b, "]}");
		}
		sb_printf(&b, ",\"exit_status\":%d}\n", status);
		break;
	}
	out_put(OUT_STDOUT, &b);
	out_flush();		/* before the event and the log's last line */
	sb_free(&b);
}

/*
 * The log's last line, after the report's end was flushed and the event
 * sent, so that it carries the status the process returns.
 */
void
rep_end_log(int status)
{
	struct sbuf line = { 0 };

	if (st.o == NULL || st.o->where)
		return;
	sb_printf(&line, "finished  exit status %d\n", status);
	out_put_log(&line);
	sb_free(&line);
}

/* The one line --eventlog records: the summary and the exit status. */
char *
rep_summary_text(const struct run *r, int status)
{
	struct sbuf b = { 0 };

	counts_text(&b, &r->total);
	sb_printf(&b, " in %lu director%s: ", r->dirs,
	    r->dirs == 1 ? "y" : "ies");
	counts_rest(&b, &r->total);
	dir_errors_text(&b, r);
	if (r->nservices > 0) {
		sb_puts(&b, "; held by services:");
		for (size_t i = 0; i < r->nservices; i++)
			sb_printf(&b, " %s", r->services[i]);
	}
	sb_printf(&b, "; exit status %d", status);
	if (b.oom)
		sb_free(&b);
	return b.s;
}

void
out_text(const char *text)
{
	struct sbuf b = { 0 };

	sb_puts(&b, text);
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
}

void
out_printf(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
}

void
out_err(const char *text)
{
	struct sbuf b = { 0 };

	sb_puts(&b, text);
	out_put(OUT_STDERR, &b);
	sb_free(&b);
}

void
warnmsg(const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	progress_clear();
	sb_puts(&b, "mmpclean: ");
	if (st.host != NULL)
		sb_puts(&b, st.host), sb_puts(&b, ": ");
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	sb_puts(&b, "\n");
	out_put(OUT_STDERR, &b);
	sb_free(&b);
}

/* The entry `name` of d is this run's own --log file. */
int
out_log_is(struct plat_dir *d, const char *name)
{
	return st.log != NULL && plat_log_is(st.log, d, name);
}

int
out_failed(void)
{
	return st.stdout_failed || st.log_failed ? EXIT_FAILED : EXIT_CLEAN;
}

int
out_finish(void)
{
	int failed;

	out_flush();
	plat_flush(OUT_STDERR);
	if (st.log != NULL)
		plat_log_close(st.log);
	failed = st.stdout_failed || st.log_failed;
	free(st.computer);
	memset(&st, 0, sizeof(st));
	return failed ? EXIT_FAILED : EXIT_CLEAN;
}

/* ---- for out_fleet.c, which writes the fleet's report ---- */

/* The run's start, as JSON's "started" says it. */
int64_t
out_now(void)
{
	return st.now;
}

/* JSON: how many objects came before the one about to be written. */
unsigned long
out_json_next(void)
{
	return st.nfiles++;
}
