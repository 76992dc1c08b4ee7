/* mmpclean's portable core: UTF-8 strings, no windows.h. */
#ifndef MMPCLEAN_H
#define MMPCLEAN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

/* Exit statuses; the highest that applies wins. */
enum {
	EXIT_CLEAN = 0,		/* nothing locked remains */
	EXIT_LOCKED = 1,	/* locked .mmp files remain */
	EXIT_FAILED = 2,	/* some files could not be handled */
	EXIT_NODIR = 3,		/* a directory could not be resolved or opened */
	EXIT_USAGE = 4		/* invalid command line */
};

/* --eventlog's event IDs, as in mmpclean.mc and the manual. */
enum {
	EVENT_RUN_CLEAN = 1000,		/* information: nothing locked remains */
	EVENT_RUN_LOCKED = 1001,	/* warning: locked files remain */
	EVENT_RUN_FAILED = 1002		/* error: files or directories failed */
};

/* The whole program; argv is UTF-8.  Called by wmain in src/win32/main.c. */
int mmpclean_main(int argc, char **argv);

/* opts.c: the command line, parsed into one struct. */
enum format { FMT_TEXT, FMT_CSV, FMT_JSON };
enum cmd {
	CMD_SCAN, CMD_CONFIGURE, CMD_UNCONFIGURE, CMD_INSTALL_EVENTLOG,
	CMD_UNINSTALL_EVENTLOG
};
/* Every option: its long name, short letter, value name and whether the
 * value may be given only once.  NULL-terminated, in --help's order. */
enum optid {
	OPT_DELETE = 1, OPT_FORCE, OPT_DIR, OPT_ALL, OPT_WHERE, OPT_OLDER,
	OPT_FORMAT, OPT_LOG, OPT_EVENTLOG, OPT_HOLDERS, OPT_WAIT, OPT_REBOOT,
	OPT_THREADS,
	OPT_COMPUTER, OPT_COMPUTERS, OPT_PARALLEL, OPT_HOST_TIMEOUT,
	OPT_ONE_COMPUTER,
	OPT_CONFIGURE, OPT_GRANT, OPT_UNCONFIGURE, OPT_INSTALL_EVENTLOG,
	OPT_UNINSTALL_EVENTLOG, OPT_QUIET, OPT_VERBOSE, OPT_HELP, OPT_VERSION,
	OPT_MAX
};
struct optdef {
	const char *name;	/* without the leading "--" */
	char letter;		/* the short option, or 0 */
	const char *arg;	/* the value's name in --help, or NULL */
	enum optid id;
	int once;		/* given twice is an error */
};
extern const struct optdef optdefs[];
/* opts_parse's messages fit this, values shortened with "..." */
#define OPTS_ERRMAX 512
struct opts {
	int delete, force, all, where, quiet, verbose, help, version;
	int holders, reboot, eventlog;
	unsigned wait;		/* --wait seconds, 0 when not given */
	unsigned threads;	/* --threads, 0 when not given */
	enum cmd cmd;		/* what to do other than scan */
	const char *configure;	/* --configure DIR as given */
	char *config_dir;	/* the same, normalised */
	const char *grant;	/* --grant ACCOUNT */
	const char **dirs;	/* --dir arguments, pointing into argv */
	size_t ndirs;
	int64_t older_than;	/* seconds; -1 when not given */
	enum format format;
	char *log;		/* --log FILE, normalised, or NULL */
	int log_owned;
	int clash;		/* two of --configure and friends */
	/* --computer: the names as given (comma lists), or --computers */
	const char **computers;
	size_t ncomputers;
	const char *computers_file;
	char *hosts_path;	/* the same, normalised; NULL for "-" */
	unsigned parallel;	/* --parallel, 1 by default */
	unsigned host_timeout;	/* --host-timeout seconds, 120 by default */
	const char *host;	/* --one-computer NAME, without "\\\\" */
	/* the command line, and which of its words are the fleet's own
	 * (--computer, --computers, --parallel, --host-timeout, --eventlog
	 * and their values): the rest is what each computer's run gets */
	int argc;
	char **argv;
	unsigned char *fleet_word;
};
/* 0, or EXIT_USAGE with a message (no "mmpclean: " prefix) in err. */
int opts_parse(struct opts *o, int argc, char **argv, char *err,
    size_t errlen);
void opts_free(struct opts *o);
/* opts_check.c: the options as a whole, after opts_parse read each */
int opts_check(struct opts *o, const char **first, char *err,
    size_t errlen);
