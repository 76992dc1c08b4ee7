/*
 * The platform seam: what mmpclean needs from the operating system, in the
 * job's own words.  The core (everything else in src/) sees UTF-8 strings and
 * the outcomes below, never a Win32 type or error code.  There are two
 * implementations: src/win32/ for the real program, one file per section
 * below, and tests/unit/fake.c for the unit tests.  Win32 errors are
 * converted to these outcomes once, in src/win32/err.c.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stddef.h>
#include <stdint.h>

/* ---- Outcomes: src/win32/err.c ---- */

enum pst {
	PST_OK = 0,
	PST_END,	/* no more directory entries */
	PST_ABSENT,	/* registry key or value, or environment variable, not set */
	PST_GONE,	/* the file vanished, or another process is deleting it */
	PST_LOCKED,	/* sharing violation: another process has the file open */
	PST_MAPPED,	/* a process maps the file (a section view): a lock that
			   shows only when the file is marked for deletion */
	PST_PENDING,	/* already deleted, but another process's handle keeps
			   the name until it closes the file */
	PST_DENIED,	/* access denied (never a lock) */
	PST_READONLY,	/* the file has the read-only attribute */
	PST_NOTFOUND,	/* a directory path that does not exist */
	PST_NOTDIR,	/* a path that exists but is not a directory */
	PST_ISDIR,	/* an entry that turned out to be a directory */
	PST_LINK,	/* a reparse point, or a handle that is not the entry */
	PST_BADNAME,	/* a name the system cannot open (see WINE-NOTES) */
	PST_WRONGTYPE,	/* a registry value that is not a string */
	PST_NOMEM,
	PST_IO		/* anything else: plat_lasterror() says what */
};

/*
 * Text for the most recent PST_IO (or other failure) with the OS's own code,
 * of a call made on the program's main thread.
 */
const char *plat_lasterror(void);

/*
 * What a failure said, carried with its outcome by the calls that run on
 * worker threads (plat_file), where a global cannot hold it.  The raw form
 * (a code, or a fixed text) travels; plat_errtext turns it into words only
 * when the report needs them, so a locked file among thousands costs
 * nothing.
 */
struct plat_err {
	int src;		/* the backend's: where code came from */
	unsigned long code;
	const char *text;	/* a fixed text, or NULL */
};
/* e's words; the buffer is reused by the next call (main thread only). */
const char *plat_errtext(const struct plat_err *e);

/* ---- Registry: src/win32/reg.c ---- */

/* Registry, under HKEY_LOCAL_MACHINE, read in an explicit view. */
enum regview { VIEW_64, VIEW_32 };
struct regval {
	char *data;		/* malloc'd UTF-8; NULL unless PST_OK */
	int expand;		/* REG_EXPAND_SZ: expand %VARIABLES% */
	unsigned long type;	/* the raw type, for PST_WRONGTYPE messages */
};
enum pst plat_reg_get(enum regview view, const char *key, const char *name,
    struct regval *out);

/*
 * --one-computer: from now on, plat_reg_get and plat_reg_key_exists read
 * host's registry (the Remote Registry service; the caller's own logon).
 * PST_NOTFOUND: the computer cannot be found or its service is off.
 */
enum pst plat_reg_connect(const char *host);

/* For --configure: registry writes under HKLM, in an explicit view. */
enum pst plat_reg_key_exists(enum regview view, const char *key);
enum pst plat_reg_set(enum regview view, const char *key, const char *name,
    const char *value);		/* REG_SZ; creates the key */
enum pst plat_reg_delete(enum regview view, const char *key,
    const char *name);		/* PST_ABSENT: it was not there */

/* ---- Environment: src/win32/env.c ---- */

/* Environment variable; *value malloc'd, or PST_ABSENT. */
enum pst plat_getenv(const char *name, char **value);

/* The system Windows directory, malloc'd. */
enum pst plat_windows_dir(char **path);

/* ---- Directories: src/win32/dir.c (the run count: src/win32/sync.c) ---- */

