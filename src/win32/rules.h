/*
 * Decisions of the Windows backend that need no Windows header, so that
 * tests/unit/test_rules.c runs them natively: each takes the raw numbers
 * (NTSTATUS values, record bytes, UTF-16 names) the backend got from
 * Windows and says what they mean.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>

#include "plat.h"

/* ---- Outcomes and the disposition fallback (err.c, file.c) ---- */

/*
 * NTSTATUS values and Win32 error codes, as Windows defines them
 * (ntstatus.h, winerror.h); err.c checks each against those headers at
 * compile time.
 */
#define NT_NOT_IMPLEMENTED		0xC0000002u
#define NT_INVALID_INFO_CLASS		0xC0000003u
#define NT_INVALID_PARAMETER		0xC000000Du
#define NT_NO_SUCH_FILE			0xC000000Fu
#define NT_INVALID_DEVICE_REQUEST	0xC0000010u
#define NT_NO_MEMORY			0xC0000017u
#define NT_ACCESS_DENIED		0xC0000022u
#define NT_OBJECT_NAME_INVALID		0xC0000033u
#define NT_OBJECT_NAME_NOT_FOUND	0xC0000034u
#define NT_OBJECT_PATH_INVALID		0xC0000039u
#define NT_OBJECT_PATH_NOT_FOUND	0xC000003Au
#define NT_OBJECT_PATH_SYNTAX_BAD	0xC000003Bu
#define NT_SHARING_VIOLATION		0xC0000043u
#define NT_DELETE_PENDING		0xC0000056u
#define NT_INSUFFICIENT_RESOURCES	0xC000009Au
#define NT_FILE_IS_A_DIRECTORY		0xC00000BAu
#define NT_NOT_SUPPORTED		0xC00000BBu
#define NT_NAME_TOO_LONG		0xC0000106u
#define NT_CANNOT_DELETE		0xC0000121u
#define NT_FILE_DELETED			0xC0000123u
#define NT_INVALID_LEVEL		0xC0000148u
#define NT_NOT_A_DIRECTORY		0xC0000103u
#define NT_NO_MORE_FILES		0x80000006u

#define W32_FILE_NOT_FOUND		2u
#define W32_PATH_NOT_FOUND		3u
#define W32_ACCESS_DENIED		5u
#define W32_NOT_ENOUGH_MEMORY		8u
#define W32_OUTOFMEMORY			14u
#define W32_INVALID_DRIVE		15u
#define W32_NO_MORE_FILES		18u
#define W32_SHARING_VIOLATION		32u
#define W32_BAD_NETPATH			53u
#define W32_BAD_NET_NAME		67u
#define W32_RPC_SERVER_UNAVAILABLE	1722u
#define W32_INVALID_NAME		123u
#define W32_BAD_PATHNAME		161u
#define W32_FILENAME_EXCED_RANGE	206u
#define W32_DIRECTORY			267u
#define W32_ENVVAR_NOT_FOUND		203u
#define W32_NONE_MAPPED			1332u

/* What was being done when a code came back: the same code means more
 * than one thing. */
enum ectx {
	C_FILE,		/* an entry of a directory */
	C_FILE_RO,	/* the same, known to be read-only */
	C_LIST,		/* enumerating a directory */
	C_DIR,		/* opening a directory by path */
	C_REG,		/* registry */
	C_HOST,		/* reaching another computer (its registry) */
	C_OTHER
};

/*
 * The one place where NT and Win32 codes become the seam's outcomes
 * (err.c's oserr records the code and calls these).  PST_IO: anything
 * else, which plat_lasterror() then names by its code.
 */
enum pst nt_outcome(uint32_t status, enum ectx ctx);
enum pst win32_outcome(uint32_t code, enum ectx ctx);

/*
 * After FileDispositionInformationEx failed with `status`: true when that
 * means "this system or file system does not do it" and the classic
 * FileDispositionInformation is to be used instead; false when it is the
 * answer about this file (a lock, read-only, access denied).
 */
int disp_ex_unsupported(uint32_t status);

