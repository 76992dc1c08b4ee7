/*
 * The Windows backend's decisions that need no Windows header
 * (src/win32/rules.c), run natively.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "win32/rules.h"

/* ---- Outcomes and the disposition fallback ---- */

/*
 * Every status FileDispositionInformationEx can answer that matters here,
 * with what it means.  A status missing from the fallback list would be
 * reported as the file's state (an error on every file of a FAT volume);
 * one wrongly on it would hide a lock behind the classic call's retry.
 */
static const struct {
	uint32_t status;
	int fallback;
	const char *why;
} disp_table[] = {
	{ 0xC0000003, 1, "INVALID_INFO_CLASS: Windows 7, 8.1, 10 1507/1511" },
	{ 0xC0000002, 1, "NOT_IMPLEMENTED: Wine 8" },
	{ 0xC000000D, 1, "INVALID_PARAMETER: a flag before 1809, FAT" },
	{ 0xC0000010, 1, "INVALID_DEVICE_REQUEST: a driver without it" },
	{ 0xC00000BB, 1, "NOT_SUPPORTED: no POSIX semantics here" },
	{ 0xC0000148, 1, "INVALID_LEVEL: an SMB server without the class" },
	{ 0xC0000043, 0, "SHARING_VIOLATION: a lock" },
	{ 0xC0000121, 0, "CANNOT_DELETE: read-only or a mapped view" },
	{ 0xC0000022, 0, "ACCESS_DENIED" },
	{ 0xC0000056, 0, "DELETE_PENDING" },
	{ 0xC0000034, 0, "OBJECT_NAME_NOT_FOUND" },
	{ 0xC00000BA, 0, "FILE_IS_A_DIRECTORY" },
	{ 0xC0000101, 0, "DIRECTORY_NOT_EMPTY" },
	{ 0xC000009A, 0, "INSUFFICIENT_RESOURCES" },
	{ 0xC0000185, 0, "IO_DEVICE_ERROR" },
	{ 0x00000000, 0, "SUCCESS is never a fallback" },
	{ 0x80000005, 0, "BUFFER_OVERFLOW (a warning)" },
};

static void
test_disposition_fallback_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(disp_table) / sizeof(disp_table[0]);
	    i++)
		if (disp_ex_unsupported(disp_table[i].status) !=
		    disp_table[i].fallback)
			fail_msg("0x%08X (%s): expected %s",
			    (unsigned)disp_table[i].status, disp_table[i].why,
			    disp_table[i].fallback ? "fallback" : "an answer");
}

/*
 * Every code the backend maps, in every context where the answer differs.
 * The row says what the run then reports; a row changed by mistake turns
 * a lock into a deletable file or a missing directory into "nothing here".
 */
