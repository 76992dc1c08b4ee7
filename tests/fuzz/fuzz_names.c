/* libFuzzer: name matching and the printable form of any name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 with no control characters and no surrogates. */
static int
printable(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] == 0xed && i + 1 < n && s[i + 1] >= 0xa0)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf b = { 0 };
	char *name;
	size_t n;

	if ((name = malloc(size + 1)) == NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	n = strlen(name);

	if (name_is_mmp(name) != (n >= 4 && (name[n - 4] == '.') &&
	    (name[n - 3] | 0x20) == 'm' && (name[n - 2] | 0x20) == 'm' &&
	    (name[n - 1] | 0x20) == 'p'))
		abort();

	sb_add_display(&b, name);
	if (b.oom || !printable((unsigned char *)b.s ? (unsigned char *)b.s :
	    (unsigned char *)"", b.len))
		abort();
	sb_free(&b);
	free(name);
	return 0;
}
