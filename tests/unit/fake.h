/* A stateful fake of plat.h: an ordinary world that tests can spoil. */
#ifndef FAKE_H
#define FAKE_H

#include "plat.h"

void fake_reset(void);
/* cmocka fixtures: a fresh world with ProfileDirectory C:\mmp; a reset. */
int fake_setup_profile(void **state);
int fake_teardown(void **state);

/* ProfileDirectory in one view; type is a raw REG_* number. */
void fake_reg(enum regview view, const char *data, int expand);
void fake_reg_type(enum regview view, unsigned long type);
void fake_reg_fail(enum regview view, enum pst st);
void fake_env(const char *name, const char *value);
void fake_windir(const char *path);	/* NULL: cannot be found */

/* Directories; `alias` makes a second path for the same directory. */
void fake_dir(const char *path);
void fake_dir_alias(const char *alias, const char *path);
void fake_others(const char *path, int n);	/* other runs; -1 unknown */
/* The identity plat_dir_open gives (by default: volume 7, its index + 1). */
void fake_dir_id(const char *path, uint64_t volume, uint64_t lo,
    uint64_t hi);
void fake_dir_fail(const char *path, enum pst st);
void fake_list_fail(const char *path, enum pst st);

/* Files.  locked < 0: locked for good; > 0: for that many probes. */
void fake_file(const char *dir, const char *name, unsigned attrs);
void fake_lock(const char *dir, const char *name, int locked);
/* The same, answering st: PST_MAPPED (a view), PST_PENDING (deleted). */
void fake_lock_as(const char *dir, const char *name, int locked,
    enum pst st);
void fake_fail(const char *dir, const char *name, enum pst st);
/* PST_IO saying text: each file's failure its own words. */
void fake_fail_text(const char *dir, const char *name, const char *text);
void fake_vanish(const char *dir, const char *name);
/* The attributes the listing reports, when not the file's own (a race). */
void fake_listed_attrs(const char *dir, const char *name, unsigned attrs);
int fake_exists(const char *dir, const char *name);
int fake_opens(const char *dir, const char *name);
int fake_deletes(const char *dir, const char *name);	/* ACT_DELETE calls */
size_t fake_peak_entries(void);

/* Output captured; a stream can be made to fail. */
const char *fake_out(void);
const char *fake_err(void);
/* 1: every write to stdout fails; 2: writes are buffered, the flush fails */
void fake_out_fail(int fail);
/* Flushing stdout fails from the nth flush of a run on (0: never). */
void fake_flush_fail(int from);

/* The --log file: its text, and failures to open or to write it. */
const char *fake_log(void);
void fake_log_fail(enum pst open_st, int write_fail);
void fake_console(int out, int err);
void fake_set_mtime(const char *dir, const char *name, int64_t mtime);
void fake_tick(uint64_t ms_per_call);

/* Registry values anywhere under HKLM; type is a raw REG_* number. */
void fake_reg_value(enum regview v, const char *key, const char *name,
    const char *data, unsigned long type);
const char *fake_reg_read(enum regview v, const char *key, const char *name);

void fake_admin(int admin);		/* on by default */
void fake_interrupt_after(int entries);	/* Ctrl+C after that many */
void fake_interrupt_sleeps(int n);	/* Ctrl+C in the nth pause */
uint64_t fake_slept(void);		/* ms spent in plat_sleep_ms */
const char *fake_sleeps(void);		/* each pause: "100 200 400" */
void fake_holder(const char *dir, const char *name, unsigned long pid,
    const char *app, const char *service);
int fake_holder_calls(void);
/* Restart Manager fails on any set that holds name ("*": on every set). */
void fake_holders_fail(const char *name);
void fake_pending(const char *path);	/* PendingFileRenameOperations */
int fake_is_pending(const char *path);
void fake_reboot_fail(enum pst st);
/* A drive letter: a network drive, and what QueryDosDevice says it is. */
void fake_drive(char letter, int remote, const char *target);
void fake_reg_write_fail(enum pst st);	/* plat_reg_set and _delete */
const char *fake_events(void);		/* "type id text\n" per event */
int fake_event_installed(void);
void fake_event_fail(enum pst st);
void fake_account(const char *name);
const char *fake_grants(void);		/* "account:path\n" per grant */
void fake_grant_fail(enum pst st);
void fake_mkdir_fail(enum pst st);

/* A notice the backend gives once (plat_notice), after n more calls. */
void fake_notice(const char *text, int after);

/*
 * --computer: a computer whose registry can be read (st: PST_OK) or not;
 * its registry values; the file --computers reads (path NULL: standard
 * input); and the child run for a computer: its exit status, output and
 * errors, and how long it runs (-1: it never ends).
 */
void fake_remote(const char *host, enum pst st);
void fake_reg_value_on(const char *host, enum regview v, const char *key,
    const char *name, const char *data, unsigned long type);
const char *fake_reg_on(void);	/* whose registry was read last */
void fake_text_file(const char *path, const char *data, size_t len,
    enum pst st);
void fake_child(const char *host, int status, const char *out,
    const char *err, long ms);
void fake_child_start_fail(const char *host, enum pst st);
const char *fake_child_args(void);	/* each child's words, a line each */
const char *fake_stopped(void);		/* the computers stopped */
int fake_most_running(void);		/* children at once, at most */
int fake_children_alive(void);		/* started and not freed */
void fake_interrupt_waits(int n);	/* Ctrl+C in the nth wait */

/*
 * Workers: the first k plat_file calls wait for each other until k are
 * inside at once (a stall; 10 s at most, counted); every call sleeps us
 * microseconds; starting a thread fails.
 */
void fake_stall(int k);
void fake_latency_us(unsigned us);
void fake_thread_fail(int fail);
void fake_interrupt_at_call(int n);	/* Ctrl+C as the nth plat_file begins */
void fake_interrupt_at_end(void);	/* Ctrl+C as the listing ends */
int fake_threads_started(void);
int fake_inflight_max(void);		/* most plat_file calls at once */
int fake_stall_timeouts(void);
int fake_calls_after_ctrl_c(void);	/* plat_file calls begun after it */

int fake_run(const char *arg, ...);	/* NULL-terminated; argv[0] added */

#endif
