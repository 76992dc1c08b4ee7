/*
 * Decisions of the Windows backend that need no Windows header (rules.h
 * says why), unit-tested natively by tests/unit/test_rules.c.  Each cites
 * what forced it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules.h"

/* ---- Outcomes and the disposition fallback ---- */

/*
 * The one place where NT statuses and Win32 codes become outcomes.  "Not
 * found" is a missing directory when opening one, a file that vanished
 * when opening an entry, the end when listing, and "not set" in the
 * registry; "access denied" on a read-only file is the read-only case.
 */
enum pst
nt_outcome(uint32_t status, enum ectx ctx)
{
	switch (status) {
	case NT_SHARING_VIOLATION:
		return PST_LOCKED;
	case NT_NO_MORE_FILES:
		return PST_END;
	case NT_NO_SUCH_FILE:
		if (ctx == C_LIST)
			return PST_END;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_DELETE_PENDING:
		/*
		 * Someone deleted it and a handle still open keeps the
		 * name: not gone yet, and no business of ours until that
		 * handle closes.
		 */
		if (ctx == C_FILE || ctx == C_FILE_RO)
			return PST_PENDING;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_OBJECT_NAME_NOT_FOUND:
	case NT_OBJECT_PATH_NOT_FOUND:
	case NT_FILE_DELETED:
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case NT_FILE_IS_A_DIRECTORY:
		return PST_ISDIR;
	case NT_NOT_A_DIRECTORY:
		return PST_NOTDIR;
	case NT_OBJECT_NAME_INVALID:
	case NT_OBJECT_PATH_SYNTAX_BAD:
	case NT_OBJECT_PATH_INVALID:
	case NT_NAME_TOO_LONG:
		return PST_BADNAME;
	case NT_CANNOT_DELETE:
		/*
		 * The disposition's refusal: the read-only attribute, or
		 * else a mapped view (Q214712's "Access is denied" for a
		 * file no handle holds).
		 */
		if (ctx == C_FILE_RO)
			return PST_READONLY;
		return ctx == C_FILE ? PST_MAPPED : PST_DENIED;
	case NT_ACCESS_DENIED:
		return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
	case NT_NO_MEMORY:
	case NT_INSUFFICIENT_RESOURCES:
		return PST_NOMEM;
	default:
		return PST_IO;
	}
}

enum pst
win32_outcome(uint32_t code, enum ectx ctx)
{
	/*
	 * Another computer's registry: 53 when it cannot be found or its
	 * Remote Registry service is off (Wine: any name but its own), 1722
	 * when RPC cannot reach it (down, or a firewall).
	 */
	if (ctx == C_HOST && (code == W32_BAD_NETPATH ||
	    code == W32_BAD_NET_NAME || code == W32_RPC_SERVER_UNAVAILABLE))
		return PST_NOTFOUND;
	switch (code) {
	case W32_SHARING_VIOLATION:
		return PST_LOCKED;
	case W32_NO_MORE_FILES:
		return PST_END;
	case W32_FILE_NOT_FOUND:
	case W32_PATH_NOT_FOUND:
	case W32_BAD_NETPATH:
	case W32_BAD_NET_NAME:
	case W32_INVALID_DRIVE:
	case W32_ENVVAR_NOT_FOUND:
		if (ctx == C_REG || code == W32_ENVVAR_NOT_FOUND)
			return PST_ABSENT;
		return ctx == C_DIR ? PST_NOTFOUND : PST_GONE;
	case W32_DIRECTORY:
		return PST_NOTDIR;
	case W32_INVALID_NAME:
	case W32_BAD_PATHNAME:
	case W32_FILENAME_EXCED_RANGE:
		return PST_BADNAME;
	case W32_ACCESS_DENIED:
		return ctx == C_FILE_RO ? PST_READONLY : PST_DENIED;
	case W32_NONE_MAPPED:		/* an account name */
		return PST_ABSENT;
	case W32_NOT_ENOUGH_MEMORY:
	case W32_OUTOFMEMORY:
		return PST_NOMEM;
	default:
		return PST_IO;
	}
}

/*
 * FileDispositionInformationEx (class 64) is Windows 10 1607 and later,
 * IGNORE_READONLY_ATTRIBUTE 1809 and later, and only some file systems
 * take it.  What the refusals look like:
 * - the I/O manager of a Windows that does not know the class (7, 8.1,
 *   10 1507 and 1511): STATUS_INVALID_INFO_CLASS;
 * - Wine 8: STATUS_NOT_IMPLEMENTED;
 * - a known class with a flag this Windows does not know (1607-1803 with
 *   IGNORE_READONLY), or a file system that refuses the class (FAT, exFAT):
 *   STATUS_INVALID_PARAMETER;
 * - file systems and redirectors that do not support POSIX semantics:
 *   STATUS_NOT_SUPPORTED, or STATUS_INVALID_DEVICE_REQUEST (a driver
 *   without the handler; Win32's ERROR_INVALID_FUNCTION, on which Rust's
 *   std falls back too);
 * - SMB servers that do not know the level: STATUS_INVALID_LEVEL.
 * None of these says anything about the file, so none may be reported
 * as the file's state; everything else is the file's answer.
 */
