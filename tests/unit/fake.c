/*
 * The fake platform: directories, files, registry and output in memory.
 * plat_file and the worker threads (pthreads) are real threads' business:
 * plat_file touches only its own file's record, and counts what the tests
 * ask about under a lock of its own.
 */
#include <errno.h>
#include <pthread.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "mmpclean.h"
#include "win32/rules.h"

#define MAXD 16

struct ffile {
	char name[256];
	unsigned attrs;
	unsigned listed;	/* what the listing says, when set_listed */
	int set_listed;
	int locked;
	enum pst lockst;	/* what a lock answers: PST_LOCKED by default */
	enum pst fail;
	int vanish, deleted, opens;
	int deletes;		/* plat_file calls with ACT_DELETE */
	int64_t mtime;
	const char *failtext;	/* what a failure says, or NULL */
};
struct fdir {
	char path[256];
	int alias_of;		/* -1, or the index of the real one */
	enum pst open_fail, list_fail;
	int others;		/* other runs in it: plat_dir_others */
	int has_id;
	struct plat_dirid id;	/* if has_id */
	struct ffile *f;
	int n, cap;
	int *hash;		/* file index + 1 by name, made at the open */
	size_t hcap;
	int hashed;		/* n when it was made */
};
struct plat_dir {
	struct fdir *d;
	int pos;
};
struct plat_log {
	struct ffile *file;	/* when it is in a fake directory */
};
static struct plat_log the_log;
static struct {
	struct fdir d[MAXD];
	int nd;
	struct freg {
		int view;
		char key[128], name[64];
		char *data;		/* NULL: the key alone */
		unsigned long type;
		enum pst fail;
		char on[64];		/* the computer ("" this one) */
	} reg[64];
	int nreg;
	char reg_on[64];	/* whose registry is read: plat_reg_connect */
	struct {
		char name[64];
		enum pst st;
	} hosts[16];
	int nhosts;
	struct {
		char path[128];
		char *data;
		size_t len;
		enum pst st;
	} files[4];
	int nfiles;
	struct fchild_script {
		char host[64];
		int status;
		char *out, *err;
		long ms;	/* how long it runs; -1: it never ends */
		enum pst start;
	} scripts[16];
	int nscripts;
	struct sbuf child_args, stopped;
	int running, most_running, children_freed, children_started;
	int interrupt_waits;
	int admin, interrupt_after, entries_listed, interrupt_sleeps;
	struct {
		char dir[64], name[64];
		struct plat_holder h[4];
		int nh;
	} holders[16];
	int nholders, holder_calls;
	char holders_fail[64];
	char pending[16][128];
	int npending;
	enum pst reboot_fail;
	struct sbuf events;
	int event_installed;
	enum pst event_fail;
	char accounts[8][64];
	int naccounts;
	char host[32];
	struct sbuf grants;
	enum pst grant_fail, mkdir_fail;
	char *env[16][2];
	int nenv;
	char windir[256];
	struct sbuf out, err, log;
	int out_fail, flush_fail, flushes;
	enum pst reg_write_fail;
	struct sbuf sleeps;
	size_t open_dirs;
	enum pst log_open;
	int log_write_fail, log_open_now;
	int console_out, console_err;
	uint64_t ms, tick, slept;
	char notice[128];
	int notice_after;
	struct {
		char letter;
		int remote;
		char target[128];
	} drives[8];
	int ndrives;
	char lasterr[256];
	/* worker threads and plat_file's concurrency, under fl */
	int threads_started, thread_fail, inflight, inflight_max, stall,
	    stall_timeouts, calls, ctrl_c_at_call, calls_after_ctrl_c;
	unsigned latency_us;
	int interrupt_at_end;
} w;
static pthread_mutex_t fl = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fl_cond = PTHREAD_COND_INITIALIZER;
static int ctrl_c;		/* atomic: any thread asks plat_interrupted */

static void
press_ctrl_c(void)
{
	__atomic_store_n(&ctrl_c, 1, __ATOMIC_SEQ_CST);
}

void
fake_reset(void)
{
	for (int i = 0; i < w.nreg; i++)
		free(w.reg[i].data);
	sb_free(&w.events);
	sb_free(&w.grants);
	for (int i = 0; i < w.nenv; i++)
		free(w.env[i][0]), free(w.env[i][1]);
	sb_free(&w.out);
	sb_free(&w.err);
	sb_free(&w.log);
	sb_free(&w.sleeps);
	for (int i = 0; i < w.nfiles; i++)
		free(w.files[i].data);
	for (int i = 0; i < w.nscripts; i++)
		free(w.scripts[i].out), free(w.scripts[i].err);
	sb_free(&w.child_args);
	sb_free(&w.stopped);
	for (int i = 0; i < w.nd; i++) {
		free(w.d[i].f);
		free(w.d[i].hash);
	}
	memset(&w, 0, sizeof(w));
	__atomic_store_n(&ctrl_c, 0, __ATOMIC_SEQ_CST);
	strcpy(w.windir, "C:\\WINDOWS");
	strcpy(w.host, "WEB1");
	w.admin = 1;
}