/* ---- Listings, link tags, names and --reboot paths (dir.c, file.c, locks.c) ---- */

/*
 * One FILE_BOTH_DIR_INFORMATION record of an NtQueryDirectoryFile buffer.
 * Offsets of its fields (dir.c checks them against the SDK's struct).
 */
#define REC_WRITETIME	24
#define REC_EOF		40
#define REC_ATTRS	56
#define REC_NAMELEN	60
#define REC_EASIZE	64
#define REC_NAME	94
struct dirrec {
	uint32_t attrs;
	uint32_t ea;		/* EaSize: a reparse point's tag */
	uint64_t size;
	int64_t mtime;		/* LastWriteTime: 100 ns since 1601 */
	const unsigned char *name;	/* UTF-16LE, at any alignment */
	size_t namelen;		/* in UTF-16 units */
	size_t next;		/* offset of the next record, 0 if last */
};
/*
 * The record at off of buf's first len bytes, read without assuming any
 * alignment (filter drivers have been seen to pack records); -1 when the
 * record or its link to the next one does not fit in the buffer.
 */
int dirrec_read(const unsigned char *buf, size_t len, size_t off,
    struct dirrec *r);

/*
 * Is a listed entry a link?  Only a reparse point whose tag is a name
 * surrogate (symbolic link, junction, WSL link: bit 29, as
 * IsReparseTagNameSurrogate tests); deduplicated, WOF-compressed and cloud
 * placeholder files are files.  tag: the record's EaSize.
 */
int reparse_is_link(uint32_t attrs, uint32_t tag);

/*
 * The link guard: how does a handle's full name `got` relate to the entry
 * `name` of the directory whose handle is named `self` (all UTF-16 units)?
 * eqi compares n units ignoring case, as the file system does.
 */
enum namev {
	NAME_OTHER,	/* another file: a link's target */
	NAME_SAME,	/* that entry of that directory */
	NAME_SIBLING	/* that entry's name, in a directory beside self */
};
typedef int (*name_eqi)(const uint16_t *, const uint16_t *, size_t);
enum namev name_verdict(const uint16_t *self, size_t selflen,
    const uint16_t *got, size_t gotlen, const uint16_t *name,
    size_t namelen, name_eqi eqi, size_t *dirlen);

/*
 * --reboot: can the delete at the next boot reach a directory?  path: as
 * the user wrote it (C:\x, \\server\share\x, \\?\C:\x, \\?\UNC\...);
 * remote: GetDriveTypeW said DRIVE_REMOTE for its drive; target: what
 * QueryDosDeviceW says its drive letter stands for (NULL: not asked).
 */
enum reach {
	REACH_BOOT,	/* a local volume's global drive letter */
	REACH_REMOTE,	/* a UNC path or a network drive */
	REACH_SESSION	/* a drive letter of this logon session (SUBST) */
};
/* The drive letter path starts with (after \\?\), or 0. */
int path_drive(const uint16_t *path, size_t n);
enum reach boot_reach(const uint16_t *path, size_t n, int remote,
    const uint16_t *target, size_t tn);
const char *reach_why(enum reach r);

/*
 * Named objects runs share (sync.c): may a run trust one that exists
 * already?  Only if its owner (a binary SID, n bytes; NULL: none) is this
 * account (self), LocalSystem or Administrators: another account's object
 * could be held or counted to stall or steer a run.
 */
int owner_trusted(const unsigned char *owner, size_t n,
    const unsigned char *self, size_t selfn);

/* ---- Child runs (proc.c) ---- */

/*
 * One word of a command line, quoted so that the C runtime's parser (and
 * CommandLineToArgvW) gives back exactly arg: a word with a space, tab or
 * quotation mark, or an empty one, goes in quotation marks; a quotation
 * mark inside is escaped, and so are the backslashes before one (and
 * before the closing mark).  Writes to out (NULL: only counts); returns
 * the length in bytes.  UTF-8 in, UTF-8 out: only ASCII bytes change.
 */
size_t arg_quote(const char *arg, char *out);

#endif
