/*
 * --computer's report: each computer's own report, relayed whole as its
 * run wrote it, inside the fleet's header, JSON document and summary.  A
 * computer with no report of its own gets a line that says why, in every
 * format.  The writing itself (failures, the log) is out.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

/* A child's text with its line ends as this run writes them: "\n". */
static void
relay(enum plat_stream s, const char *text, size_t len)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			sb_add(&b, text + i, 1);
	out_put(s, &b);
	sb_free(&b);
}

void
rep_fleet_begin(const struct opts *o)
{
	struct sbuf b = { 0 };

	switch (o->format) {
	case FMT_CSV:
		sb_puts(&b, o->where ? CSV_HEAD_WHERE : CSV_HEAD_REPORT);
		break;
	case FMT_JSON:
		sb_puts(&b, "{\"mmpclean\":\"" MMPCLEAN_VERSION "\",");
		if (!o->where) {
			sb_printf(&b, "\"mode\":\"%s\",\"started\":\"",
			    o->delete ? "delete" : "report");
			sb_add_time(&b, out_now());
			sb_puts(&b, "\",");
		}
		sb_puts(&b, "\"computers\":[");
		break;
	default:
		break;
	}
	out_put(OUT_STDOUT, &b);
	sb_free(&b);
}

/*
 * A child's JSON is one line, one object, the report of one computer: it
 * goes into the fleet's document as it is.  Anything else (a run that
 * crashed half-way) would break the whole document, and is not relayed.
 */
static int
json_report_ok(const char *out, size_t len)
{
	static const char head[] = "{\"mmpclean\":";

	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		len--;
	return len > sizeof(head) && memcmp(out, head, sizeof(head) - 1) == 0 &&
	    out[len - 1] == '}' && memchr(out, '\n', len) == NULL &&
	    memchr(out, '\0', len) == NULL;
}

int
rep_fleet_host(const struct opts *o, const char *name, const char *out,
    size_t outlen, const char *err, size_t errlen, int status,
    const char *failure)
{
	struct sbuf b = { 0 }, line = { 0 }, unc = { 0 };

	relay(OUT_STDERR, err ? err : "", err ? errlen : 0);
	if (out == NULL)
		out = "", outlen = 0;	/* it wrote nothing */
	if (failure == NULL && o->format == FMT_JSON &&
	    !json_report_ok(out, outlen)) {
		failure = "its report could not be read (the run ended "
		    "before it was complete)";
		if (status < EXIT_FAILED)
			status = EXIT_FAILED;
	}
	if (failure == NULL) {
		size_t skip = 0;

		/* each child's CSV starts with the header this run gave */
		if (o->format == FMT_CSV) {
			while (skip < outlen && out[skip] != '\n')
				skip++;
			skip += skip < outlen;
		}
		if (o->format == FMT_JSON) {
			sb_puts(&b, out_json_next() ? "," : "");
			while (outlen > 0 && (out[outlen - 1] == '\n' ||
			    out[outlen - 1] == '\r'))
				outlen--;
			out_put(OUT_STDOUT, &b);
		}
		relay(OUT_STDOUT, out + skip, outlen - skip);
		sb_free(&b);
		return status;
	}
	/* no report of its own: the fleet says why, in every format */
	warnmsg("%s: %s", name, failure ? failure : "no report");
	sb_printf(&unc, "\\\\%s", name);
	switch (o->format) {
	case FMT_CSV:
		if (o->where) {
			sb_add_csv(&b, unc.s ? unc.s : "");
			sb_puts(&b, ",,");
		} else {
			sb_puts(&b, "error,");
			sb_add_csv(&b, unc.s ? unc.s : "");
			sb_puts(&b, ",,,");
			sb_add_csv(&b, failure ? failure : "no report");
			sb_puts(&b, ",");
		}
		sb_add_csv(&b, name);
		sb_puts(&b, "\n");
		break;
	case FMT_JSON:
		sb_puts(&b, out_json_next() ? ",{" : "{");
		out_json_str(&b, "computer", name);
		sb_puts(&b, ",");
		out_json_str(&b, "error", failure ? failure : "no report");
		sb_printf(&b, ",\"exit_status\":%d}", status);
		break;
	default:
		break;
	}
	out_put(OUT_STDOUT, &b);
	sb_printf(&line, "error     \\\\%s  (%s)\n", name, failure ? failure :
	    "no report");
	/* the text report has a line for it where its report would be */
	if (o->format == FMT_TEXT && !o->where)
		out_put(OUT_STDOUT, &line);
	/* the child's own log lines name it; this one is the fleet's */
	out_put_log(&line);
	sb_free(&b);
	sb_free(&line);
	sb_free(&unc);
	return status;
}

char *
rep_fleet_text(const struct fleet_counts *fc)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%lu computer%s: %lu clean, %lu locked, %lu failed, "
	    "%lu unreachable", fc->computers, fc->computers == 1 ? "" : "s",
	    fc->clean, fc->locked, fc->failed, fc->unreachable);
	if (fc->not_scanned > 0)
		sb_printf(&b, ", %lu not scanned (interrupted)",
		    fc->not_scanned);
	if (b.oom)
		sb_free(&b);
	return b.s;
}

int
rep_fleet_end(const struct opts *o, const struct fleet_counts *fc,
    int status)
{
	struct sbuf b = { 0 }, line = { 0 };
	char *text = rep_fleet_text(fc);

	switch (o->format) {
	case FMT_TEXT:
		if (!o->quiet && !o->where)
			sb_printf(&b, "%s\n", text ? text : "out of memory");
		break;
	case FMT_JSON:
		sb_printf(&b, "],\"summary\":{\"computers\":%lu,\"clean\":%lu,"
		    "\"locked\":%lu,\"failed\":%lu,\"unreachable\":%lu,"
		    "\"not_scanned\":%lu},\"exit_status\":%d}\n",
		    fc->computers, fc->clean, fc->locked, fc->failed,
		    fc->unreachable, fc->not_scanned, status);
		break;
	default:
		break;
	}
	out_put(OUT_STDOUT, &b);
	out_flush();
	if (!o->where) {
		sb_printf(&line, "fleet     %s\n", text ? text : "");
		out_put_log(&line);
	}
	free(text);
	sb_free(&b);
	sb_free(&line);
	return out_failed() > status ? out_failed() : status;
}
