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

static int
where(const struct candlist *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		char *src = src_describe(cl->v[i].src);

		out_line("%s  (%s)", cl->v[i].path, src ? src : "");
		free(src);
	}
	return EXIT_CLEAN;
}

static void
summary(const struct opts *o, const struct counts *c)
{
	unsigned long n = c->done + c->locked + c->readonly + c->skipped +
	    c->errors;

	out_line("%lu .mmp file%s in %lu director%s: %lu %s, %lu locked, "
	    "%lu read-only, %lu skipped, %lu error%s", n, n == 1 ? "" : "s",
	    c->dirs, c->dirs == 1 ? "y" : "ies", c->done,
	    o->delete ? "deleted" : "unlocked", c->locked, c->readonly,
	    c->skipped, c->errors, c->errors == 1 ? "" : "s");
}

int
mmpclean_main(int argc, char **argv)
{
	struct counts cnt = { 0 };
	struct candlist cl;
	struct opts o;
	char err[512];
	int ret;

	out_reset();
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

	ret = resolve(&o, &cl);
	if (o.where)
		ret = max(ret, where(&cl));
	else {
		for (size_t i = 0; i < cl.n; i++)
			ret = max(ret, scan_dir(&o, &cl.v[i], &cnt));
		if (!o.quiet)
			summary(&o, &cnt);
		if (cnt.locked > 0)
			ret = max(ret, EXIT_LOCKED);
		if (cnt.readonly + cnt.skipped + cnt.errors > 0)
			ret = max(ret, EXIT_FAILED);
	}
	candlist_free(&cl);
	free(cnt.seen);
	opts_free(&o);
	return max(ret, out_finish());
}