#define ALLCTX	(-1)
static const struct {
	int nt;			/* 1: an NTSTATUS, 0: a Win32 code */
	uint32_t code;
	int ctx;		/* enum ectx, or ALLCTX */
	enum pst want;
} outcome_table[] = {
	{ 1, NT_SHARING_VIOLATION, ALLCTX, PST_LOCKED },
	{ 1, NT_NO_MORE_FILES, ALLCTX, PST_END },
	{ 1, NT_NO_SUCH_FILE, C_LIST, PST_END },
	{ 1, NT_NO_SUCH_FILE, C_DIR, PST_NOTFOUND },
	{ 1, NT_NO_SUCH_FILE, C_FILE, PST_GONE },
	{ 1, NT_DELETE_PENDING, C_FILE, PST_PENDING },
	{ 1, NT_DELETE_PENDING, C_FILE_RO, PST_PENDING },
	{ 1, NT_DELETE_PENDING, C_DIR, PST_NOTFOUND },
	{ 1, NT_DELETE_PENDING, C_OTHER, PST_GONE },
	{ 1, NT_OBJECT_NAME_NOT_FOUND, C_FILE, PST_GONE },
	{ 1, NT_OBJECT_NAME_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 1, NT_OBJECT_PATH_NOT_FOUND, C_FILE, PST_GONE },
	{ 1, NT_OBJECT_PATH_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 1, NT_FILE_DELETED, C_FILE, PST_GONE },
	{ 1, NT_FILE_DELETED, C_DIR, PST_NOTFOUND },
	{ 1, NT_FILE_IS_A_DIRECTORY, ALLCTX, PST_ISDIR },
	{ 1, NT_NOT_A_DIRECTORY, ALLCTX, PST_NOTDIR },
	{ 1, NT_OBJECT_NAME_INVALID, ALLCTX, PST_BADNAME },
	{ 1, NT_OBJECT_PATH_SYNTAX_BAD, ALLCTX, PST_BADNAME },
	{ 1, NT_OBJECT_PATH_INVALID, ALLCTX, PST_BADNAME },
	{ 1, NT_NAME_TOO_LONG, ALLCTX, PST_BADNAME },
	{ 1, NT_CANNOT_DELETE, C_FILE_RO, PST_READONLY },
	{ 1, NT_CANNOT_DELETE, C_FILE, PST_MAPPED },
	{ 1, NT_CANNOT_DELETE, C_DIR, PST_DENIED },
	{ 1, NT_CANNOT_DELETE, C_OTHER, PST_DENIED },
	{ 1, NT_ACCESS_DENIED, C_FILE_RO, PST_READONLY },
	{ 1, NT_ACCESS_DENIED, C_FILE, PST_DENIED },
	{ 1, NT_ACCESS_DENIED, C_DIR, PST_DENIED },
	{ 1, NT_NO_MEMORY, ALLCTX, PST_NOMEM },
	{ 1, NT_INSUFFICIENT_RESOURCES, ALLCTX, PST_NOMEM },
	{ 1, NT_NOT_SUPPORTED, ALLCTX, PST_IO },
	{ 1, 0xC0000185u, ALLCTX, PST_IO },	/* IO_DEVICE_ERROR */
	{ 0, W32_SHARING_VIOLATION, ALLCTX, PST_LOCKED },
	{ 0, W32_NO_MORE_FILES, ALLCTX, PST_END },
	{ 0, W32_FILE_NOT_FOUND, C_REG, PST_ABSENT },
	{ 0, W32_FILE_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 0, W32_FILE_NOT_FOUND, C_FILE, PST_GONE },
	{ 0, W32_PATH_NOT_FOUND, C_REG, PST_ABSENT },
	{ 0, W32_PATH_NOT_FOUND, C_DIR, PST_NOTFOUND },
	{ 0, W32_PATH_NOT_FOUND, C_OTHER, PST_GONE },
	{ 0, W32_BAD_NETPATH, C_DIR, PST_NOTFOUND },
	{ 0, W32_BAD_NETPATH, C_REG, PST_ABSENT },
	{ 0, W32_BAD_NET_NAME, C_DIR, PST_NOTFOUND },
	/* another computer's registry: not found, service off, RPC down */
	{ 0, W32_BAD_NETPATH, C_HOST, PST_NOTFOUND },
	{ 0, W32_BAD_NET_NAME, C_HOST, PST_NOTFOUND },
	{ 0, W32_RPC_SERVER_UNAVAILABLE, C_HOST, PST_NOTFOUND },
	{ 0, W32_RPC_SERVER_UNAVAILABLE, C_REG, PST_IO },
	{ 0, W32_RPC_SERVER_UNAVAILABLE, C_DIR, PST_IO },
	{ 0, W32_ACCESS_DENIED, C_HOST, PST_DENIED },
	{ 0, 1117u, C_HOST, PST_IO },
	{ 0, W32_INVALID_DRIVE, C_DIR, PST_NOTFOUND },
	{ 0, W32_ENVVAR_NOT_FOUND, ALLCTX, PST_ABSENT },
	{ 0, W32_DIRECTORY, ALLCTX, PST_NOTDIR },
	{ 0, W32_INVALID_NAME, ALLCTX, PST_BADNAME },
	{ 0, W32_BAD_PATHNAME, ALLCTX, PST_BADNAME },
	{ 0, W32_FILENAME_EXCED_RANGE, ALLCTX, PST_BADNAME },
	{ 0, W32_ACCESS_DENIED, C_FILE_RO, PST_READONLY },
	{ 0, W32_ACCESS_DENIED, C_FILE, PST_DENIED },
	{ 0, W32_ACCESS_DENIED, C_REG, PST_DENIED },
	{ 0, W32_NONE_MAPPED, ALLCTX, PST_ABSENT },
	{ 0, W32_NOT_ENOUGH_MEMORY, ALLCTX, PST_NOMEM },
	{ 0, W32_OUTOFMEMORY, ALLCTX, PST_NOMEM },
	{ 0, 1117u, ALLCTX, PST_IO },		/* ERROR_IO_DEVICE */
	/* the same number means different things in the two spaces */
	{ 0, 0xC0000043u, ALLCTX, PST_IO },
	{ 1, W32_SHARING_VIOLATION, ALLCTX, PST_IO },
};

