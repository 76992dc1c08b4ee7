/*
 * The Win32 side of the platform seam (see plat.h).  Strings cross the seam
 * as WTF-8: UTF-8 that also carries the unpaired surrogates NTFS allows in
 * names, so every name listed here can be opened again with the same bytes.
 * Files are opened through the native API, relative to a directory handle
 * opened once, and deleted through the handle that proved them unlocked.
 *
 * This header is what the files of src/win32/ share, and nothing else: the
 * Windows headers, the string conversions, the error context, the functions
 * loaded from advapi32 and RstrtMgr, the open directory and the path forms.
 * The core never sees it; plat.h is its seam.
 */
#ifndef W32_H
#define W32_H

#define WIN32_NO_STATUS
#include <windows.h>
#undef WIN32_NO_STATUS
#include <ntstatus.h>
#include <winternl.h>
#include <aclapi.h>
#include <restartmanager.h>

#include <stddef.h>
#include <stdint.h>

#include "plat.h"
#include "rules.h"

/* The most UTF-16 units a UNICODE_STRING holds. */
#define MAXNAME		32767

/* conv.c: WTF-8 and UTF-16. */
int dec8(const unsigned char *s, size_t n, uint32_t *cp);
int u8_to_w(const char *s8, size_t n, WCHAR *w, size_t *nw);
size_t w_to_u8(const WCHAR *w, size_t n, char *s8);
char *w_to_u8_dup(const WCHAR *w, size_t n);
enum pst u8_to_w_dup(const char *s, WCHAR **w, size_t *nw);
void w_to_u8_fit(const WCHAR *w, size_t n, char *out, size_t cap);
int64_t unix_time(int64_t ft);

/* err.c: where a code came from (and rules.h: what was being done). */
enum esrc { E_NONE, E_WIN32, E_NT, E_TEXT };
struct lasterr {
	enum esrc src;
	unsigned long code;
	const char *text;
};
extern _Thread_local struct lasterr lasterr;	/* this thread's */
void err_take(struct plat_err *e);
enum pst fail_text(enum pst r, const char *text);
enum pst nomem(void);
enum pst oserr(enum esrc src, unsigned long code, enum ectx ctx);
void sysmsg(DWORD code, char *out, size_t cap);

/*
 * dll.c: the functions used from advapi32 and RstrtMgr, called through
 * these tables (adv.RegOpenKeyExW) once lib_need said PST_OK.
 */
#define ADVAPI32_FUNCS(X) \
	X(BuildTrusteeWithNameW) X(CheckTokenMembership) \
	X(CreateWellKnownSid) X(DeregisterEventSource) \
	X(GetNamedSecurityInfoW) X(LookupAccountNameW) X(RegCloseKey) \
	X(RegConnectRegistryW) X(RegCreateKeyExW) X(RegDeleteKeyExW) X(RegDeleteValueW) \
	X(RegOpenKeyExW) X(RegQueryValueExW) X(RegSetValueExW) \
	X(RegisterEventSourceW) X(ReportEventW) X(SetEntriesInAclW) \
	X(SetNamedSecurityInfoW)
#define RSTRTMGR_FUNCS(X) \
	X(RmEndSession) X(RmGetList) X(RmRegisterResources) X(RmStartSession)

#define FUNC_PTR(f)	__typeof__(f) *f;
#define FUNC_NAME(f)	#f,
#define FUNC_COUNT(f)	+ 1

/* Filled in through slot, in the lists' order; called by name. */
union adv_funcs {
	struct { ADVAPI32_FUNCS(FUNC_PTR) };
	void (*slot[0 ADVAPI32_FUNCS(FUNC_COUNT)])(void);
};
union rm_funcs {
	struct { RSTRTMGR_FUNCS(FUNC_PTR) };
	void (*slot[0 RSTRTMGR_FUNCS(FUNC_COUNT)])(void);
};
extern union adv_funcs adv;
extern union rm_funcs rm;

struct lib {
	const WCHAR *file;
	const char *const *names;
	void (**slot)(void);
	size_t n;
	int state;	/* 0: not tried; 1: loaded; -1: failed, err says why */
	char err[1024];
};
extern struct lib advapi32, rstrtmgr;
enum pst lib_need(struct lib *l);

/* reg.c: HKLM\key in a view, and a value of any size. */
enum pst reg_open(enum regview view, const char *key, REGSAM access,
    int create, HKEY *hk);
enum pst reg_read(HKEY hk, const WCHAR *name, DWORD *type, WCHAR **data,
    DWORD *cb);

/* dir.c and file.c: a directory opened once. */
struct plat_dir {
	HANDLE h;
	int started;
	volatile LONG noex;	/* set by any worker (file.c) */
	unsigned char *list;	/* FILE_BOTH_DIR_INFORMATION records */
	ULONG listlen, next;	/* valid bytes; offset of the next entry */
	int more;		/* entries remain at list + next */
	char *name8;		/* the current entry's WTF-8 name */
	size_t name8cap;
	WCHAR *nt;		/* the NT name it was opened by: \??\C:\x */
	size_t ntlen;
	WCHAR *self;		/* the directory's object name */
	USHORT selflen;		/* in units */
	WCHAR *name16;		/* an entry's name, MAXNAME units */
	WCHAR *ux;		/* Wine only: \??\unix\...\ of it, or NULL */
	size_t uxlen;		/* in units */
	WCHAR *ux16;		/* an entry's \??\unix name, MAXNAME units */
	OBJECT_NAME_INFORMATION *info;	/* a handle's name */
	ULONG infocap;
	struct plat_dirid id;	/* its identity (handle_id) */
	HANDLE runs;		/* the count of runs in it, or NULL */
	int runs_global;	/* that count reaches across sessions */
};
NTSTATUS handle_name(struct plat_dir *d, HANDLE h);
/*
 * Held shared by every probe while its delete mark is set (file.c), so
 * that main.c's handler, taking it exclusive, waits for every worker's.
 */
extern SRWLOCK marking;
/*
 * A worker thread's own buffers for plat_file (the main thread uses the
 * directory's): made before the thread starts, freed when it ends.
 */
struct fbuf;
struct fbuf *fbuf_new(void);
void fbuf_use(struct fbuf *b);	/* this thread's from now on */
void fbuf_free(struct fbuf *b);
enum pst handle_id(HANDLE h, struct plat_dirid *id);
int dirid_same(const struct plat_dirid *a, const struct plat_dirid *b);
enum pst entry_name(struct plat_dir *d, const char *name, size_t *nw);

/* path.c */
enum pathform { PF_NT, PF_LONG, PF_PLAIN };
int isslash(WCHAR c);
enum pst nt_path(const char *path, WCHAR **out, size_t *outlen);
enum pst long_path(const char *path, WCHAR **out, size_t *outlen);
enum pst entry_path(struct plat_dir *d, const char *name,
    enum pathform form, WCHAR **out, size_t *outlen);
enum pst path_form(const char *path, enum pathform form, WCHAR **out,
    size_t *outlen);

/* sync.c */
void runs_join(struct plat_dir *d);
HANDLE log_mutex(HANDLE h);
void log_mutex_timeout(unsigned ms);

#endif
