/*
 * One directory: list it once, act on each exact *.mmp entry through a
 * handle opened relative to it, and say what happened to every file.
 * Memory stays flat however many files there are; only locked files are
 * remembered, for one more look once the listing is done.  With --threads
 * above 1, workers probe and delete (pipe.c) while this thread lists and
 * reports, in listing order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"
#include "plat.h"

/*
 * A file another cleaner is deleting at the same moment looks locked for
 * an instant.  Locked files get a second probe after the listing; while
 * another run has the directory open (or that cannot be known), the second
 * probe waits until RELOOK_MS after the last of them was found locked, when
 * such a race is long over.  Past RECHECK_MAX of them, they are reported
 * at once.
 */
#define RECHECK_MAX 65536
#define RELOOK_MS 100

/* --wait: the pause between looks grows to this, starting at WAIT_FIRST. */
#define WAIT_FIRST_MS 100
#define WAIT_MAX_MS 2000

struct scan {
	struct run *r;
	const struct opts *o;
	const struct cand *c;
	struct plat_dir *d;
	struct counts n;	/* this directory's */
	unsigned long seen;
	struct later *locked;
	size_t nlocked, caplocked;
	uint64_t last_locked;	/* plat_ms() when the last was deferred */
};

/* Remembers a service to restart, once; a few dozen at most. */
void
run_add_service(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nservices; i++)
		if (ascii_casecmp(r->services[i], name) == 0)
			return;
	if (r->nservices < sizeof(r->services) / sizeof(r->services[0]))
		snprintf(r->services[r->nservices++], sizeof(r->services[0]),
		    "%s", name);
}

unsigned long
counts_files(const struct counts *c)
{
	return c->done + c->locked + c->pending + c->readonly + c->skipped +
	    c->errors + c->young + c->scheduled;
}

static const char *
why(enum pst st, const struct plat_err *err)
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
		return err != NULL ? plat_errtext(err) : plat_lasterror();
	default:
		return "unexpected outcome";
	}
}

/* Keeps a locked file for a second look; false when there is no room. */
static int
defer(struct scan *s, const struct plat_entry *e, enum pst why)
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
	v->why = why;
	v->attrs = e->attrs;
	v->size = e->size;
	v->mtime = e->mtime;
	v->holders = NULL;
	s->nlocked++;
	s->last_locked = plat_ms();
	return 1;
}

/*
 * Before the second look: a lock seen moments ago may be another run's
 * probe, over in a moment.  With no other run at work here, every lock
 * seen is some other program's, and waiting for those is --wait's job.
 */
static void
pause_for_others(struct scan *s)
{
	uint64_t since = plat_ms() - s->last_locked;
	int others = plat_dir_others(s->d);
	unsigned ms;
	char who[64];

	if (others == 0 || since >= RELOOK_MS)
		return;
	ms = (unsigned)(RELOOK_MS - since);
	if (s->o->verbose) {
		if (others > 0)
			snprintf(who, sizeof(who), "%d other mmpclean run%s "
			    "at work here", others, others == 1 ? "" : "s");
		else
			snprintf(who, sizeof(who), "other runs here cannot "
			    "be counted");
		warnmsg("'%s': %s; second look in %u ms", s->c->path, who,
		    ms);
	}
	plat_sleep_ms(ms);
}

static void
note(const struct scan *s, const char *name, const char *what)
{
	struct sbuf path = { 0 }, b = { 0 };

	if (!s->o->verbose)
		return;
	sb_add_path(&path, s->c->path, name);
	sb_add_display(&b, path.s ? path.s : "");
	warnmsg("'%s' %s", b.s ? b.s : "", what);
	sb_free(&path);
	sb_free(&b);
}