static void
test_outcome_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(outcome_table) /
	    sizeof(outcome_table[0]); i++)
		for (int c = C_FILE; c <= C_OTHER; c++) {
			enum pst got;

			if (outcome_table[i].ctx != ALLCTX &&
			    outcome_table[i].ctx != c)
				continue;
			got = outcome_table[i].nt ?
			    nt_outcome(outcome_table[i].code, (enum ectx)c) :
			    win32_outcome(outcome_table[i].code, (enum ectx)c);
			if (got != outcome_table[i].want)
				fail_msg("row %zu: %s 0x%08X in context %d gave "
				    "%d, expected %d", i,
				    outcome_table[i].nt ? "NTSTATUS" : "Win32",
				    (unsigned)outcome_table[i].code, c, got,
				    outcome_table[i].want);
		}
}

/* ---- Listing records ---- */

static void
put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> 8 * i);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A record at off, named by the ASCII name; returns its length. */
static size_t
rec(unsigned char *buf, size_t off, const char *name, uint32_t next,
    uint32_t attrs, uint32_t ea)
{
	unsigned char *p = buf + off;
	size_t n = strlen(name);

	memset(p, 0xAA, REC_NAME);	/* fields not read stay noise */
	put32(p, next);
	put64(p + REC_WRITETIME, 0x01D9000000000000ull + off);
	put64(p + REC_EOF, 1000 + off);
	put32(p + REC_ATTRS, attrs);
	put32(p + REC_NAMELEN, (uint32_t)(2 * n));
	put32(p + REC_EASIZE, ea);
	for (size_t i = 0; i < n; i++) {
		p[REC_NAME + 2 * i] = (unsigned char)name[i];
		p[REC_NAME + 2 * i + 1] = 0;
	}
	return REC_NAME + 2 * n;
}

static void
assert_name(const struct dirrec *r, const char *want)
{
	size_t n = strlen(want);

	assert_int_equal(r->namelen, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r->name[2 * i], (unsigned char)want[i]);
		assert_int_equal(r->name[2 * i + 1], 0);
	}
}

/* Records at odd offsets, as filter drivers have returned them. */
static void
test_listing_unaligned(void **state)
{
	static unsigned char mem[1024 + 1];
	unsigned char *buf = mem + 1;	/* the buffer itself unaligned */
	struct dirrec r;
	size_t a = 0, b, c, len;

	(void)state;
	b = a + rec(buf, a, "a.mmp", 0, 0x20, 0) + 3;	/* 107: odd */
	c = b + rec(buf, b, "bb.mmp", 0, 0x400, 0x80000013u) + 1;
	len = c + rec(buf, c, "c.mmp", 0, 0x21, 0);
	put32(buf + a, (uint32_t)(b - a));
	put32(buf + b, (uint32_t)(c - b));

	assert_int_equal(dirrec_read(buf, len, a, &r), 0);
	assert_name(&r, "a.mmp");
	assert_int_equal(r.attrs, 0x20);
	assert_int_equal(r.size, 1000);
	assert_int_equal(r.next, b);
	assert_int_equal(b % 8, 3);

	assert_int_equal(dirrec_read(buf, len, r.next, &r), 0);
	assert_name(&r, "bb.mmp");
	assert_int_equal(r.attrs, 0x400);
	assert_int_equal(r.ea, 0x80000013u);
	assert_int_equal(r.size, 1000 + b);
	assert_int_equal(r.mtime, (int64_t)(0x01D9000000000000ull + b));
	assert_int_equal(r.next, c);

	assert_int_equal(dirrec_read(buf, len, r.next, &r), 0);
	assert_name(&r, "c.mmp");
	assert_int_equal(r.attrs, 0x21);
	assert_int_equal(r.next, 0);
}