static struct freg *
reg_find(int view, const char *key, const char *name, int make)
{
	for (int i = 0; i < w.nreg; i++)
		if (w.reg[i].view == view && ascii_casecmp(w.reg[i].key,
		    key) == 0 && ascii_casecmp(w.reg[i].on, w.reg_on) == 0 &&
		    ((name == NULL && w.reg[i].name[0] == 0) ||
		    (name != NULL && ascii_casecmp(w.reg[i].name, name) == 0)))
			return &w.reg[i];
	if (!make)
		return NULL;
	memset(&w.reg[w.nreg], 0, sizeof(w.reg[0]));
	assert(w.nreg < (int)(sizeof(w.reg) / sizeof(w.reg[0])));
	w.reg[w.nreg].view = view;
	snprintf(w.reg[w.nreg].on, sizeof(w.reg[0].on), "%s", w.reg_on);
	snprintf(w.reg[w.nreg].key, sizeof(w.reg[0].key), "%s", key);
	snprintf(w.reg[w.nreg].name, sizeof(w.reg[0].name), "%s",
	    name ? name : "");
	return &w.reg[w.nreg++];
}

void
fake_reg_value(enum regview v, const char *key, const char *name,
    const char *data, unsigned long type)
{
	struct freg *r = reg_find(v, key, name, 1);

	reg_find(v, key, NULL, 1);	/* the key exists too */
	free(r->data);
	r->data = data ? xstrdup(data) : NULL;
	r->type = type;
}

int
fake_setup_profile(void **state)
{
	(void)state;
	fake_reset();
	fake_reg(VIEW_64, "C:\\mmp", 0);
	fake_dir("C:\\mmp");
	return 0;
}

int
fake_teardown(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

void
fake_reg(enum regview v, const char *data, int expand)
{
	fake_reg_value(v, profile_key, profile_value, data, expand ? 2 : 1);
}

void
fake_reg_type(enum regview v, unsigned long type)
{
	fake_reg_value(v, profile_key, profile_value, "", type);
}

void
fake_reg_fail(enum regview v, enum pst st)
{
	fake_reg(v, "", 0);
	reg_find(v, profile_key, profile_value, 0)->fail = st;
}

const char *
fake_reg_read(enum regview v, const char *key, const char *name)
{
	struct freg *r = reg_find(v, key, name, 0);

	return r ? r->data : NULL;
}

void fake_admin(int admin) { w.admin = admin; }
void fake_interrupt_after(int entries) { w.interrupt_after = entries; }
void fake_interrupt_sleeps(int n) { w.interrupt_sleeps = n; }
uint64_t fake_slept(void) { return w.slept; }
int fake_holder_calls(void) { return w.holder_calls; }
const char *fake_events(void) { return w.events.s ? w.events.s : ""; }
int fake_event_installed(void) { return w.event_installed; }
void fake_event_fail(enum pst st) { w.event_fail = st; }
const char *fake_grants(void) { return w.grants.s ? w.grants.s : ""; }
void fake_grant_fail(enum pst st) { w.grant_fail = st; }
void fake_mkdir_fail(enum pst st) { w.mkdir_fail = st; }
void fake_reboot_fail(enum pst st) { w.reboot_fail = st; }
void fake_reg_write_fail(enum pst st) { w.reg_write_fail = st; }
const char *fake_sleeps(void) { return w.sleeps.s ? w.sleeps.s : ""; }

void
fake_account(const char *name)
{
	snprintf(w.accounts[w.naccounts++], sizeof(w.accounts[0]), "%s",
	    name);
}

void
fake_holder(const char *dir, const char *name, unsigned long pid,
    const char *app, const char *service)
{
	int i;

	for (i = 0; i < w.nholders; i++)
		if (strcmp(w.holders[i].dir, dir) == 0 &&
		    strcmp(w.holders[i].name, name) == 0)
			break;
	if (i == w.nholders) {
		w.nholders++;
		snprintf(w.holders[i].dir, sizeof(w.holders[i].dir), "%s", dir);
		snprintf(w.holders[i].name, sizeof(w.holders[i].name), "%s",
		    name);
	}
	w.holders[i].h[w.holders[i].nh].pid = pid;
	snprintf(w.holders[i].h[w.holders[i].nh].app, 128, "%s", app);
	snprintf(w.holders[i].h[w.holders[i].nh].service, 64, "%s", service);
	w.holders[i].nh++;
}

void
fake_holders_fail(const char *name)
{
	snprintf(w.holders_fail, sizeof(w.holders_fail), "%s", name);
}

void
fake_pending(const char *path)
{
	snprintf(w.pending[w.npending++], sizeof(w.pending[0]), "%s", path);
}

/*
 * Exact: how Windows matches the entries of PendingFileRenameOperations is
 * the backend's business (win32), not something the core can get wrong.
 */
int
fake_is_pending(const char *path)
{
	for (int i = 0; i < w.npending; i++)
		if (strcmp(w.pending[i], path) == 0)
			return 1;
	return 0;
}

void
fake_env(const char *name, const char *value)
{
	w.env[w.nenv][0] = xstrdup(name);
	w.env[w.nenv][1] = xstrdup(value);
	w.nenv++;
}

void
fake_windir(const char *path)
{
	snprintf(w.windir, sizeof(w.windir), "%s", path ? path : "");
}

static struct fdir *
find_dir(const char *path, int follow)
{
	for (int i = 0; i < w.nd; i++)
		if (ascii_casecmp(w.d[i].path, path) == 0) {
			if (follow && w.d[i].alias_of >= 0)
				return &w.d[w.d[i].alias_of];
			return &w.d[i];
		}
	return NULL;
}

void
fake_dir(const char *path)
{
	if (find_dir(path, 0) != NULL)
		return;
	strcpy(w.d[w.nd].path, path);
	w.d[w.nd].alias_of = -1;
	w.nd++;
}

void
fake_others(const char *path, int n)
{
	fake_dir(path);
	find_dir(path, 1)->others = n;
}

void
fake_dir_id(const char *path, uint64_t volume, uint64_t lo, uint64_t hi)
{
	struct fdir *d;

	fake_dir(path);
	d = find_dir(path, 1);
	d->has_id = 1;
	d->id.volume = volume;
	d->id.file[0] = lo;
	d->id.file[1] = hi;
}

void
fake_dir_alias(const char *alias, const char *path)
{
	fake_dir(path);
	fake_dir(alias);
	find_dir(alias, 0)->alias_of = (int)(find_dir(path, 0) - w.d);
}

void
fake_dir_fail(const char *path, enum pst st)
{
	fake_dir(path);
	find_dir(path, 0)->open_fail = st;
}

void
fake_list_fail(const char *path, enum pst st)
{
	fake_dir(path);
	find_dir(path, 0)->list_fail = st;
}

static struct ffile *
find_file(const char *dir, const char *name)
{
	struct fdir *d = find_dir(dir, 1);

	for (int i = 0; d != NULL && i < d->n; i++)
		if (strcmp(d->f[i].name, name) == 0)
			return &d->f[i];
	return NULL;
}

void
fake_file(const char *dir, const char *name, unsigned attrs)
{
	struct fdir *d;

	fake_dir(dir);
	d = find_dir(dir, 1);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		if ((d->f = realloc(d->f, (size_t)d->cap * sizeof(*d->f))) ==
		    NULL)
			abort();
	}
	memset(&d->f[d->n], 0, sizeof(d->f[0]));
	snprintf(d->f[d->n].name, sizeof(d->f[0].name), "%s", name);
	d->f[d->n].attrs = attrs;
	d->f[d->n].mtime = 1700000000 - 86400;
	d->n++;
}