/* A file a process keeps: "mapped" and "pending" say how; who, if known. */
static void
held(struct scan *s, const struct plat_entry *e, enum pst why,
    const char *who)
{
	struct sbuf b = { 0 };

	if (why == PST_MAPPED)
		sb_puts(&b, "mapped into a process's memory");
	else if (why == PST_PENDING)
		sb_puts(&b, "already deleted; the name goes when the process "
		    "holding the file closes it");
	if (who != NULL)
		sb_printf(&b, "%s%s", b.len ? "; " : "", who);
	if (why == PST_PENDING) {
		s->n.pending++;
		rep_file(s->c, "pending", e, b.s, 0);
	} else {
		s->n.locked++;
		rep_file(s->c, "locked", e, b.s, 0);
	}
	sb_free(&b);
}

/* Records what happened to one file.  `last` is false on a first look. */
static void
outcome(struct scan *s, const struct plat_entry *e, enum pst st,
    const struct plat_err *err, int last)
{
	switch (st) {
	case PST_OK:
		s->n.done++;
		rep_file(s->c, s->o->delete ? "deleted" : "unlocked", e, NULL,
		    0);
		break;
	case PST_LOCKED:
		/* held by this very run: not a problem, nothing to wait for */
		if (!last && out_log_is(s->d, e->name)) {
			note(s, e->name, "is this run's --log file; left alone");
			break;
		}
		/* FALLTHROUGH */
	case PST_MAPPED:
	case PST_PENDING:
		if (!last && defer(s, e, st))
			break;
		held(s, e, st, NULL);
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
		rep_file(s->c, "error", e, why(st, err), 1);
		break;
	}
}

/*
 * How to try a file listed with attrs: PST_LINK, never opened; else the
 * plat_file call, and PST_READONLY when it only finds out whether the
 * read-only file is locked too, deleting nothing.
 */
static enum pst
plan(const struct scan *s, unsigned attrs, enum plat_act *act,
    unsigned *flags)
{
	if (attrs & PLAT_A_LINK)
		return PST_LINK;
	if ((attrs & PLAT_A_READONLY) && !s->o->force) {
		*act = ACT_PROBE;
		*flags = 0;
		return PST_READONLY;
	}
	*act = s->o->delete ? ACT_DELETE : ACT_PROBE;
	*flags = s->o->force ? PLAT_F_FORCE : 0;
	return PST_OK;
}

/* What trying a file as planned gave. */
static enum pst
tried(enum pst planned, enum pst st)
{
	return planned == PST_READONLY && st == PST_OK ? PST_READONLY : st;
}

/* Probes, or deletes, one exact *.mmp entry of the directory. */
static enum pst
try(struct scan *s, const char *name, unsigned attrs, struct plat_err *err)
{
	enum plat_act act;
	unsigned flags;
	enum pst p = plan(s, attrs, &act, &flags);

	if (p == PST_LINK)
		return p;
	return tried(p, plat_file(s->d, name, act, flags, err));
}

/*
 * One more look at every file still locked: those that are settled are
 * reported and dropped from the list.
 */
static void
relook(struct scan *s)
{
	size_t i, kept = 0;
	enum pst st;

	for (i = 0; i < s->nlocked; i++) {
		struct later *l = &s->locked[i];
		struct plat_entry e = { l->name, l->attrs, l->size, l->mtime };
		struct plat_err err = { 0 };

		st = try(s, l->name, l->attrs, &err);
		if (st == PST_LOCKED || st == PST_MAPPED || st == PST_PENDING) {
			l->why = st;
			s->locked[kept++] = *l;
			continue;
		}
		outcome(s, &e, st, &err, 1);
		free(l->name);
	}
	s->nlocked = kept;
}

/* --wait: look again, less and less often, until free or out of time. */
static void
wait_for_release(struct scan *s)
{
	unsigned pause = WAIT_FIRST_MS;
	uint64_t now;

	if (s->r->wait_until == 0)
		s->r->wait_until = plat_ms() + (uint64_t)s->o->wait * 1000;
	if (s->o->verbose && s->nlocked > 0)
		warnmsg("'%s': %lu file%s still held; looking again until "
		    "free or --wait ends", s->c->path,
		    (unsigned long)s->nlocked, s->nlocked == 1 ? "" : "s");
	while (s->nlocked > 0 && !plat_interrupted() &&
	    (now = plat_ms()) < s->r->wait_until) {
		if (pause > s->r->wait_until - now)
			pause = (unsigned)(s->r->wait_until - now);
		plat_sleep_ms(pause);
		if (plat_interrupted())
			break;
		relook(s);
		pause = pause * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : pause * 2;
	}
}