/* opts.c's own, shared with opts_check.c */
int opts_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));	/* EXIT_USAGE */
/* How many bytes of a value a message quotes; the reason always follows. */
#define QUOTE_MAX 64
#define QBUF (QUOTE_MAX + 6)
const char *opts_quote(const char *s, char *buf);	/* buf: QBUF bytes */
/* "90s", "30m", "12h", "7d": 0 and *secs, or -1 and *why. */
int parse_age(const char *s, int64_t *secs, const char **why);
extern const char usage_line[];
extern const char *const cmd_name[];	/* "--configure", ... by enum cmd */
extern const char help_text[];

/*
 * fleet.c: --computer, one child run (--one-computer NAME) per computer,
 * --parallel of them at once, each stopped after --host-timeout.
 */
/* A computer name as --computer takes it: NULL, or what is wrong with it. */
const char *host_name_bad(const char *name);
/* "\\\\web01" -> "web01": the name without its leading backslashes */
const char *host_name_strip(const char *name);
struct hostlist {
	char **v;
	size_t n;
};
/* The names of --computer and --computers, checked and folded: 0, or
 * EXIT_USAGE with a message in err. */
int hosts_collect(const struct opts *o, struct hostlist *h, char *err,
    size_t errlen);
void hostlist_free(struct hostlist *h);
/* Text of a name list file (BOM: UTF-8, UTF-16LE or BE) as UTF-8. */
char *hosts_decode(const char *data, size_t len, const char **why);
/* How the computers of a --computer run ended. */
struct fleet_counts {
	unsigned long computers, clean, locked, failed, unreachable;
	unsigned long not_scanned;	/* interrupted before it started */
};
/* The highest status of every computer's (reports already relayed). */
int fleet_run(const struct opts *o, const struct hostlist *h,
    struct fleet_counts *fc);

/* admin.c: --configure, --unconfigure and the event source. */
int admin_command(const struct opts *o);

/* resolve.c: which directories to scan, and why. */
enum {
	SRC_DIROPT = 1 << 0,	/* --dir */
	SRC_REG64 = 1 << 1,	/* ProfileDirectory, 64-bit registry view */
	SRC_REG32 = 1 << 2,	/* ProfileDirectory, 32-bit registry view */
	SRC_WINDIR = 1 << 3,	/* the Windows directory */
	SRC_WEBTEMP = 1 << 4	/* Exchange's Webtemp, for Outlook Web Access */
};
struct cand {
	char *path;		/* normalised display form; with error, the
				   value as found, or NULL */
	unsigned src;		/* SRC_* bits: every reason it is listed */
	char *error;		/* could not be resolved: why, or NULL */
};
struct candlist {
	struct cand *v;
	size_t n;
};
extern const char *const view_name[];	/* "64-bit view", by enum regview */
extern const char profile_key[];
extern const char profile_value[];
extern const char exchange_key[];
extern const char exchange_value[];
/* EXIT_CLEAN or EXIT_NODIR (messages already written). */
int resolve(const struct opts *o, struct candlist *cl);
void candlist_free(struct candlist *cl);
/* Pure helpers, exposed for tests and fuzzing. */
int path_normalise(const char *in, char **out, const char **why);
/* EXP_FAILED: a variable could not be read (plat_lasterror() says why) */
enum expand_result { EXP_OK, EXP_UNDEFINED, EXP_NOMEM, EXP_FAILED };
enum expand_result env_expand(const char *in, char **out, char **undef);
char *src_describe(unsigned src);
/* resolve.c's own, shared with remote.c */
extern const char cur_version_key[];	/* HKLM's Windows NT\CurrentVersion */
enum expand_result env_expand_depth(const char *in, char **out,
    char **undef, int depth);