void
fake_lock(const char *dir, const char *name, int locked)
{
	find_file(dir, name)->locked = locked;
}

void
fake_lock_as(const char *dir, const char *name, int locked, enum pst st)
{
	find_file(dir, name)->locked = locked;
	find_file(dir, name)->lockst = st;
}

void
fake_fail(const char *dir, const char *name, enum pst st)
{
	find_file(dir, name)->fail = st;
}

void
fake_fail_text(const char *dir, const char *name, const char *text)
{
	find_file(dir, name)->fail = PST_IO;
	find_file(dir, name)->failtext = text;
}

void fake_stall(int k) { w.stall = k; }
void fake_latency_us(unsigned us) { w.latency_us = us; }
void fake_thread_fail(int fail) { w.thread_fail = fail; }
void fake_interrupt_at_call(int n) { w.ctrl_c_at_call = n; }
void fake_interrupt_at_end(void) { w.interrupt_at_end = 1; }
int fake_threads_started(void) { return w.threads_started; }
int fake_inflight_max(void) { return w.inflight_max; }
int fake_stall_timeouts(void) { return w.stall_timeouts; }
int fake_calls_after_ctrl_c(void) { return w.calls_after_ctrl_c; }

void
fake_listed_attrs(const char *dir, const char *name, unsigned attrs)
{
	find_file(dir, name)->listed = attrs;
	find_file(dir, name)->set_listed = 1;
}

void
fake_vanish(const char *dir, const char *name)
{
	find_file(dir, name)->vanish = 1;
}

int
fake_exists(const char *dir, const char *name)
{
	struct ffile *f = find_file(dir, name);

	return f != NULL && !f->deleted && !f->vanish;
}

int
fake_opens(const char *dir, const char *name)
{
	return find_file(dir, name)->opens;
}

int
fake_deletes(const char *dir, const char *name)
{
	return find_file(dir, name)->deletes;
}

size_t
fake_peak_entries(void)
{
	return w.open_dirs;
}

const char *
fake_out(void)
{
	return w.out.s ? w.out.s : "";
}

const char *
fake_err(void)
{
	return w.err.s ? w.err.s : "";
}

void
fake_out_fail(int fail)
{
	w.out_fail = fail;
}

void
fake_flush_fail(int from)
{
	w.flush_fail = from;
}