/* Every bound: each malformed record is refused, none read past len. */
static void
test_listing_bounds(void **state)
{
	unsigned char buf[512];
	struct dirrec r;
	size_t n;

	(void)state;
	n = rec(buf, 0, "a.mmp", 0, 0x20, 0);
	assert_int_equal(dirrec_read(buf, n, 0, &r), 0);
	/* the name cut by the end of the buffer */
	assert_int_equal(dirrec_read(buf, n - 1, 0, &r), -1);
	/* the fixed part cut */
	assert_int_equal(dirrec_read(buf, REC_NAME - 1, 0, &r), -1);
	/* a record that starts at or past the end */
	assert_int_equal(dirrec_read(buf, n, n, &r), -1);
	assert_int_equal(dirrec_read(buf, n, n + 8, &r), -1);
	/* an odd name length */
	put32(buf + REC_NAMELEN, 9);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	/* a name length that wraps */
	put32(buf + REC_NAMELEN, 0xFFFFFFFEu);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	put32(buf + REC_NAMELEN, 10);
	/* the next record past the end, at the end, inside this one's name */
	put32(buf, (uint32_t)n + 1);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	put32(buf, (uint32_t)n);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	rec(buf, 0, "a.mmp", 0, 0x20, 0);
	n = 200 + rec(buf, 200, "b.mmp", 0, 0, 0);
	put32(buf, REC_NAME + 8);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	put32(buf, 0xFFFFFFF8u);
	assert_int_equal(dirrec_read(buf, n, 0, &r), -1);
	put32(buf, 200);
	assert_int_equal(dirrec_read(buf, n, 0, &r), 0);
	assert_int_equal(r.next, 200);
	/* an empty name is a record (the caller skips it) */
	n = rec(buf, 0, "", 0, 0x20, 0);
	assert_int_equal(dirrec_read(buf, n, 0, &r), 0);
	assert_int_equal(r.namelen, 0);
}

/* ---- Reparse tags ---- */

static void
test_reparse_tags(void **state)
{
	static const struct {
		uint32_t attrs, tag;
		int link;
		const char *what;
	} t[] = {
		{ 0x20, 0, 0, "a plain file" },
		{ 0x20, 0xA000000Cu, 0, "EaSize without the reparse attribute" },
		{ 0x420, 0xA000000Cu, 1, "IO_REPARSE_TAG_SYMLINK" },
		{ 0x410, 0xA0000003u, 1, "IO_REPARSE_TAG_MOUNT_POINT" },
		{ 0x420, 0xA000001Du, 1, "IO_REPARSE_TAG_LX_SYMLINK" },
		{ 0x420, 0x80000013u, 0, "IO_REPARSE_TAG_DEDUP" },
		{ 0x420, 0x80000017u, 0, "IO_REPARSE_TAG_WOF" },
		{ 0x420, 0x9000001Au, 0, "IO_REPARSE_TAG_CLOUD" },
		{ 0x420, 0x9000701Au, 0, "IO_REPARSE_TAG_CLOUD_7" },
		{ 0x420, 0x80000014u, 0, "IO_REPARSE_TAG_NFS" },
		{ 0x420, 0x20000000u, 1, "the surrogate bit alone" },
		{ 0x420, 0, 1, "a reparse point without its tag" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (reparse_is_link(t[i].attrs, t[i].tag) != t[i].link)
			fail_msg("%s (attributes %#x, tag %#x): expected %s",
			    t[i].what, t[i].attrs, t[i].tag,
			    t[i].link ? "a link" : "a file");
}

/* ---- The link guard's names ---- */

/* ASCII case folding: enough for these names. */
static int
ascii_eqi(const uint16_t *a, const uint16_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t x = a[i], y = b[i];

		if (x >= 'a' && x <= 'z')
			x = (uint16_t)(x - 32);
		if (y >= 'a' && y <= 'z')
			y = (uint16_t)(y - 32);
		if (x != y)
			return 0;
	}
	return 1;
}

static size_t
u16(uint16_t *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)s[i];
	return n;
}

/* name_verdict on (directory handle's name, file handle's name, entry). */
static enum namev
verdict(const char *self, const char *got, const char *name, size_t *dirlen)
{
	uint16_t s[256], g[256], n[256];
	size_t ns = u16(s, self), ng = u16(g, got), nn = u16(n, name);

	return name_verdict(s, ns, g, ng, n, nn, ascii_eqi, dirlen);
}