int
disp_ex_unsupported(uint32_t status)
{
	switch (status) {
	case NT_INVALID_INFO_CLASS:
	case NT_NOT_IMPLEMENTED:
	case NT_INVALID_PARAMETER:
	case NT_INVALID_DEVICE_REQUEST:
	case NT_NOT_SUPPORTED:
	case NT_INVALID_LEVEL:
		return 1;
	default:
		return 0;	/* the file's own answer */
	}
}

/* ---- Listings, link tags, names and --reboot paths ---- */

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * NtQueryDirectoryFile documents records aligned on 8 bytes, but filter
 * drivers have been seen to return them packed (Rust's standard library
 * and libuv read them with unaligned loads for that reason), so the
 * record is read byte by byte and only its bounds are checked: the fixed
 * part, the name, and a next record that starts past this one's name and
 * inside the buffer.
 */
int
dirrec_read(const unsigned char *buf, size_t len, size_t off,
    struct dirrec *r)
{
	const unsigned char *p;
	uint32_t nbytes, next;

	if (off >= len || len - off < REC_NAME)
		return -1;
	p = buf + off;
	nbytes = le32(p + REC_NAMELEN);
	if (nbytes % 2 != 0 || len - off - REC_NAME < nbytes)
		return -1;
	next = le32(p);
	if (next != 0 && (next < REC_NAME + (size_t)nbytes ||
	    next >= len - off))
		return -1;
	r->next = next == 0 ? 0 : off + next;
	r->attrs = le32(p + REC_ATTRS);
	r->ea = le32(p + REC_EASIZE);
	r->size = le64(p + REC_EOF);
	r->mtime = (int64_t)le64(p + REC_WRITETIME);
	r->name = p + REC_NAME;
	r->namelen = nbytes / 2;
	return 0;
}

#define ATTR_REPARSE_POINT	0x00000400u	/* FILE_ATTRIBUTE_REPARSE_POINT */
#define TAG_NAME_SURROGATE	0x20000000u

/*
 * For a reparse point, the listing's EaSize holds the reparse tag
 * (documented for FILE_FULL_DIR_INFORMATION and FILE_BOTH_DIR_INFORMATION).
 * A tag of 0 is no valid tag: a file system that did not fill it in, so
 * the entry stays a link, left alone.
 */
int
reparse_is_link(uint32_t attrs, uint32_t tag)
{
	if (!(attrs & ATTR_REPARSE_POINT))
		return 0;
	return tag == 0 || (tag & TAG_NAME_SURROGATE) != 0;
}

/*
 * The entry's own name must match exactly, or a link "X.mmp" to "x.mmp"
 * would pass; the directory part may differ in case (it was opened case-
 * insensitively).  On FAT the directory's handle is named by the name it
 * was opened by, so a --dir whose last component is an 8.3 alias
 * (C:\MMPTEM~1) names itself by the short name and its children by the
 * long one (C:\MMP Temp\a.mmp).  That is NAME_SIBLING: same parent, same
 * entry name, another last component, *dirlen units of got naming that
 * directory; only the directory's identity can then tell (file.c asks).
 * A link's target elsewhere is NAME_OTHER; one in a directory beside
 * self is NAME_SIBLING too, and fails the identity check.  Nothing but
 * the last component of self may differ: a swap of the parent to make
 * the check pass needs write access to the parent, which is not the
 * hostile directory.
 */
enum namev
name_verdict(const uint16_t *self, size_t selflen, const uint16_t *got,
    size_t gotlen, const uint16_t *name, size_t namelen, name_eqi eqi,
    size_t *dirlen)
{
	size_t gdir, sdir, ps, pg;
	int root;

	*dirlen = 0;
	if (namelen == 0 || gotlen < namelen + 1 ||
	    memcmp(got + gotlen - namelen, name, namelen * 2) != 0 ||
	    got[gotlen - namelen - 1] != '\\')
		return NAME_OTHER;
	gdir = gotlen - namelen - 1;
	root = selflen > 0 && self[selflen - 1] == '\\';
	sdir = root ? selflen - 1 : selflen;
	if (gdir == sdir && (memcmp(got, self, sdir * 2) == 0 ||
	    eqi(got, self, sdir)))
		return NAME_SAME;
	if (root)
		return NAME_OTHER;
	for (ps = sdir; ps > 0 && self[ps - 1] != '\\'; ps--)
		;
	for (pg = gdir; pg > 0 && got[pg - 1] != '\\'; pg--)
		;
	/* ps, pg: where the last components start, after the parent's '\' */
	if (ps == 0 || ps != pg || ps == sdir || pg == gdir ||
	    !eqi(got, self, ps))
		return NAME_OTHER;
	*dirlen = gdir;
	return NAME_SIBLING;
}