const char *
fake_log(void)
{
	return w.log.s ? w.log.s : "";
}

void
fake_log_fail(enum pst open_st, int write_fail)
{
	w.log_open = open_st;
	w.log_write_fail = write_fail;
}

void
fake_console(int out, int err)
{
	w.console_out = out;
	w.console_err = err;
}

void
fake_set_mtime(const char *dir, const char *name, int64_t mtime)
{
	find_file(dir, name)->mtime = mtime;
}

void
fake_tick(uint64_t ms_per_call)
{
	w.tick = ms_per_call;
}

int
fake_run(const char *arg, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	sb_free(&w.out);
	sb_free(&w.err);
	w.flushes = 0;
	argv[argc++] = "mmpclean";
	va_start(ap, arg);
	for (; arg != NULL; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	argv[argc] = NULL;
	return mmpclean_main(argc, argv);
}

/* plat.h */

const char *
plat_lasterror(void)
{
	return w.lasterr[0] != '\0' ? w.lasterr : "fake I/O error 1117";
}

const char *
plat_errtext(const struct plat_err *e)
{
	return e->text != NULL ? e->text : "fake I/O error 1117";
}

void
fake_drive(char letter, int remote, const char *target)
{
	w.drives[w.ndrives].letter = letter;
	w.drives[w.ndrives].remote = remote;
	snprintf(w.drives[w.ndrives].target, sizeof(w.drives[0].target), "%s",
	    target);
	w.ndrives++;
}

static size_t
to16(uint16_t *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0' && n < cap; n++)
		out[n] = (unsigned char)s[n];
	return n;
}

/* As locks.c's reachable(), with the drives above. */
static enum pst
reachable(const char *path)
{
	uint16_t p[256], t[128];
	size_t np = to16(p, 256, path), nt = 0;
	int letter = path_drive(p, np), remote = 0;
	enum reach how;

	for (int i = 0; letter != 0 && i < w.ndrives; i++)
		if (w.drives[i].letter == letter) {
			remote = w.drives[i].remote;
			nt = to16(t, 128, w.drives[i].target);
		}
	how = boot_reach(p, np, remote, nt > 0 ? t : NULL, nt);
	if (how == REACH_BOOT)
		return PST_OK;
	snprintf(w.lasterr, sizeof(w.lasterr), "%s", reach_why(how));
	return PST_IO;
}

enum pst
plat_reg_get(enum regview v, const char *key, const char *name,
    struct regval *out)
{
	struct freg *r = reg_find(v, key, name, 0);

	memset(out, 0, sizeof(*out));
	if (r == NULL)
		return PST_ABSENT;
	if (r->fail != PST_OK)
		return r->fail;
	if (r->data == NULL)
		return PST_ABSENT;
	out->type = r->type;
	if (r->type != 1 && r->type != 2)
		return PST_WRONGTYPE;
	out->data = xstrdup(r->data);
	out->expand = r->type == 2;
	return PST_OK;
}

enum pst
plat_getenv(const char *name, char **value)
{
	for (int i = 0; i < w.nenv; i++)
		if (ascii_casecmp(w.env[i][0], name) == 0) {
			*value = xstrdup(w.env[i][1]);
			return PST_OK;
		}
	return PST_ABSENT;
}

enum pst
plat_windows_dir(char **path)
{
	if (w.windir[0] == '\0')
		return PST_IO;
	*path = xstrdup(w.windir);
	return PST_OK;
}

static size_t
hash_name(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

enum pst
plat_dir_open(const char *path, struct plat_dir **dp, struct plat_dirid *id)
{
	struct fdir *d = find_dir(path, 0);

	if (d == NULL)
		return PST_NOTFOUND;
	if (d->open_fail != PST_OK)
		return d->open_fail;
	if (d->alias_of >= 0)
		d = &w.d[d->alias_of];
	*dp = calloc(1, sizeof(**dp));
	(*dp)->d = d;
	/* by name for plat_file, before any worker looks */
	free(d->hash);
	d->hcap = (size_t)d->n * 2 + 1;
	d->hash = calloc(d->hcap, sizeof(*d->hash));
	for (int i = 0; d->hash != NULL && i < d->n; i++) {
		size_t h = hash_name(d->f[i].name) % d->hcap;

		while (d->hash[h] != 0)
			h = (h + 1) % d->hcap;
		d->hash[h] = i + 1;
	}
	d->hashed = d->n;
	if (d->has_id)
		*id = d->id;
	else {
		/* one volume per drive letter, file numbers counted per volume */
		id->volume = (unsigned char)d->path[0];
		id->file[0] = 1;
		for (struct fdir *o = w.d; o < d; o++)
			id->file[0] += o->alias_of < 0 &&
			    o->path[0] == d->path[0];
		id->file[1] = 0;
	}
	w.open_dirs++;
	return PST_OK;
}

enum pst
plat_dir_next(struct plat_dir *dp, struct plat_entry *e)
{
	struct ffile *f;

	for (;;) {
		if (dp->pos >= dp->d->n) {
			if (w.interrupt_at_end)
				press_ctrl_c();
			return dp->d->list_fail != PST_OK ?
			    dp->d->list_fail : PST_END;
		}
		if (w.interrupt_after > 0 &&
		    ++w.entries_listed >= w.interrupt_after)
			press_ctrl_c();
		f = &dp->d->f[dp->pos++];
		if (f->deleted)
			continue;
		e->name = f->name;
		e->attrs = f->set_listed ? f->listed : f->attrs;
		e->size = 100;
		e->mtime = f->mtime;
		return PST_OK;
	}
}

void
plat_dir_close(struct plat_dir *dp)
{
	free(dp);
}

int
plat_dir_others(struct plat_dir *dp)
{
	return dp->d->others;
}

static struct ffile *
file_of(struct fdir *d, const char *name)
{
	size_t h;

	if (d->hash != NULL && d->hashed == d->n) {
		for (h = hash_name(name) % d->hcap; d->hash[h] != 0;
		    h = (h + 1) % d->hcap)
			if (strcmp(d->f[d->hash[h] - 1].name, name) == 0)
				return &d->f[d->hash[h] - 1];
		return NULL;
	}
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->f[i].name, name) == 0)
			return &d->f[i];
	return NULL;
}