/* A directory opened once; its entries are opened relative to it. */
struct plat_dir;
enum {
	PLAT_A_DIR = 1 << 0,
	PLAT_A_LINK = 1 << 1,	/* reparse point */
	PLAT_A_READONLY = 1 << 2,
	PLAT_A_HIDDEN = 1 << 3,
	PLAT_A_SYSTEM = 1 << 4
};
struct plat_entry {
	const char *name;	/* WTF-8 long name, valid until the next call */
	unsigned attrs;
	uint64_t size;
	int64_t mtime;		/* last write, seconds since 1970 UTC */
};
/*
 * A directory's identity, to scan it once: the volume's serial number and
 * the file ID, 128 bits where the file system has them (ReFS's 64-bit IDs
 * are not unique).  A file ID of zero is unknown (some SMB servers): such
 * a directory is never taken for another.
 */
struct plat_dirid {
	uint64_t volume;
	uint64_t file[2];	/* low, high */
};
/* path is absolute, in the form the user reads (C:\x, \\server\share\x). */
enum pst plat_dir_open(const char *path, struct plat_dir **dp,
    struct plat_dirid *id);
/* Entries whose name may match *.mmp; the caller filters the long name. */
enum pst plat_dir_next(struct plat_dir *d, struct plat_entry *e);
void plat_dir_close(struct plat_dir *d);
/*
 * How many other mmpclean runs have d's directory open now (each counts
 * itself in from plat_dir_open to plat_dir_close), or -1 when that cannot
 * be known.
 */
int plat_dir_others(struct plat_dir *d);

/* ---- One file, probed and deleted: src/win32/file.c ---- */

/*
 * Open the entry `name` of `d` for DELETE with no sharing, verify that the
 * handle is that entry and a plain file, and mark it for deletion through
 * the same handle.  ACT_PROBE clears the mark again before the handle is
 * closed, so that it answers "would ACT_DELETE succeed?" and deletes
 * nothing: PST_OK means free.  With ACT_DELETE, PST_OK means the name is
 * gone; PST_PENDING that another handle keeps it for now.  *err says
 * what a failure was.  Safe on several threads at once for different
 * entries of one d, while the main thread lists d (plat_dir_next).
 */
enum plat_act { ACT_PROBE, ACT_DELETE };
enum { PLAT_F_FORCE = 1 << 0 };	/* clear read-only on the same handle */
enum pst plat_file(struct plat_dir *d, const char *name, enum plat_act act,
    unsigned flags, struct plat_err *err);

/* ---- Worker threads: src/win32/thread.c ---- */

/*
 * What the scan's pipeline (pipe.c) needs to run plat_file on several
 * files at once: threads that each run one function to its end, and a
 * lock with two conditions to wait on.  Workers call nothing of this seam
 * but plat_file, plat_interrupted and these.
 */
struct plat_thread;
enum pst plat_thread_start(void (*fn)(void *), void *arg,
    struct plat_thread **t);
void plat_thread_join(struct plat_thread *t);	/* and frees it */

struct plat_lock;
enum plat_cond { COND_WORK, COND_DONE };
enum pst plat_lock_new(struct plat_lock **l);
void plat_lock_free(struct plat_lock *l);
void plat_lock(struct plat_lock *l);
void plat_unlock(struct plat_lock *l);
/* With l held: lets go of it, sleeps until woken, takes it again. */
void plat_wait(struct plat_lock *l, enum plat_cond c);
/* Wakes one waiter on c, or every one. */
void plat_wake(struct plat_lock *l, enum plat_cond c, int all);

/* ---- Locked files: src/win32/locks.c ---- */

/*
 * Who holds files open (Restart Manager): the processes that hold any of
 * the n entries of d, at most cap of them.  *nh is 0 when none can be
 * named (no rights; Wine, whose Restart Manager lists nothing).
 */
struct plat_holder {
	unsigned long pid;
	char app[128];		/* "inetinfo.exe", UTF-8 */
	char service[64];	/* "W3SVC", or "" */
};
enum pst plat_holders(struct plat_dir *d, const char *const *names,
    size_t n, struct plat_holder *h, size_t cap, size_t *nh);

