/*
 * Decisions of the backend that need no Windows header (rules.h), unit-
 * tested natively by tests/unit/test_rules.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

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