/*
 * One call into plat_file begins: counted; with fake_stall(k), the first
 * k calls wait until all k are inside at once (or 10 s, counted as a
 * timeout); fake_interrupt_at_call(n) presses Ctrl+C as the nth begins.
 */
static void
call_begin(void)
{
	struct timespec until;

	pthread_mutex_lock(&fl);
	w.calls++;
	if (__atomic_load_n(&ctrl_c, __ATOMIC_SEQ_CST))
		w.calls_after_ctrl_c++;
	if (w.ctrl_c_at_call > 0 && w.calls == w.ctrl_c_at_call)
		press_ctrl_c();
	if (++w.inflight > w.inflight_max)
		w.inflight_max = w.inflight;
	if (w.stall > 0 && w.calls <= w.stall) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		if (w.inflight >= w.stall)
			pthread_cond_broadcast(&fl_cond);
		while (w.inflight < w.stall && w.inflight_max < w.stall)
			if (pthread_cond_timedwait(&fl_cond, &fl, &until) ==
			    ETIMEDOUT) {
				w.stall_timeouts++;
				break;
			}
	}
	pthread_mutex_unlock(&fl);
	if (w.latency_us > 0) {
		struct timespec t = { 0, (long)w.latency_us * 1000 };

		nanosleep(&t, NULL);
	}
}

static enum pst
call_end(enum pst r)
{
	pthread_mutex_lock(&fl);
	w.inflight--;
	pthread_mutex_unlock(&fl);
	return r;
}

static enum pst
file_op(struct plat_dir *dp, const char *name, enum plat_act act,
    unsigned flags, struct plat_err *err)
{
	struct ffile *f = file_of(dp->d, name);

	if (f == NULL || f->deleted || f->vanish)
		return PST_GONE;
	f->opens++;
	if (f->attrs & PLAT_A_DIR)
		return PST_ISDIR;
	if (w.log_open_now && the_log.file == f)
		return PST_LOCKED;	/* the --log file, held open */
	if (f->locked != 0) {
		if (f->locked > 0)
			f->locked--;
		return f->lockst != PST_OK ? f->lockst : PST_LOCKED;
	}
	if (f->fail != PST_OK) {
		err->text = f->failtext;
		return f->fail;
	}
	if (act == ACT_DELETE) {
		f->deletes++;
		/* as plat.h says of the backend: Windows refuses, unless FORCE */
		if ((f->attrs & PLAT_A_READONLY) && !(flags & PLAT_F_FORCE))
			return PST_READONLY;
		f->deleted = 1;
	}
	return PST_OK;
}

enum pst
plat_file(struct plat_dir *dp, const char *name, enum plat_act act,
    unsigned flags, struct plat_err *err)
{
	memset(err, 0, sizeof(*err));
	call_begin();
	return call_end(file_op(dp, name, act, flags, err));
}

/* Threads: pthreads. */
struct plat_thread {
	pthread_t t;
	void (*fn)(void *);
	void *arg;
};

static void *
thread_main(void *p)
{
	struct plat_thread *t = p;

	t->fn(t->arg);
	return NULL;
}

enum pst
plat_thread_start(void (*fn)(void *), void *arg, struct plat_thread **tp)
{
	struct plat_thread *t;

	if (w.thread_fail)
		return PST_NOMEM;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return PST_NOMEM;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->t, NULL, thread_main, t) != 0) {
		free(t);
		return PST_IO;
	}
	w.threads_started++;
	*tp = t;
	return PST_OK;
}

void
plat_thread_join(struct plat_thread *t)
{
	pthread_join(t->t, NULL);
	free(t);
}

struct plat_lock {
	pthread_mutex_t m;
	pthread_cond_t c[2];
};

