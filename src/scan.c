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

struct later {
	char *name;
	unsigned attrs;
	uint64_t size;
	int64_t mtime;
};

struct scan {
	struct run *r;
	const struct opts *o;
	const struct cand *c;
	struct plat_dir *d;
	struct counts n;	/* this directory's */
	unsigned long seen;
	struct later *locked;
	size_t nlocked, caplocked;
};

unsigned long
counts_files(const struct counts *c)
{
	return c->done + c->locked + c->readonly + c->skipped + c->errors +
	    c->young;
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
	case PST_NOTFOUND:
	case PST_GONE:
		return "no such directory";
	case PST_NOTDIR:
		return "not a directory";
	case PST_IO:
		return plat_lasterror();
	default:
		return "unexpected outcome";
	}
}

/* Keeps a locked file for a second look; false when there is no room. */
static int
defer(struct scan *s, const struct plat_entry *e)
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
	v = &s->locked[s->nlocked];
	if ((v->name = xstrdup(e->name)) == NULL)
		return 0;
	v->attrs = e->attrs;
	v->size = e->size;
	v->mtime = e->mtime;
	s->nlocked++;
	return 1;
}

static void
note(const struct scan *s, const char *name, const char *what)
{
	struct sbuf b = { 0 };

	if (!s->o->verbose)
		return;
	sb_add_display(&b, s->c->path);
	sb_puts(&b, s->c->path[strlen(s->c->path) - 1] == '\\' ? "" : "\\");
	sb_add_display(&b, name);
	warnmsg("'%s' %s", b.s ? b.s : "", what);
	sb_free(&b);
}

/* Records what happened to one file.  `last` is false on a first look. */
static void
outcome(struct scan *s, const struct plat_entry *e, enum pst st, int last)
{
	switch (st) {
	case PST_OK:
		s->n.done++;
		rep_file(s->c, s->o->delete ? "deleted" : "unlocked", e, NULL,
		    0);
		break;
	case PST_LOCKED:
		if (!last && defer(s, e))
			break;
		s->n.locked++;
		rep_file(s->c, "locked", e, NULL, 0);
		break;
	case PST_GONE:
		note(s, e->name, "vanished since it was listed");
		break;
	case PST_ISDIR:
		note(s, e->name, "is now a directory; ignored");
		break;
	case PST_READONLY:
		s->n.readonly++;
		rep_file(s->c, "read-only", e,
		    "read-only attribute; --force deletes it", 1);
		break;
	case PST_LINK:
		s->n.skipped++;
		rep_file(s->c, "skipped", e, "a link or reparse point, not a "
		    "plain file in this directory; left alone", 1);
		break;
	default:
		s->n.errors++;
		rep_file(s->c, "error", e, why(st), 1);
		break;
	}
}

/* Probes, or deletes, one exact *.mmp entry of the directory. */
static void
act(struct scan *s, const struct plat_entry *e, int last)
{
	enum pst st;

	if (e->attrs & PLAT_A_LINK) {
		outcome(s, e, PST_LINK, 1);
		return;
	}
	/* read-only: find out whether it is locked too, delete nothing */
	if ((e->attrs & PLAT_A_READONLY) && !s->o->force) {
		st = plat_file(s->d, e->name, ACT_PROBE, 0);
		outcome(s, e, st == PST_OK ? PST_READONLY : st, last);
		return;
	}
	st = plat_file(s->d, e->name, s->o->delete ? ACT_DELETE : ACT_PROBE,
	    s->o->force ? PLAT_F_FORCE : 0);
	outcome(s, e, st, last);
}

static void
one(struct scan *s, const struct plat_entry *e)
{
	if (!name_is_mmp(e->name))
		return;		/* an 8.3 name matched the pattern */
	if (e->attrs & PLAT_A_DIR) {
		note(s, e->name, "is a directory; ignored");
		return;
	}
	s->seen++;
	/* never the last-access time: NTFS stopped keeping it up to date */
	if (s->o->older_than >= 0 && s->r->now - e->mtime <= s->o->older_than) {
		s->n.young++;
		rep_file(s->c, "young", e, NULL, 0);
		return;
	}
	act(s, e, 0);
	rep_progress(&s->n, s->seen);
}

static enum pst
dir_open(struct scan *s)
{
	struct plat_dirid id;
	struct plat_dirid *seen;
	struct run *r = s->r;
	enum pst st;

	if ((st = plat_dir_open(s->c->path, &s->d, &id)) != PST_OK)
		return st;
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i].volume == id.volume &&
		    r->seen[i].file == id.file) {
			plat_dir_close(s->d);
			return PST_END;	/* the same directory by another name */
		}
	if ((seen = realloc(r->seen, (r->nseen + 1) * sizeof(*seen))) == NULL) {
		plat_dir_close(s->d);
		return PST_NOMEM;
	}
	r->seen = seen;
	seen[r->nseen++] = id;
	return PST_OK;
}

static void
add(struct counts *to, const struct counts *n)
{
	to->done += n->done;
	to->locked += n->locked;
	to->readonly += n->readonly;
	to->skipped += n->skipped;
	to->errors += n->errors;
	to->young += n->young;
}

int
scan_dir(struct run *r, const struct cand *c)
{
	struct scan s = { .r = r, .o = r->o, .c = c };
	struct sbuf msg = { 0 };
	struct plat_entry e;
	uint64_t t0 = plat_ms();
	char *src = src_describe(c->src);
	enum pst st;
	int ret = EXIT_CLEAN;

	if ((st = dir_open(&s)) == PST_END) {
		if (s.o->verbose)
			warnmsg("'%s' (%s) is a directory already scanned",
			    c->path, src ? src : "");
		free(src);
		return EXIT_CLEAN;
	}
	rep_dir_begin(c);
	if (st != PST_OK) {
		if (c->src & (SRC_REG64 | SRC_REG32))
			sb_printf(&msg, "cannot open directory '%s' named by "
			    "registry value 'HKLM\\%s\\%s' (%s): %s", c->path,
			    profile_key, profile_value, src ? src : "", why(st));
		else
			sb_printf(&msg, "cannot open directory '%s' (%s): %s",
			    c->path, src ? src : "", why(st));
		warnmsg("%s", msg.s ? msg.s : "out of memory");
		rep_dir_end(c, msg.s ? msg.s : "out of memory", &s.n);
		sb_free(&msg);
		free(src);
		return EXIT_NODIR;
	}
	if (s.o->verbose)
		warnmsg("scanning '%s' (%s)", c->path, src ? src : "");
	free(src);
	r->dirs++;

	while ((st = plat_dir_next(s.d, &e)) == PST_OK)
		one(&s, &e);
	if (st != PST_END) {
		sb_printf(&msg, "cannot list directory '%s': %s", c->path,
		    why(st));
		warnmsg("%s", msg.s ? msg.s : "out of memory");
		ret = EXIT_NODIR;
	}
	for (size_t i = 0; i < s.nlocked; i++) {
		struct plat_entry le = { s.locked[i].name, s.locked[i].attrs,
		    s.locked[i].size, s.locked[i].mtime };

		act(&s, &le, 1);
		free(s.locked[i].name);
	}
	free(s.locked);
	plat_dir_close(s.d);
	rep_dir_end(c, msg.s, &s.n);
	sb_free(&msg);
	add(&r->total, &s.n);
	if (s.o->verbose)
		warnmsg("'%s': %lu .mmp files in %lu ms", c->path,
		    counts_files(&s.n), (unsigned long)(plat_ms() - t0));
	return ret;
}