/* --reboot: hand what is still locked to the next boot. */
static enum pst
schedule(struct scan *s, const struct later *l)
{
	int pending = 0;
	enum pst st;

	if (!s->r->admin)
		return PST_LOCKED;
	if ((st = plat_reboot_pending(s->d, l->name, &pending)) != PST_OK)
		return st;
	if (pending)
		return PST_OK;
	return plat_reboot_delete(s->d, l->name);
}

/* What is left locked: named, scheduled or just reported. */
static void
settle(struct scan *s)
{
	if (s->o->holders)
		name_holders(s->d, s->r, s->locked, s->nlocked, 0);
	for (size_t i = 0; i < s->nlocked; i++) {
		struct later *l = &s->locked[i];
		struct plat_entry e = { l->name, l->attrs, l->size, l->mtime };
		const char *who = s->o->holders ? (l->holders ? l->holders :
		    "holder unknown") : NULL;
		/* a pending file goes by itself: nothing to schedule */
		enum pst st = s->o->reboot && l->why != PST_PENDING ?
		    schedule(s, l) : l->why;

		if (st == PST_OK) {
			struct sbuf why_s = { 0 };

			sb_puts(&why_s, "deleted at the next boot");
			if (who != NULL)
				sb_printf(&why_s, "; %s", who);
			s->n.scheduled++;
			rep_file(s->c, "scheduled", &e, why_s.s ? why_s.s :
			    "deleted at the next boot", 0);
			sb_free(&why_s);
		} else if (st == PST_LOCKED || st == PST_MAPPED ||
		    st == PST_PENDING) {
			held(s, &e, l->why, who);
		} else {
			s->n.errors++;
			rep_file(s->c, "error", &e, why(st, NULL), 1);
		}
		free(l->holders);
		free(l->name);
	}
	s->nlocked = 0;
}

/* What a listed entry is, decided as it is listed. */
enum kind {
	K_NONE,		/* not an exact *.mmp name: an 8.3 name matched */
	K_DIR,
	K_YOUNG,	/* --older-than */
	K_FILE		/* to be tried */
};

static enum kind
classify(const struct scan *s, const struct plat_entry *e)
{
	if (!name_is_mmp(e->name))
		return K_NONE;
	if (e->attrs & PLAT_A_DIR)
		return K_DIR;
	/* never the last-access time: NTFS stopped keeping it up to date */
	if (s->o->older_than >= 0 && s->r->now - e->mtime <= s->o->older_than)
		return K_YOUNG;
	return K_FILE;
}

/* Reports an entry; a K_FILE's trying gave st. */
static void
conclude(struct scan *s, const struct plat_entry *e, enum kind k,
    enum pst st, const struct plat_err *err)
{
	if (k == K_DIR) {
		note(s, e->name, "is a directory; ignored");
		return;
	}
	s->seen++;
	if (k == K_YOUNG) {
		s->n.young++;
		rep_file(s->c, "young", e, NULL, 0);
		return;
	}
	outcome(s, e, st, err, 0);
	rep_progress(&s->n, s->seen);
}

/* One entry, here and now: the serial scan (--threads 1). */
static void
one(struct scan *s, const struct plat_entry *e)
{
	struct plat_err err = { 0 };
	enum kind k = classify(s, e);

	if (k == K_FILE)
		conclude(s, e, k, try(s, e->name, e->attrs, &err), &err);
	else if (k != K_NONE)
		conclude(s, e, k, PST_OK, NULL);
}