enum pst
plat_lock_new(struct plat_lock **lp)
{
	struct plat_lock *l = malloc(sizeof(*l));

	if (l == NULL)
		return PST_NOMEM;
	pthread_mutex_init(&l->m, NULL);
	pthread_cond_init(&l->c[0], NULL);
	pthread_cond_init(&l->c[1], NULL);
	*lp = l;
	return PST_OK;
}

void
plat_lock_free(struct plat_lock *l)
{
	pthread_mutex_destroy(&l->m);
	pthread_cond_destroy(&l->c[0]);
	pthread_cond_destroy(&l->c[1]);
	free(l);
}

void plat_lock(struct plat_lock *l) { pthread_mutex_lock(&l->m); }
void plat_unlock(struct plat_lock *l) { pthread_mutex_unlock(&l->m); }

void
plat_wait(struct plat_lock *l, enum plat_cond c)
{
	pthread_cond_wait(&l->c[c], &l->m);
}

void
plat_wake(struct plat_lock *l, enum plat_cond c, int all)
{
	if (all)
		pthread_cond_broadcast(&l->c[c]);
	else
		pthread_cond_signal(&l->c[c]);
}

int64_t
plat_time(void)
{
	return 1700000000;
}

uint64_t
plat_ms(void)
{
	return w.ms += w.tick;
}

/* Opened (and created, as Windows does) where a fake directory has it. */
enum pst
plat_log_open(const char *path, struct plat_log **lp)
{
	const char *slash = strrchr(path, '\\');
	char dir[256];
	struct fdir *d;

	if (w.log_open != PST_OK)
		return w.log_open;
	w.log_open_now = 1;
	the_log.file = NULL;
	if (slash != NULL && (size_t)(slash - path) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if ((d = find_dir(dir, 1)) != NULL) {
			for (int i = 0; i < d->n; i++)
				if (ascii_casecmp(d->f[i].name, slash + 1) == 0)
					the_log.file = &d->f[i];
			if (the_log.file == NULL) {
				fake_file(d->path, slash + 1, 0);
				the_log.file = &d->f[d->n - 1];
			}
		}
	}
	*lp = &the_log;
	return PST_OK;
}

int
plat_log_is(struct plat_log *l, struct plat_dir *dp, const char *name)
{
	for (int i = 0; i < dp->d->n; i++)
		if (strcmp(dp->d->f[i].name, name) == 0)
			return l->file == &dp->d->f[i];
	return 0;
}

enum pst
plat_log_write(struct plat_log *l, const char *utf8, size_t len)
{
	(void)l;
	if (w.log_write_fail)
		return PST_IO;
	sb_add(&w.log, utf8, len);
	return PST_OK;
}

void
plat_log_close(struct plat_log *l)
{
	(void)l;
	w.log_open_now = 0;
}

unsigned long
plat_pid(void)
{
	return 4242;
}

enum pst
plat_holders(struct plat_dir *dp, const char *const *names, size_t n,
    struct plat_holder *h, size_t cap, size_t *nh)
{
	*nh = 0;
	w.holder_calls++;
	for (size_t k = 0; k < n; k++)
		if (strcmp(w.holders_fail, "*") == 0 ||
		    strcmp(w.holders_fail, names[k]) == 0)
			return PST_IO;
	for (size_t k = 0; k < n; k++)
		for (int i = 0; i < w.nholders; i++) {
			if (ascii_casecmp(w.holders[i].dir, dp->d->path) != 0 ||
			    strcmp(w.holders[i].name, names[k]) != 0)
				continue;
			for (int j = 0; j < w.holders[i].nh; j++) {
				size_t m;

				for (m = 0; m < *nh; m++)
					if (h[m].pid == w.holders[i].h[j].pid)
						break;
				if (m == *nh && *nh < cap)
					h[(*nh)++] = w.holders[i].h[j];
			}
		}
	return PST_OK;
}

int
plat_is_admin(void)
{
	return w.admin;
}

static void
entry_path(struct plat_dir *dp, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s\\%s", dp->d->path, name);
}

enum pst
plat_reboot_pending(struct plat_dir *dp, const char *name, int *pending)
{
	char path[512];
	enum pst r;

	*pending = 0;
	if ((r = reachable(dp->d->path)) != PST_OK)
		return r;
	entry_path(dp, name, path, sizeof(path));
	*pending = fake_is_pending(path);
	return PST_OK;
}

enum pst
plat_reboot_delete(struct plat_dir *dp, const char *name)
{
	char path[512];
	enum pst r;

	if (w.reboot_fail != PST_OK)
		return w.reboot_fail;
	if ((r = reachable(dp->d->path)) != PST_OK)
		return r;
	entry_path(dp, name, path, sizeof(path));
	fake_pending(path);
	return PST_OK;
}

int
plat_interrupted(void)
{
	return __atomic_load_n(&ctrl_c, __ATOMIC_SEQ_CST);
}

enum pst
plat_event(int type, unsigned id, const char *text)
{
	if (w.event_fail != PST_OK)
		return w.event_fail;
	sb_printf(&w.events, "%d %u %s\n", type, id, text);
	return PST_OK;
}

