/* libFuzzer: the whole program's command line, against the fake world. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "mmpclean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Arguments are separated by NUL bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[64];
	int argc = 0, ret;
	size_t i, start = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "mmpclean";
	for (i = 0; i <= size && argc < 63; i++)
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;

	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_file("C:\\WINDOWS", "a.mmp", 0);
	fake_file("C:\\WINDOWS", "b.mmp", 0);
	fake_lock("C:\\WINDOWS", "b.mmp", -1);
	fake_file("C:\\WINDOWS", "keep.mmpx", 0);
	ret = mmpclean_main(argc, argv);
	if (ret < 0 || ret > EXIT_USAGE)
		abort();
	/* never anything but an exact, unlocked *.mmp */
	if (!fake_exists("C:\\WINDOWS", "b.mmp") ||
	    !fake_exists("C:\\WINDOWS", "keep.mmpx"))
		abort();
	free(buf);
	return 0;
}