/*
 * The pipeline's items back, in listing order: those ready at the head,
 * or (how > 0) the head however long it takes, or (how > 1) every one.
 * False once an item turns out never tried (Ctrl+C): neither it nor any
 * after it is reported, as if the listing had stopped there.
 */
static int
drain(struct scan *s, struct pipe *p, int how)
{
	struct pipe_item *it;

	while ((it = pipe_head(p, how > 0)) != NULL) {
		if (it->untried)
			return 0;
		conclude(s, &it->e, (enum kind)(it->kind & 0xff),
		    (it->kind & 0x100) ? tried(PST_READONLY, it->st) : it->st,
		    &it->err);
		free((char *)it->e.name);
		pipe_pop(p);
		if (how == 1)
			how = 0;
	}
	return 1;
}

/*
 * The listing, fed to the pipeline: each entry that will be reported takes
 * a place in the window, and the files to try go to the workers.  0x100 in
 * an item's kind: a read-only file, only probed.
 */
static enum pst
list_piped(struct scan *s, struct pipe *p)
{
	struct plat_entry e;
	struct pipe_item *it;
	enum pst st = PST_END, pl = PST_OK;
	enum kind k;

	while (!plat_interrupted() &&
	    (st = plat_dir_next(s->d, &e)) == PST_OK) {
		if ((k = classify(s, &e)) == K_NONE)
			continue;
		if (!drain(s, p, pipe_full(p)))
			break;
		it = pipe_slot(p);
		it->e = e;
		if ((it->e.name = xstrdup(e.name)) == NULL) {
			/* no room: the window empties, this one goes alone */
			if (!drain(s, p, 2))
				break;
			one(s, &e);
			continue;
		}
		it->kind = (int)k;
		if (k == K_FILE &&
		    (pl = plan(s, e.attrs, &it->act, &it->flags)) == PST_LINK)
			it->st = PST_LINK;
		else if (k == K_FILE && pl == PST_READONLY)
			it->kind |= 0x100;
		pipe_push(p, k == K_FILE && pl != PST_LINK);
	}
	return st;
}

/* Whatever the window still holds after the listing. */
static void
finish_piped(struct scan *s, struct pipe *p)
{
	struct pipe_item *it;

	if (!drain(s, p, 2)) {
		pipe_stop(p);
		while ((it = pipe_head(p, 1)) != NULL) {
			free((char *)it->e.name);
			pipe_pop(p);
		}
	}
	pipe_free(p);
}

/* The same directory by two names: a known, equal identity. */
static int
same_dir(const struct plat_dirid *a, const struct plat_dirid *b)
{
	return (a->file[0] != 0 || a->file[1] != 0) &&
	    a->volume == b->volume && a->file[0] == b->file[0] &&
	    a->file[1] == b->file[1];
}

/* PST_END, *first set: the directory was scanned already, by that name. */
static enum pst
dir_open(struct scan *s, const char **first)
{
	struct plat_dirid id;
	struct seen *seen;
	struct run *r = s->r;
	enum pst st;

	st = plat_dir_open(s->c->path, &s->d, &id);
	rep_notices();
	if (st != PST_OK)
		return st;
	for (size_t i = 0; i < r->nseen; i++)
		if (same_dir(&r->seen[i].id, &id)) {
			plat_dir_close(s->d);
			*first = r->seen[i].path;
			return PST_END;
		}
	if ((seen = realloc(r->seen, (r->nseen + 1) * sizeof(*seen))) == NULL) {
		plat_dir_close(s->d);
		return PST_NOMEM;
	}
	r->seen = seen;
	seen[r->nseen].id = id;
	seen[r->nseen++].path = s->c->path;
	return PST_OK;
}

static void
add(struct counts *to, const struct counts *n)
{
	to->done += n->done;
	to->locked += n->locked;
	to->pending += n->pending;
	to->readonly += n->readonly;
	to->skipped += n->skipped;
	to->errors += n->errors;
	to->young += n->young;
	to->scheduled += n->scheduled;
}