/* Binary SIDs: revision 1, n sub-authorities, authority, sub-authorities. */
static const unsigned char sid_system[] = {	/* S-1-5-18 */
	1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0
};
static const unsigned char sid_admins[] = {	/* S-1-5-32-544 */
	1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0
};

/* A SID's length in bytes, or 0 if n bytes do not hold a valid one. */
static size_t
sid_len(const unsigned char *sid, size_t n)
{
	size_t len;

	if (sid == NULL || n < 8 || sid[0] != 1 || sid[1] > 15)
		return 0;
	len = 8 + 4 * (size_t)sid[1];
	return len <= n ? len : 0;
}

static int
sid_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t la = sid_len(a, an), lb = sid_len(b, bn);

	return la != 0 && la == lb && memcmp(a, b, la) == 0;
}

/*
 * An elevated administrator's objects are owned by Administrators, a
 * scheduled task's as SYSTEM by LocalSystem: each trusts the other's.  An
 * object without an owner (Wine gives none to one made without a security
 * descriptor) is not trusted.
 */
int
owner_trusted(const unsigned char *owner, size_t n, const unsigned char *self,
    size_t selfn)
{
	return sid_eq(owner, n, sid_system, sizeof(sid_system)) ||
	    sid_eq(owner, n, sid_admins, sizeof(sid_admins)) ||
	    sid_eq(owner, n, self, selfn);
}

/* Does s (n units) start with the ASCII text p? */
static int
starts(const uint16_t *s, size_t n, const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++)
		if (i >= n || s[i] != (unsigned char)p[i])
			return 0;
	return 1;
}

static int
starts_icase(const uint16_t *s, size_t n, const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		uint16_t c = i < n ? s[i] : 0;

		if (c >= 'a' && c <= 'z')
			c = (uint16_t)(c - 32);
		if (c != (unsigned char)p[i])
			return 0;
	}
	return 1;
}

int
path_drive(const uint16_t *path, size_t n)
{
	uint16_t c;

	if (starts(path, n, "\\\\?\\") || starts(path, n, "\\??\\")) {
		path += 4;
		n -= 4;
	}
	if (n < 2 || path[1] != ':')
		return 0;
	c = path[0];
	if (c >= 'a' && c <= 'z')
		c = (uint16_t)(c - 32);
	return c >= 'A' && c <= 'Z' ? c : 0;
}

/*
 * Session Manager carries out PendingFileRenameOperations early in boot,
 * before the network exists (MoveFileEx's documentation) and before anyone
 * logs on: a UNC path, a mapped network drive, and a drive letter that
 * stands for a path (\??\C:\dir, as SUBST makes them in one logon
 * session) cannot be reached then.
 */
enum reach
boot_reach(const uint16_t *path, size_t n, int remote,
    const uint16_t *target, size_t tn)
{
	if (starts_icase(path, n, "\\\\?\\UNC\\") ||
	    starts_icase(path, n, "\\??\\UNC\\") ||
	    (starts(path, n, "\\\\") && !starts(path, n, "\\\\?\\") &&
	    !starts(path, n, "\\\\.\\")))
		return REACH_REMOTE;
	if (path_drive(path, n) == 0)
		return REACH_BOOT;	/* nothing to say otherwise */
	if (remote || (target != NULL &&
	    (starts_icase(target, tn, "\\DEVICE\\MUP\\") ||
	    starts_icase(target, tn, "\\DEVICE\\LANMANREDIRECTOR\\") ||
	    starts_icase(target, tn, "\\DEVICE\\WEBDAVREDIRECTOR\\"))))
		return REACH_REMOTE;
	if (target != NULL && starts(target, tn, "\\??\\"))
		return REACH_SESSION;
	return REACH_BOOT;
}

const char *
reach_why(enum reach r)
{
	switch (r) {
	case REACH_REMOTE:
		return "not scheduled: on a network drive, which the delete "
		    "at the next boot cannot reach";
	case REACH_SESSION:
		return "not scheduled: on a drive letter of this logon session "
		    "only (SUBST), which the delete at the next boot cannot "
		    "reach";
	default:
		return "";
	}
}

size_t
arg_quote(const char *arg, char *out)
{
	size_t n = 0, slashes = 0;
	int quote = *arg == '\0' || strpbrk(arg, " \t\n\v\"") != NULL;

#define PUT(c) do { if (out != NULL) out[n] = (c); n++; } while (0)
	if (!quote) {
		for (; *arg != '\0'; arg++)
			PUT(*arg);
		return n;
	}
	PUT('"');
	for (; *arg != '\0'; arg++) {
		if (*arg == '\\') {
			slashes++;
			PUT('\\');
			continue;
		}
		if (*arg == '"') {
			/* each backslash before it doubled, then \" */
			for (; slashes > 0; slashes--)
				PUT('\\');
			PUT('\\');
		}
		slashes = 0;
		PUT(*arg);
	}
	/* backslashes before the closing mark are doubled too */
	for (; slashes > 0; slashes--)
		PUT('\\');
	PUT('"');
#undef PUT
	return n;
}
