/*
 * mmpclean: find the *.mmp files that Extended MAPI and CDO leave behind
 * (Q166599, Q214712), probe each for a lock, delete the free ones or
 * report them.  Per-file problems are counted and survived; the exit
 * status is worked out once, at the end, from the counts.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

#ifndef MMPCLEAN_VERSION
#define MMPCLEAN_VERSION "unknown"
#endif

static int
max(int a, int b)
{
	return a > b ? a : b;
}

/*
 * --eventlog: one event per run.  The IDs are documented in the manual;
 * the message table in mmpclean.mc gives them their text.
 */
static int
report_event(char *text, int status)
{
	int type = status == EXIT_CLEAN ? 0 : status == EXIT_LOCKED ? 1 : 2;
	enum pst st;

	if (text == NULL) {
		warnmsg("out of memory");
		return EXIT_FAILED;
	}
	st = plat_event(type, EVENT_RUN_CLEAN + (unsigned)type, text);
	free(text);
	if (st == PST_OK)
		return EXIT_CLEAN;
	warnmsg("cannot write to the Application event log: %s",
	    st == PST_DENIED ? "access denied" : plat_lasterror());
	return EXIT_FAILED;
}

/* --computer: every computer scanned by a run of its own. */
static int
fleet(struct opts *o)
{
	struct fleet_counts fc;
	struct hostlist h;
	char err[OPTS_ERRMAX];
	int ret;

	if ((ret = hosts_collect(o, &h, err, sizeof(err))) != 0) {
		warnmsg("%s", err);
		hostlist_free(&h);
		return ret;	/* EXIT_USAGE: a name or the file */
	}
	ret = rep_begin(o, plat_time()) == 0 ? EXIT_CLEAN : EXIT_FAILED;
	ret = max(ret, fleet_run(o, &h, &fc));
	ret = max(ret, rep_fleet_end(o, &fc, ret));
	if (o->eventlog) {
		char *text = rep_fleet_text(&fc);
		struct sbuf b = { 0 };

		sb_printf(&b, "%s; exit status %d", text ? text : "", ret);
		free(text);
		ret = max(ret, report_event(b.oom ? NULL : b.s, ret));
	}
	rep_end_log(ret);
	hostlist_free(&h);
	return ret;
}

int
mmpclean_main(int argc, char **argv)
{
	struct candlist cl;
	struct opts o;
	struct run r;
	char err[OPTS_ERRMAX];
	int ret;

	if (opts_parse(&o, argc, argv, err, sizeof(err)) != 0) {
		warnmsg("%s", err);
		out_err(usage_line);
		opts_free(&o);
		out_finish();
		return EXIT_USAGE;
	}
	if (o.help || o.version) {
		if (o.help) {
			out_text(help_text);
			out_text("\n");
			out_text(usage_line);
		} else
			out_text("mmpclean " MMPCLEAN_VERSION "\n");
		opts_free(&o);
		return out_finish();
	}

	if (o.cmd != CMD_SCAN) {
		ret = admin_command(&o);
		opts_free(&o);
		return max(ret, out_finish());
	}
	if (o.ncomputers > 0 || o.computers_file != NULL) {
		ret = max(fleet(&o), out_finish());
		opts_free(&o);
		return ret;
	}

	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.now = plat_time();
	ret = rep_begin(&o, r.now) == 0 ? EXIT_CLEAN : EXIT_FAILED;
	if (o.reboot && !(r.admin = plat_is_admin())) {
		warnmsg("--reboot needs administrator rights (an elevated "
		    "prompt, or a task running as SYSTEM); locked files will "
		    "not be scheduled");
		ret = EXIT_FAILED;
	}
	ret = max(ret, resolve(&o, &cl));
	for (size_t i = 0; i < cl.n && !r.interrupted; i++) {
		if (o.where)
			rep_where(&cl.v[i]);
		else if (cl.v[i].error != NULL) {
			rep_dir_failed(&cl.v[i]);
			r.dir_errors++;
		} else
			ret = max(ret, scan_dir(&r, &cl.v[i]));
	}
	if (r.total.locked + r.total.pending + r.total.scheduled > 0)
		ret = max(ret, EXIT_LOCKED);
	if (r.total.readonly + r.total.skipped + r.total.errors > 0 ||
	    r.interrupted)
		ret = max(ret, EXIT_FAILED);
	/*
	 * The report's end, flushed: a closed or full output is known before
	 * the event and the log's last line say what the status is.  (The
	 * JSON's exit_status cannot know of an event that fails after it.)
	 */
	rep_end(&r, max(ret, out_failed()));
	ret = max(ret, out_failed());
	if (o.eventlog)
		ret = max(ret, report_event(rep_summary_text(&r, ret), ret));
	rep_end_log(ret);
	candlist_free(&cl);
	free(r.seen);
	opts_free(&o);
	return max(ret, out_finish());
}
