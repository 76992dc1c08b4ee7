/* The fake platform: directories, files, registry and output in memory. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "mmpclean.h"

#define MAXF 256
#define MAXD 16

struct ffile {
	char name[256];
	unsigned attrs;
	int locked;
	enum pst fail;
	int vanish, deleted, opens;
	int64_t mtime;
};
struct fdir {
	char path[256];
	int alias_of;		/* -1, or the index of the real one */
	enum pst open_fail, list_fail;
	struct ffile f[MAXF];
	int n;
};
struct plat_dir {
	struct fdir *d;
	int pos;
};
static struct {
	struct fdir d[MAXD];
	int nd;
	struct {
		char *data;
		int expand;
		unsigned long type;
		enum pst fail;
	} reg[2];
	char *env[16][2];
	int nenv;
	char windir[256];
	struct sbuf out, err, log;
	int out_fail;
	size_t open_dirs;
	enum pst log_open;
	int log_write_fail, log_open_now;
	int console_out, console_err;
	uint64_t ms, tick;
} w;

void
fake_reset(void)
{
	for (int i = 0; i < 2; i++)
		free(w.reg[i].data);
	for (int i = 0; i < w.nenv; i++)
		free(w.env[i][0]), free(w.env[i][1]);
	sb_free(&w.out);
	sb_free(&w.err);
	sb_free(&w.log);
	memset(&w, 0, sizeof(w));
	strcpy(w.windir, "C:\\WINDOWS");
}

void
fake_reg(enum regview v, const char *data, int expand)
{
	free(w.reg[v].data);
	w.reg[v].data = xstrdup(data);
	w.reg[v].expand = expand;
	w.reg[v].type = expand ? 2 : 1;
}

void
fake_reg_type(enum regview v, unsigned long type)
{
	fake_reg(v, "", 0);
	w.reg[v].type = type;
}

void
fake_reg_fail(enum regview v, enum pst st)
{
	w.reg[v].fail = st;
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
	strcpy(w.windir, path);
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
	strcpy(d->f[d->n].name, name);
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
fake_fail(const char *dir, const char *name, enum pst st)
{
	find_file(dir, name)->fail = st;
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
	return "fake I/O error 1117";
}

enum pst
plat_reg_get(enum regview v, const char *key, const char *name,
    struct regval *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(key, profile_key) != 0 || strcmp(name, profile_value) != 0)
		return PST_ABSENT;
	if (w.reg[v].fail != PST_OK)
		return w.reg[v].fail;
	if (w.reg[v].data == NULL)
		return PST_ABSENT;
	out->type = w.reg[v].type;
	if (w.reg[v].type != 1 && w.reg[v].type != 2)
		return PST_WRONGTYPE;
	out->data = xstrdup(w.reg[v].data);
	out->expand = w.reg[v].expand;
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
	*path = xstrdup(w.windir);
	return PST_OK;
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
	id->volume = 7;
	id->file = (uint64_t)(d - w.d);
	w.open_dirs++;
	return PST_OK;
}

enum pst
plat_dir_next(struct plat_dir *dp, struct plat_entry *e)
{
	struct ffile *f;

	for (;;) {
		if (dp->pos >= dp->d->n)
			return dp->d->list_fail != PST_OK ?
			    dp->d->list_fail : PST_END;
		f = &dp->d->f[dp->pos++];
		if (f->deleted)
			continue;
		e->name = f->name;
		e->attrs = f->attrs;
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

enum pst
plat_file(struct plat_dir *dp, const char *name, enum plat_act act,
    unsigned flags)
{
	struct ffile *f = NULL;

	for (int i = 0; i < dp->d->n; i++)
		if (strcmp(dp->d->f[i].name, name) == 0)
			f = &dp->d->f[i];
	if (f == NULL || f->deleted || f->vanish)
		return PST_GONE;
	f->opens++;
	if (f->attrs & PLAT_A_DIR)
		return PST_ISDIR;
	if (f->locked != 0) {
		if (f->locked > 0)
			f->locked--;
		return PST_LOCKED;
	}
	if (f->fail != PST_OK)
		return f->fail;
	if (act == ACT_DELETE) {
		if ((f->attrs & PLAT_A_READONLY) && !(flags & PLAT_F_FORCE))
			return PST_READONLY;
		f->deleted = 1;
	}
	return PST_OK;
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

struct plat_log {
	int unused;
};

enum pst
plat_log_open(const char *path, struct plat_log **lp)
{
	static struct plat_log one;

	(void)path;
	if (w.log_open != PST_OK)
		return w.log_open;
	w.log_open_now = 1;
	*lp = &one;
	return PST_OK;
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

void
plat_sleep_ms(unsigned ms)
{
	(void)ms;
}

enum pst
plat_write(enum plat_stream s, const char *utf8, size_t len)
{
	if (s == OUT_STDOUT && w.out_fail)
		return PST_IO;
	sb_add(s == OUT_STDOUT ? &w.out : &w.err, utf8, len);
	return PST_OK;
}

enum pst
plat_flush(enum plat_stream s)
{
	return s == OUT_STDOUT && w.out_fail ? PST_IO : PST_OK;
}

int
plat_isconsole(enum plat_stream s)
{
	return s == OUT_STDOUT ? w.console_out : w.console_err;
}
