/* mmpclean's portable core: UTF-8 strings, no windows.h. */
#ifndef MMPCLEAN_H
#define MMPCLEAN_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses, highest that applies wins. */
enum {
	EXIT_CLEAN = 0,		/* nothing locked remains */
	EXIT_LOCKED = 1,	/* locked .mmp files remain */
	EXIT_FAILED = 2,	/* some files could not be handled */
	EXIT_NODIR = 3,		/* a directory could not be resolved or opened */
	EXIT_USAGE = 4		/* invalid command line */
};

/* The whole program; argv is UTF-8.  Called by wmain in win32.c. */
int mmpclean_main(int argc, char **argv);

#endif