static void
test_names_same(void **state)
{
	size_t len;

	(void)state;
	assert_int_equal(verdict("\\Device\\HarddiskVolume3\\mmp",
	    "\\Device\\HarddiskVolume3\\mmp\\a.mmp", "a.mmp", &len),
	    NAME_SAME);
	/* the directory part in another case: opened case-insensitively */
	assert_int_equal(verdict("\\Device\\HarddiskVolume3\\MMP",
	    "\\Device\\HarddiskVolume3\\mmp\\a.mmp", "a.mmp", &len),
	    NAME_SAME);
	/* a drive's root names itself with the backslash */
	assert_int_equal(verdict("\\Device\\HarddiskVolume3\\",
	    "\\Device\\HarddiskVolume3\\a.mmp", "a.mmp", &len), NAME_SAME);
	/* Wine's names */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\d\\a.mmp", "a.mmp", &len), NAME_SAME);
}

/* A Unix symlink under Wine: the handle is named by its target. */
static void
test_names_link_target(void **state)
{
	size_t len = 99;

	(void)state;
	/* elsewhere */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\etc\\passwd", "x.mmp", &len), NAME_OTHER);
	assert_int_equal(len, 0);
	/* the same name elsewhere, deeper or higher */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\d\\sub\\x.mmp", "x.mmp", &len), NAME_OTHER);
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\x.mmp", "x.mmp", &len), NAME_OTHER);
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\var\\d\\x.mmp", "x.mmp", &len), NAME_OTHER);
	/* another entry of the same directory, or the same in another case */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\d\\y.mmp", "x.mmp", &len), NAME_OTHER);
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\d\\X.mmp", "x.mmp", &len), NAME_OTHER);
	/* a name that only ends like the entry */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\d\\ax.mmp", "x.mmp", &len), NAME_OTHER);
	/* the parent's file "dax.mmp" is not d's "x.mmp" */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\dax.mmp", "x.mmp", &len), NAME_OTHER);
	/* a drive's root has no sibling: not another volume's root */
	assert_int_equal(verdict("\\Device\\HarddiskVolume3\\",
	    "\\Device\\HarddiskVolume4\\x.mmp", "x.mmp", &len), NAME_OTHER);
	/* from a drive's root, a directory beside it is not a sibling */
	assert_int_equal(verdict("\\??\\Z:\\",
	    "\\??\\Z:\\tmp\\x.mmp", "x.mmp", &len), NAME_OTHER);
	/* empty names */
	assert_int_equal(verdict("", "", "x.mmp", &len), NAME_OTHER);
	assert_int_equal(verdict("\\??\\Z:\\d", "x.mmp", "x.mmp", &len),
	    NAME_OTHER);
}

/*
 * FAT, --dir C:\MMPTEM~1: the directory's handle is named by the short
 * name, its children by the long one.  A sibling: the identity decides.
 */
static void
test_names_fat_short_alias(void **state)
{
	const char *got = "\\Device\\HarddiskVolume5\\MMP Temp\\a.mmp";
	size_t len;

	(void)state;
	assert_int_equal(verdict("\\Device\\HarddiskVolume5\\MMPTEM~1", got,
	    "a.mmp", &len), NAME_SIBLING);
	assert_int_equal(len, strlen("\\Device\\HarddiskVolume5\\MMP Temp"));
	/* the other way round, and one level deeper */
	assert_int_equal(verdict("\\Device\\HarddiskVolume5\\MMP Temp",
	    "\\Device\\HarddiskVolume5\\MMPTEM~1\\a.mmp", "a.mmp", &len),
	    NAME_SIBLING);
	assert_int_equal(verdict("\\Device\\HarddiskVolume5\\x\\EXCHAN~1",
	    "\\Device\\HarddiskVolume5\\X\\Exchange Temp\\a.mmp", "a.mmp",
	    &len), NAME_SIBLING);
	assert_int_equal(len, strlen("\\Device\\HarddiskVolume5\\X\\"
	    "Exchange Temp"));
	/* the parent differs: not a sibling, whatever the last component */
	assert_int_equal(verdict("\\Device\\HarddiskVolume5\\x\\EXCHAN~1",
	    "\\Device\\HarddiskVolume5\\y\\Exchange Temp\\a.mmp", "a.mmp",
	    &len), NAME_OTHER);
	/* the entry's own name still exact */
	assert_int_equal(verdict("\\Device\\HarddiskVolume5\\MMPTEM~1",
	    "\\Device\\HarddiskVolume5\\MMP Temp\\A.MMP", "a.mmp", &len),
	    NAME_OTHER);
	/* Wine: a link into a directory beside the scanned one is a sibling
	   too, and its identity is another directory's */
	assert_int_equal(verdict("\\??\\Z:\\tmp\\d",
	    "\\??\\Z:\\tmp\\v\\f0001.mmp", "f0001.mmp", &len),
	    NAME_SIBLING);
	assert_int_equal(len, strlen("\\??\\Z:\\tmp\\v"));
}

