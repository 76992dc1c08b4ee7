/*
 * Decisions of the backend that need no Windows header, so that they are
 * unit-tested natively (tests/unit/test_rules.c links this file alone).
 * The Win32 files beside it call them.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>

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

#endif