enum pst
plat_eventlog_install(int *existed)
{
	*existed = w.event_installed;
	if (w.event_fail != PST_OK)
		return w.event_fail;
	w.event_installed = 1;
	return PST_OK;
}

enum pst
plat_eventlog_uninstall(void)
{
	if (!w.event_installed)
		return PST_ABSENT;
	if (w.event_fail != PST_OK)
		return w.event_fail;
	w.event_installed = 0;
	return PST_OK;
}

enum pst
plat_reg_key_exists(enum regview v, const char *key)
{
	return reg_find(v, key, NULL, 0) ? PST_OK : PST_ABSENT;
}

enum pst
plat_reg_set(enum regview v, const char *key, const char *name,
    const char *value)
{
	if (w.reg_write_fail != PST_OK)
		return w.reg_write_fail;
	fake_reg_value(v, key, name, value, 1);
	return PST_OK;
}

enum pst
plat_reg_delete(enum regview v, const char *key, const char *name)
{
	struct freg *r = reg_find(v, key, name, 0);

	if (w.reg_write_fail != PST_OK)
		return w.reg_write_fail;
	if (r == NULL || r->data == NULL)
		return PST_ABSENT;
	free(r->data);
	r->data = NULL;
	return PST_OK;
}

enum pst
plat_mkdir(const char *path, int *created)
{
	if (w.mkdir_fail != PST_OK)
		return w.mkdir_fail;
	*created = find_dir(path, 0) == NULL;
	fake_dir(path);
	return PST_OK;
}

enum pst
plat_account_exists(const char *name)
{
	for (int i = 0; i < w.naccounts; i++)
		if (ascii_casecmp(w.accounts[i], name) == 0)
			return PST_OK;
	return PST_ABSENT;
}

enum pst
plat_computer_name(char **name)
{
	*name = xstrdup(w.host);
	return PST_OK;
}

enum pst
plat_grant_modify(const char *path, const char *account)
{
	if (w.grant_fail != PST_OK)
		return w.grant_fail;
	sb_printf(&w.grants, "%s:%s\n", account, path);
	return PST_OK;
}

void
plat_sleep_ms(unsigned ms)
{
	w.ms += ms;
	w.slept += ms;
	sb_printf(&w.sleeps, "%s%u", w.sleeps.len ? " " : "", ms);
	if (w.interrupt_sleeps > 0 && --w.interrupt_sleeps == 0)
		press_ctrl_c();	/* Ctrl+C while asleep */
}

enum pst
plat_write(enum plat_stream s, const char *utf8, size_t len)
{
	if (s == OUT_STDOUT && w.out_fail == 1)
		return PST_IO;
	sb_add(s == OUT_STDOUT ? &w.out : &w.err, utf8, len);
	return PST_OK;
}

enum pst
plat_flush(enum plat_stream s)
{
	/* 1: writes failed already, nothing is buffered; 2: the flush fails */
	if (s != OUT_STDOUT)
		return PST_OK;
	w.flushes++;
	return w.out_fail == 2 || (w.flush_fail > 0 &&
	    w.flushes >= w.flush_fail) ? PST_IO : PST_OK;
}

int
plat_isconsole(enum plat_stream s)
{
	return s == OUT_STDOUT ? w.console_out : w.console_err;
}

void
fake_notice(const char *text, int after)
{
	snprintf(w.notice, sizeof(w.notice), "%s", text);
	w.notice_after = after;
}

const char *
plat_notice(void)
{
	static char said[128];

	if (w.notice[0] == '\0' || w.notice_after-- > 0)
		return NULL;
	memcpy(said, w.notice, sizeof(said));
	w.notice[0] = '\0';
	return said;
}

/* ---- --computer: other computers' registries, the names file, children */

void
fake_remote(const char *host, enum pst st)
{
	assert(w.nhosts < 16);
	snprintf(w.hosts[w.nhosts].name, sizeof(w.hosts[0].name), "%s", host);
	w.hosts[w.nhosts++].st = st;
}

void
fake_reg_value_on(const char *host, enum regview v, const char *key,
    const char *name, const char *data, unsigned long type)
{
	char was[64];

	memcpy(was, w.reg_on, sizeof(was));
	snprintf(w.reg_on, sizeof(w.reg_on), "%s", host);
	fake_reg_value(v, key, name, data, type);
	memcpy(w.reg_on, was, sizeof(was));
}

const char *
fake_reg_on(void)
{
	return w.reg_on;
}

enum pst
plat_reg_connect(const char *host)
{
	for (int i = 0; i < w.nhosts; i++)
		if (ascii_casecmp(w.hosts[i].name, host) == 0) {
			if (w.hosts[i].st != PST_OK) {
				snprintf(w.lasterr, sizeof(w.lasterr), "The RPC "
				    "server is unavailable. (Win32 error 1722)");
				return w.hosts[i].st;
			}
			snprintf(w.reg_on, sizeof(w.reg_on), "%s", host);
			return PST_OK;
		}
	snprintf(w.lasterr, sizeof(w.lasterr), "The network path was not "
	    "found. (Win32 error 53)");
	return PST_NOTFOUND;
}