/* ---- --reboot: what the delete at boot can reach ---- */

static enum reach
reach(const char *path, int remote, const char *target)
{
	uint16_t p[256], t[256];
	size_t np = u16(p, path), nt = target ? u16(t, target) : 0;

	return boot_reach(p, np, remote, target ? t : NULL, nt);
}

static void
test_boot_reach(void **state)
{
	uint16_t p[64];

	(void)state;
	/* a local volume's letter */
	assert_int_equal(reach("C:\\mmp", 0, "\\Device\\HarddiskVolume3"),
	    REACH_BOOT);
	assert_int_equal(reach("\\\\?\\D:\\mmp", 0,
	    "\\Device\\HarddiskVolume4"), REACH_BOOT);
	assert_int_equal(reach("c:\\mmp", 0, NULL), REACH_BOOT);
	/* UNC, in each spelling */
	assert_int_equal(reach("\\\\srv\\share\\mmp", 0, NULL),
	    REACH_REMOTE);
	assert_int_equal(reach("\\\\?\\UNC\\srv\\share\\mmp", 0, NULL),
	    REACH_REMOTE);
	assert_int_equal(reach("\\\\?\\unc\\srv\\share", 0, NULL),
	    REACH_REMOTE);
	/* a mapped network drive: by its type, or by what it stands for */
	assert_int_equal(reach("Z:\\mmp", 1, "\\Device\\HarddiskVolume3"),
	    REACH_REMOTE);
	assert_int_equal(reach("Z:\\mmp", 0, "\\Device\\LanmanRedirector\\"
	    ";Z:0000000000012345\\srv\\share"), REACH_REMOTE);
	assert_int_equal(reach("Z:\\mmp", 0, "\\Device\\Mup\\srv\\share"),
	    REACH_REMOTE);
	/* SUBST S: C:\mmp */
	assert_int_equal(reach("S:\\x", 0, "\\??\\C:\\mmp"),
	    REACH_SESSION);
	assert_int_equal(reach("\\\\?\\S:\\x", 0, "\\??\\C:\\mmp"),
	    REACH_SESSION);
	/* the texts say which */
	assert_non_null(strstr(reach_why(REACH_REMOTE), "network"));
	assert_non_null(strstr(reach_why(REACH_SESSION), "SUBST"));
	/* drive letters */
	assert_int_equal(path_drive(p, u16(p, "c:\\x")), 'C');
	assert_int_equal(path_drive(p, u16(p, "\\\\?\\d:\\x")), 'D');
	assert_int_equal(path_drive(p, u16(p, "\\\\srv\\s")), 0);
	assert_int_equal(path_drive(p, u16(p, "1:\\x")), 0);
	assert_int_equal(path_drive(p, u16(p, "C")), 0);
}

/* ---- The owners of named objects ---- */

