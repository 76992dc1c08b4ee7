/*
 * One directory: list it once, act on each exact *.mmp entry through a
 * handle opened relative to it, and say what happened to every file.
 * Memory stays flat however many files there are; only locked files are
 * remembered, for one more look once the listing is done.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

/*
 * A file another cleaner is deleting at the same moment looks locked for
 * an instant.  Locked files get a second probe after the listing, when
 * such a race is long over; past this many, they are reported at once.
 */
#define RECHECK_MAX 65536

struct scan {
	const struct opts *o;
	const struct cand *c;
	struct plat_dir *d;
	struct counts *cnt;
	struct later {
		char *name;
		unsigned attrs;
	} *locked;
	size_t nlocked, caplocked;
};

static void
show(const struct scan *s, const char *status, const char *name,
    const char *reason, int problem)
{
	if (!s->o->quiet || problem)
		out_file(status, s->c->path, name, reason);
}

static const char *
why(enum pst st)
{
	switch (st) {
	case PST_DENIED:
		return "access denied";
	case PST_BADNAME:
		return "Windows cannot open a file of this name";
	case PST_NOMEM:
		return "out of memory";
	case PST_IO:
		return plat_lasterror();
	default:
		return "unexpected outcome";
	}
}

/* Keeps a locked file for a second look; false when there is no room. */
static int
defer(struct scan *s, const char *name, unsigned attrs)
{
	struct later *v;
	size_t cap;

	if (s->nlocked == s->caplocked) {
		if (s->caplocked == RECHECK_MAX)
			return 0;
		cap = s->caplocked ? s->caplocked * 2 : 64;
		if ((v = realloc(s->locked, cap * sizeof(*v))) == NULL)
			return 0;
		s->locked = v;
		s->caplocked = cap;
	}
	if ((s->locked[s->nlocked].name = xstrdup(name)) == NULL)
		return 0;
	s->locked[s->nlocked++].attrs = attrs;
	return 1;
}

/* Records what happened to one file.  `last` is false on a first look. */
static void
outcome(struct scan *s, const char *name, unsigned attrs, enum pst st,
    int last)
{
	const char *done = s->o->delete ? "deleted" : "unlocked";

	switch (st) {
	case PST_OK:
		s->cnt->done++;
		show(s, done, name, NULL, 0);
		break;
	case PST_LOCKED:
		if (!last && defer(s, name, attrs))
			break;
		s->cnt->locked++;
		show(s, "locked", name, NULL, 0);
		break;
	case PST_GONE:
	case PST_ISDIR:
		/* gone since the listing, or no longer a file: not ours */
		if (s->o->verbose)
			show(s, "vanished", name, st == PST_GONE ?
			    "deleted or renamed since it was listed" :
			    "now a directory", 0);
		break;
	case PST_READONLY:
		s->cnt->readonly++;
		show(s, "read-only", name,
		    "read-only attribute; --force deletes it", 1);
		break;
	case PST_LINK:
		s->cnt->skipped++;
		show(s, "skipped", name, "a link or reparse point, not a "
		    "plain file in this directory; left alone", 1);
		break;
	default:
		s->cnt->errors++;
		show(s, "error", name, why(st), 1);
		break;
	}
}

/* Probes, or deletes, one exact *.mmp entry of the directory. */
static void
act(struct scan *s, const char *name, unsigned attrs, int last)
{
	enum pst st;

	if (attrs & PLAT_A_LINK) {
		outcome(s, name, attrs, PST_LINK, 1);
		return;
	}
	/* read-only: find out whether it is locked too, delete nothing */
	if ((attrs & PLAT_A_READONLY) && !s->o->force) {
		st = plat_file(s->d, name, ACT_PROBE, 0);
		outcome(s, name, attrs, st == PST_OK ? PST_READONLY : st,
		    last);
		return;
	}
	st = plat_file(s->d, name, s->o->delete ? ACT_DELETE : ACT_PROBE,
	    s->o->force ? PLAT_F_FORCE : 0);
	outcome(s, name, attrs, st, last);
}

static void
one(struct scan *s, const struct plat_entry *e)
{
	if (!name_is_mmp(e->name))
		return;		/* an 8.3 name matched the pattern */
	if (e->attrs & PLAT_A_DIR) {
		if (s->o->verbose)
			show(s, "ignored", e->name, "a directory", 0);
		return;
	}
	act(s, e->name, e->attrs, 0);
}

static enum pst
dir_open(struct scan *s)
{
	struct plat_dirid id;
	struct plat_dirid *seen;
	enum pst st;

	if ((st = plat_dir_open(s->c->path, &s->d, &id)) != PST_OK)
		return st;
	for (size_t i = 0; i < s->cnt->nseen; i++)
		if (s->cnt->seen[i].volume == id.volume &&
		    s->cnt->seen[i].file == id.file) {
			plat_dir_close(s->d);
			s->d = NULL;
			return PST_END;	/* the same directory by another name */
		}
	seen = realloc(s->cnt->seen, (s->cnt->nseen + 1) * sizeof(*seen));
	if (seen == NULL) {
		plat_dir_close(s->d);
		return PST_NOMEM;
	}
	s->cnt->seen = seen;
	seen[s->cnt->nseen++] = id;
	return PST_OK;
}

int
scan_dir(const struct opts *o, const struct cand *c, struct counts *cnt)
{
	struct scan s = { o, c, NULL, cnt, NULL, 0, 0 };
	struct plat_entry e;
	uint64_t t0 = plat_ms();
	char *src = src_describe(c->src);
	const char *reason;
	enum pst st;
	int ret = EXIT_CLEAN;

	switch ((st = dir_open(&s))) {
	case PST_OK:
		break;
	case PST_END:
		if (o->verbose)
			warnmsg("'%s' (%s) is a directory already scanned",
			    c->path, src ? src : "");
		free(src);
		return EXIT_CLEAN;
	case PST_NOTFOUND:
	case PST_GONE:
		reason = "no such directory";
		goto fail;
	case PST_NOTDIR:
		reason = "not a directory";
		goto fail;
	default:
		reason = why(st);
	fail:
		if (c->src & (SRC_REG64 | SRC_REG32))
			warnmsg("cannot open directory '%s' named by registry "
			    "value 'HKLM\\%s\\%s' (%s): %s", c->path,
			    profile_key, profile_value, src ? src : "", reason);
		else
			warnmsg("cannot open directory '%s' (%s): %s", c->path,
			    src ? src : "", reason);
		free(src);
		return EXIT_NODIR;
	}
	if (o->verbose)
		warnmsg("scanning '%s' (%s)", c->path, src ? src : "");
	free(src);
	cnt->dirs++;

	while ((st = plat_dir_next(s.d, &e)) == PST_OK)
		one(&s, &e);
	if (st != PST_END) {
		warnmsg("cannot list directory '%s': %s", c->path, why(st));
		ret = EXIT_NODIR;
	}
	for (size_t i = 0; i < s.nlocked; i++) {
		act(&s, s.locked[i].name, s.locked[i].attrs, 1);
		free(s.locked[i].name);
	}
	free(s.locked);
	plat_dir_close(s.d);
	if (o->verbose)
		warnmsg("'%s' done in %lu ms", c->path,
		    (unsigned long)(plat_ms() - t0));
	return ret;
}