void
fake_text_file(const char *path, const char *data, size_t len, enum pst st)
{
	assert(w.nfiles < 4);
	snprintf(w.files[w.nfiles].path, sizeof(w.files[0].path), "%s",
	    path ? path : "");
	w.files[w.nfiles].data = malloc(len + 1);
	memcpy(w.files[w.nfiles].data, data, len);
	w.files[w.nfiles].len = len;
	w.files[w.nfiles++].st = st;
}

enum pst
plat_read_file(const char *path, size_t max, char **data, size_t *len)
{
	for (int i = 0; i < w.nfiles; i++)
		if (ascii_casecmp(w.files[i].path, path ? path : "") == 0) {
			if (w.files[i].st != PST_OK)
				return w.files[i].st;
			if (w.files[i].len > max)
				return PST_NOMEM;
			*data = malloc(w.files[i].len + 1);
			memcpy(*data, w.files[i].data, w.files[i].len);
			(*data)[w.files[i].len] = '\0';
			*len = w.files[i].len;
			return PST_OK;
		}
	return PST_NOTFOUND;
}

void
fake_child(const char *host, int status, const char *out, const char *err,
    long ms)
{
	struct fchild_script *c = &w.scripts[w.nscripts++];

	assert(w.nscripts <= 16);
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->status = status;
	c->out = xstrdup(out ? out : "");
	c->err = xstrdup(err ? err : "");
	c->ms = ms;
	c->start = PST_OK;
}

void
fake_child_start_fail(const char *host, enum pst st)
{
	fake_child(host, 0, NULL, NULL, 0);
	w.scripts[w.nscripts - 1].start = st;
}

const char *
fake_child_args(void)
{
	return w.child_args.s ? w.child_args.s : "";
}

const char *
fake_stopped(void)
{
	return w.stopped.s ? w.stopped.s : "";
}

int
fake_most_running(void)
{
	return w.most_running;
}

int
fake_children_alive(void)
{
	return w.children_started - w.children_freed;
}

void
fake_interrupt_waits(int n)
{
	w.interrupt_waits = n;
}

struct plat_child {
	struct fchild_script *s;
	struct fchild_script dflt;
	uint64_t ends;		/* w.ms when it ends; UINT64_MAX never */
	int ended, stopped;
};

enum pst
plat_child_start(const char *const *args, size_t n, struct plat_child **cp)
{
	struct plat_child *c = calloc(1, sizeof(*c));
	const char *host = "";

	for (size_t i = 0; i < n; i++) {
		sb_printf(&w.child_args, "%s%s", i ? " " : "", args[i]);
		if (i + 1 < n && strcmp(args[i], "--one-computer") == 0)
			host = args[i + 1];
	}
	sb_puts(&w.child_args, "\n");
	c->s = &c->dflt;
	c->dflt.out = c->dflt.err = "";
	for (int i = 0; i < w.nscripts; i++)
		if (strcmp(w.scripts[i].host, host) == 0)
			c->s = &w.scripts[i];
	if (c->s->start != PST_OK) {
		enum pst st = c->s->start;

		free(c);
		snprintf(w.lasterr, sizeof(w.lasterr), "The system cannot find "
		    "the file specified. (Win32 error 2)");
		return st;
	}
	c->ends = c->s->ms < 0 ? UINT64_MAX : w.ms + (uint64_t)c->s->ms;
	w.children_started++;
	if (++w.running > w.most_running)
		w.most_running = w.running;
	*cp = c;
	return PST_OK;
}

int
plat_child_wait(struct plat_child *const *c, size_t n, unsigned ms)
{
	size_t best = n;

	if (w.interrupt_waits > 0 && --w.interrupt_waits == 0)
		press_ctrl_c();		/* Ctrl+C while waiting */
	for (size_t i = 0; i < n; i++) {
		assert(!c[i]->ended && !c[i]->stopped);
		if (best == n || c[i]->ends < c[best]->ends)
			best = i;
	}
	if (best < n && c[best]->ends <= w.ms + ms) {
		if (c[best]->ends > w.ms)
			w.ms = c[best]->ends;
		c[best]->ended = 1;
		w.running--;
		return (int)best;
	}
	w.ms += ms;
	return -1;
}

void
plat_child_stop(struct plat_child *c)
{
	sb_printf(&w.stopped, "%s%s", w.stopped.len ? " " : "", c->s->host);
	c->stopped = 1;
	w.running--;
}

int
plat_child_result(struct plat_child *c, const char **out, size_t *outlen,
    const char **err, size_t *errlen)
{
	int whole = c->ended;

	if (out != NULL) {
		*out = whole ? c->s->out : NULL;
		*outlen = whole ? strlen(c->s->out) : 0;
	}
	if (err != NULL) {
		*err = whole ? c->s->err : NULL;
		*errlen = whole ? strlen(c->s->err) : 0;
	}
	return c->ended ? c->s->status : -1;
}

void
plat_child_free(struct plat_child *c)
{
	w.children_freed++;
	free(c);
}