int
scan_dir(struct run *r, const struct cand *c)
{
	struct scan s = { .r = r, .o = r->o, .c = c };
	struct sbuf msg = { 0 };
	struct plat_entry e;
	struct pipe *p = NULL;
	unsigned threads = r->o->threads ? r->o->threads : THREADS_DEFAULT;
	uint64_t t0 = plat_ms();
	char *src = src_describe(c->src);
	const char *first = NULL;
	enum pst st;
	int ret = EXIT_CLEAN;

	if ((st = dir_open(&s, &first)) == PST_END) {
		/* said even with --quiet: a wrong identity would hide files */
		warnmsg("'%s' (%s) is '%s', already scanned; skipped",
		    c->path, src ? src : "", first);
		free(src);
		return EXIT_CLEAN;
	}
	if ((st == PST_NOTFOUND || st == PST_GONE) && c->src == SRC_WEBTEMP) {
		/* inferred from Exchange's key, not configured: no error */
		warnmsg("Exchange's Webtemp directory '%s' does not exist; "
		    "skipped", c->path);
		free(src);
		return EXIT_CLEAN;
	}
	rep_dir_begin(c);
	if (st != PST_OK) {
		if (c->src & (SRC_REG64 | SRC_REG32))
			sb_printf(&msg, "cannot open directory '%s' named by "
			    "registry value 'HKLM\\%s\\%s' (%s): %s", c->path,
			    profile_key, profile_value, (~c->src & (SRC_REG64 |
			    SRC_REG32)) == 0 ? "64-bit and 32-bit views" :
			    view_name[c->src & SRC_REG64 ? VIEW_64 : VIEW_32],
			    why(st, NULL));
		else
			sb_printf(&msg, "cannot open directory '%s' (%s): %s",
			    c->path, src ? src : "", why(st, NULL));
		warnmsg("%s", msg.s ? msg.s : "out of memory");
		rep_dir_end(c, msg.s ? msg.s : "out of memory", &s.n);
		sb_free(&msg);
		free(src);
		r->dir_errors++;	/* not opened */
		return EXIT_NODIR;
	}
	if (s.o->verbose)
		warnmsg("scanning '%s' (%s)", c->path, src ? src : "");
	free(src);
	r->dirs++;

	if (threads > 1 && (p = pipe_new(s.d, threads)) != NULL) {
		st = list_piped(&s, p);
		finish_piped(&s, p);
	} else
		while (!plat_interrupted() &&
		    (st = plat_dir_next(s.d, &e)) == PST_OK)
			one(&s, &e);
	if (plat_interrupted()) {
		sb_printf(&msg, "interrupted: '%s' was not scanned to the end",
		    c->path);
		warnmsg("%s", msg.s ? msg.s : "out of memory");
		r->interrupted = 1;
	} else if (st != PST_END) {
		sb_printf(&msg, "cannot list directory '%s': %s", c->path,
		    why(st, NULL));
		warnmsg("%s", msg.s ? msg.s : "out of memory");
		r->dir_errors++;	/* not listed to the end */
		ret = EXIT_NODIR;
	}
	if (s.nlocked > 0)
		pause_for_others(&s);
	relook(&s);
	if (s.o->wait > 0 && !r->interrupted) {
		wait_for_release(&s);
		if (plat_interrupted()) {
			warnmsg("interrupted while waiting for locked files "
			    "in '%s'", c->path);
			r->interrupted = 1;
		}
	}
	settle(&s);
	free(s.locked);
	plat_dir_close(s.d);
	rep_dir_end(c, msg.s, &s.n);
	sb_free(&msg);
	add(&r->total, &s.n);
	if (s.o->verbose)
		warnmsg("'%s': %lu .mmp file%s in %lu ms", c->path,
		    counts_files(&s.n), counts_files(&s.n) == 1 ? "" : "s",
		    (unsigned long)(plat_ms() - t0));
	return ret;
}