static void
test_owner_trusted(void **state)
{
	static const unsigned char sys[] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0,
	    0 };
	static const unsigned char admins[] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0,
	    0, 0, 0x20, 2, 0, 0 };
	static const unsigned char users[] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0,
	    0, 0, 0x21, 2, 0, 0 };	/* S-1-5-32-545 */
	static const unsigned char me[] = { 1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0,
	    0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xE8, 3, 0, 0 };
	static const unsigned char other[] = { 1, 5, 0, 0, 0, 0, 0, 5, 21, 0,
	    0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xE9, 3, 0, 0 };
	static const unsigned char sys_fake[] = { 1, 1, 0, 0, 0, 0, 0, 5, 19,
	    0, 0, 0 };			/* S-1-5-19, LocalService */

	(void)state;
	assert_true(owner_trusted(sys, sizeof(sys), me, sizeof(me)));
	assert_true(owner_trusted(admins, sizeof(admins), me, sizeof(me)));
	assert_true(owner_trusted(me, sizeof(me), me, sizeof(me)));
	assert_false(owner_trusted(other, sizeof(other), me, sizeof(me)));
	assert_false(owner_trusted(users, sizeof(users), me, sizeof(me)));
	assert_false(owner_trusted(sys_fake, sizeof(sys_fake), me, sizeof(me)));
	/* no owner, a cut SID, an unknown self */
	assert_false(owner_trusted(NULL, 0, me, sizeof(me)));
	assert_false(owner_trusted(me, sizeof(me) - 1, me, sizeof(me)));
	assert_false(owner_trusted(other, sizeof(other), NULL, 0));
	assert_false(owner_trusted(NULL, 0, NULL, 0));
	/* Administrators cut to SYSTEM's length is not SYSTEM's */
	assert_false(owner_trusted(admins, sizeof(sys), me, sizeof(me)));
}

/* ---- Command lines ---- */

/*
 * The C runtime's (and CommandLineToArgvW's) reading of one word after
 * the program name: 2n backslashes and a quotation mark are n backslashes
 * and a quote that opens or closes; 2n+1 are n and a literal mark; other
 * backslashes are themselves.  Returns where the word ended.
 */
static const char *
crt_word(const char *p, char *out)
{
	int quoted = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t')); p++) {
		size_t n = 0;

		while (p[n] == '\\')
			n++;
		if (p[n] == '"') {
			for (size_t i = 0; i < n / 2; i++)
				*out++ = '\\';
			p += n;
			if (n % 2 == 1)
				*out++ = '"';
			else if (quoted && p[1] == '"') {
				*out++ = '"';	/* "" inside quotes */
				p++;
			} else
				quoted = !quoted;
			continue;
		}
		if (n > 0) {
			for (size_t i = 0; i < n; i++)
				*out++ = '\\';
			p += n - 1;
			continue;
		}
		*out++ = *p;
	}
	*out = '\0';
	return p;
}

static void
test_arg_quote(void **state)
{
	static const char *const words[] = {
		"", "a", "a b", "C:\\Program Files\\", "C:\\x\\",
		"\\\\srv\\share", "say \"hi\"", "\\\"", "\\\\\"x",
		"a\\\\", "\"", "\t", "tab\there", "--dir=D:\\x y\\",
		"\xc3\xa9 \xe2\x82\xac\\", "a\\b\\\\c", "\"\"", "x\\\"y\\",
	};
	static const struct {
		const char *in, *out;
	} exact[] = {
		{ "abc", "abc" }, { "", "\"\"" }, { "a b", "\"a b\"" },
		{ "C:\\a b\\", "\"C:\\a b\\\\\"" },
		{ "a\"b", "\"a\\\"b\"" }, { "a\\\"b", "\"a\\\\\\\"b\"" },
		{ "C:\\x\\", "C:\\x\\" },
	};
	char line[256], got[256];

	(void)state;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		size_t n = arg_quote(exact[i].in, line);

		line[n] = '\0';
		assert_int_equal(n, arg_quote(exact[i].in, NULL));
		assert_string_equal(line, exact[i].out);
	}
	/* each word, and all of them on one line, read back the same */
	{
		char all[2048], *p = all;
		const char *q;

		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			size_t n = arg_quote(words[i], line);

			line[n] = '\0';
			crt_word(line, got);
			if (strcmp(got, words[i]) != 0)
				fail_msg("\"%s\" quoted as %s reads back as "
				    "\"%s\"", words[i], line, got);
			*p++ = ' ';
			p += arg_quote(words[i], p);
		}
		*p = '\0';
		q = all;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			q = crt_word(q, got);
			assert_string_equal(got, words[i]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arg_quote),
		cmocka_unit_test(test_disposition_fallback_table),
		cmocka_unit_test(test_outcome_table),
		cmocka_unit_test(test_listing_unaligned),
		cmocka_unit_test(test_listing_bounds),
		cmocka_unit_test(test_reparse_tags),
		cmocka_unit_test(test_names_same),
		cmocka_unit_test(test_names_link_target),
		cmocka_unit_test(test_names_fat_short_alias),
		cmocka_unit_test(test_owner_trusted),
		cmocka_unit_test(test_boot_reach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