/* said on standard error, and kept as a candidate with its error */
void cand_fail(struct candlist *cl, unsigned src, const char *value,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* remote.c: --one-computer, another computer's directories from here */
enum pst remote_var(const char *name, char **value, int depth);
int connect_host(struct candlist *cl, const char *host);
int on_host(struct candlist *cl, const char *host, char **path,
    unsigned src);

/* scan.c: one directory, streamed. */
struct counts {
	unsigned long done;	/* deleted, or unlocked in report mode */
	unsigned long locked, readonly, skipped, errors, young;
	unsigned long pending;	/* deleted, kept by another's handle */
	unsigned long scheduled;	/* --reboot: deleted at the next boot */
};
struct run {
	const struct opts *o;
	int64_t now;		/* taken once, at the start */
	struct counts total;
	unsigned long dirs;
	unsigned long dir_errors;	/* not resolved, opened or listed */
	struct seen {		/* directories scanned so far */
		struct plat_dirid id;
		const char *path;	/* as first named (a cand's) */
	} *seen;
	size_t nseen;
	uint64_t wait_until;	/* --wait: plat_ms() deadline, once set */
	int admin;		/* --reboot: administrator rights */
	int interrupted;
	char services[32][64];	/* --holders: services to restart */
	size_t nservices;
};
void run_add_service(struct run *r, const char *name);
/* A file still locked after the listing, for one more look. */
struct later {
	char *name;
	enum pst why;		/* PST_LOCKED, PST_MAPPED or PST_PENDING */
	unsigned attrs;
	uint64_t size;
	int64_t mtime;
	char *holders;		/* --holders: who holds it, or NULL */
};
/* holders.c: --holders, each of v[0..n) named (retries: start at 0) */
void name_holders(struct plat_dir *d, struct run *r, struct later *v,
    size_t n, int retries);
int scan_dir(struct run *r, const struct cand *c);
unsigned long counts_files(const struct counts *c);
/* A name mmpclean may act on: the long name ends in ".mmp". */
int name_is_mmp(const char *name);

/*
 * pipe.c: plat_file on several files at once (--threads), the results
 * taken back in listing order.  The window holds PIPE_DEPTH items per
 * worker.
 */
#define PIPE_DEPTH 4
#define THREADS_MAX 64
#define THREADS_DEFAULT 4	/* see README, "Performance" */
struct pipe;
struct pipe_item {
	struct plat_entry e;	/* e.name: the caller's, malloc'd */
	int kind;		/* the caller's */
	enum plat_act act;	/* a job: plat_file(e.name, act, flags) */
	unsigned flags;
	int untried;		/* stopped before a worker took it */
	enum pst st;		/* the job's outcome */
	struct plat_err err;
};
struct pipe *pipe_new(struct plat_dir *d, unsigned threads);
int pipe_full(const struct pipe *p);
struct pipe_item *pipe_slot(struct pipe *p);
void pipe_push(struct pipe *p, int job);
struct pipe_item *pipe_head(struct pipe *p, int wait);
void pipe_pop(struct pipe *p);
void pipe_stop(struct pipe *p);
void pipe_free(struct pipe *p);

struct run;
/*
 * out.c: everything mmpclean prints goes through here: the report on
 * standard output as text, CSV or JSON, the --log file, and messages.
 */
int rep_begin(const struct opts *o, int64_t now);	/* 0, or -1: no log */
void rep_where(const struct cand *c);
void rep_notices(void);
void rep_dir_begin(const struct cand *c);
void rep_dir_failed(const struct cand *c);	/* c->error set */
void rep_file(const struct cand *c, const char *status,
    const struct plat_entry *e, const char *reason, int problem);
void rep_dir_end(const struct cand *c, const char *error,
    const struct counts *n);
void rep_progress(const struct counts *n, unsigned long seen);
void rep_end(const struct run *r, int status);	/* flushed */
void rep_end_log(int status);
char *rep_summary_text(const struct run *r, int status);
/* out_fleet.c, --computer: the fleet's report around each computer's own */
void rep_fleet_begin(const struct opts *o);
/* relays one computer's report (or says why there is none): its status */
int rep_fleet_host(const struct opts *o, const char *name, const char *out,
    size_t outlen, const char *err, size_t errlen, int status,
    const char *failure);
int rep_fleet_end(const struct opts *o, const struct fleet_counts *fc,
    int status);
char *rep_fleet_text(const struct fleet_counts *fc);
void out_text(const char *text);
void out_err(const char *text);
void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int out_log_is(struct plat_dir *d, const char *name);	/* our --log */
int out_failed(void);	/* EXIT_FAILED once the report or log failed */
int out_finish(void);	/* closes; EXIT_FAILED if an output failed */
/* out.c's own writing, shared with out_fleet.c */
#define CSV_HEAD_REPORT "status,path,size,last_write_utc,reason,computer\n"
#define CSV_HEAD_WHERE "path,source,computer\n"
struct sbuf;
void out_put(enum plat_stream s, const struct sbuf *b);
void out_put_log(struct sbuf *line);	/* the --log file, timestamped */
void out_flush(void);	/* standard output's buffer, now */
void out_json_str(struct sbuf *b, const char *key, const char *val);
int64_t out_now(void);
unsigned long out_json_next(void);

/* text.c: a growable string, and names made fit for printing. */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};
void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_vprintf(struct sbuf *b, const char *fmt, va_list ap);
void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_free(struct sbuf *b);
void sb_add_display(struct sbuf *b, const char *name);
void sb_add_path(struct sbuf *b, const char *dir, const char *name);
void sb_add_json(struct sbuf *b, const char *s);
void sb_add_csv(struct sbuf *b, const char *s);
void sb_add_time(struct sbuf *b, int64_t t);
int ascii_casecmp(const char *a, const char *b);
char *xstrdup(const char *s);

#endif