/*
 * Delete at the next boot (MoveFileEx with MOVEFILE_DELAY_UNTIL_REBOOT).
 * plat_reboot_pending says whether the entry is already in
 * PendingFileRenameOperations, to be deleted.
 */
enum pst plat_reboot_pending(struct plat_dir *d, const char *name,
    int *pending);
enum pst plat_reboot_delete(struct plat_dir *d, const char *name);

/* ---- --configure: src/win32/admin.c ---- */

/* Administrator rights: an elevated token in the Administrators group. */
int plat_is_admin(void);
/* Creates the directory and its parents; *created says if it was new. */
enum pst plat_mkdir(const char *path, int *created);
enum pst plat_account_exists(const char *name);	/* PST_ABSENT: no such */
enum pst plat_computer_name(char **name);
/* Adds an inheritable "modify" allow entry for account to path's DACL. */
enum pst plat_grant_modify(const char *path, const char *account);

/* ---- The event log: src/win32/event.c ---- */

/*
 * The Application event log, source "mmpclean", with the message table
 * compiled into the executable.  type: 0 information, 1 warning, 2 error.
 */
enum pst plat_event(int type, unsigned id, const char *text);
/* *existed: the source was registered already (its message file updated) */
enum pst plat_eventlog_install(int *existed);
enum pst plat_eventlog_uninstall(void);	/* PST_ABSENT: not installed */

/* ---- Output and the log file: src/win32/io.c ---- */

/*
 * An append-only log: created if missing, never truncated; each write is
 * one atomic append, so runs that log at once do not tear each other's
 * lines.  path is absolute.
 */
struct plat_log;
enum pst plat_log_open(const char *path, struct plat_log **lp);
enum pst plat_log_write(struct plat_log *l, const char *utf8, size_t len);
void plat_log_close(struct plat_log *l);
/*
 * Whether the entry `name` of d is the very file l appends to (by file
 * identity, whatever path named it): a --log file among the *.mmp files
 * of a scanned directory is mmpclean's own, and held by it.
 */
int plat_log_is(struct plat_log *l, struct plat_dir *d, const char *name);

/* Output.  A console gets UTF-16 (WriteConsoleW), anything else UTF-8. */
enum plat_stream { OUT_STDOUT, OUT_STDERR };
enum pst plat_write(enum plat_stream s, const char *utf8, size_t len);
enum pst plat_flush(enum plat_stream s);
int plat_isconsole(enum plat_stream s);

/*
 * --computers FILE: the whole of a small file, its bytes as they are, or
 * standard input for a NULL path.  PST_NOMEM when it holds more than max.
 */
enum pst plat_read_file(const char *path, size_t max, char **data,
    size_t *len);

/* ---- Child runs, one per computer of --computer: src/win32/proc.c ---- */

/*
 * This program run again with the n words args (argv[0] is its own
 * path), standard input empty, standard output and error kept in memory.
 */
struct plat_child;
enum pst plat_child_start(const char *const *args, size_t n,
    struct plat_child **cp);
/* Waits up to ms for one of the n to end: its index, or -1. */
int plat_child_wait(struct plat_child *const *c, size_t n, unsigned ms);
/* Ends it now (--host-timeout), without waiting for it to go. */
void plat_child_stop(struct plat_child *c);
/* An ended child's exit status and everything it wrote. */
int plat_child_result(struct plat_child *c, const char **out,
    size_t *outlen, const char **err, size_t *errlen);
void plat_child_free(struct plat_child *c);

/* ---- Named objects runs share: src/win32/sync.c ---- */

/*
 * Something the user should know that is no failure (a named object
 * another account made, so gone without), once; NULL when there is
 * nothing more to say.
 */
const char *plat_notice(void);

/* ---- The process: src/win32/main.c ---- */

/*
 * True once Ctrl+C or Ctrl+Break was pressed (the handler only notes it);
 * any thread may ask.
 */
int plat_interrupted(void);

/* Clock: wall time for ages, milliseconds for timings. */
int64_t plat_time(void);
uint64_t plat_ms(void);
void plat_sleep_ms(unsigned ms);
unsigned long plat_pid(void);

#endif
