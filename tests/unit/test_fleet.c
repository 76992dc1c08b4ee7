/*
 * --computer: the names, the child runs (scripted by the fake: what each
 * writes, its status, how long it runs), and --one-computer's resolution
 * of another computer's directories through its registry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static const char env_key[] =
    "System\\CurrentControlSet\\Control\\Session Manager\\Environment";
static const char cur_key[] = "Software\\Microsoft\\Windows NT\\CurrentVersion";

static int
setup(void **state)
{
	(void)state;
	fake_reset();
	fake_dir("C:\\WINDOWS");
	fake_file("C:\\WINDOWS", "local.mmp", 0);
	return 0;
}

/* The words each child was started with, one line per child. */
static const char *
args(void)
{
	return fake_child_args();
}

/* Exit 4, the message, nothing started, nothing on standard output. */
static void
refused(const char *want, const char *a, const char *b, const char *c)
{
	setup(NULL);
	assert_int_equal(fake_run(a, b, c, NULL), EXIT_USAGE);
	assert_contains(fake_err(), want);
	assert_string_equal(args(), "");
	assert_string_equal(fake_out(), "");
	assert_int_equal(fake_opens("C:\\WINDOWS", "local.mmp"), 0);
}

static void
test_bad_names_refused(void **state)
{
	(void)state;
	refused("--computer 'web 01': 'web 01' is not a computer name: it "
	    "contains a space", "--computer", "web 01", NULL);
	refused("'b/c' is not a computer name: it contains '/'",
	    "--computer", "a,b/c", NULL);
	refused("'b\\c' is not a computer name: it contains '\\'",
	    "--computer", "a,b\\c", NULL);
	refused("it contains ':'", "--computer", "fe80::1", NULL);
	refused("it contains ':'", "--computer", "C:", NULL);
	refused("it contains '..'", "--computer", "web..corp", NULL);
	refused("it contains a control character", "--computer", "we\tb",
	    NULL);
	refused("it contains a control character", "--computer", "we\x7f",
	    NULL);
	refused("it contains a character no computer name has",
	    "--computer", "web*", NULL);
	refused("'' is not a computer name: it is empty", "--computer",
	    "a,,b", NULL);
	refused("'' is not a computer name: it is empty", "--computer",
	    "a,", NULL);
	refused("it is empty", "--computer", "\\\\", NULL);
	refused("it begins with '-'", "--computer", "--delete", NULL);
	refused("'.' is not a computer name", "--computer", ".", NULL);
	refused("--one-computer 'a b' is not a computer name: it contains a "
	    "space", "--one-computer", "a b", NULL);
	{
		char name[300];

		memset(name, 'a', 256);
		name[256] = '\0';
		refused("it is longer than 255 characters", "--computer",
		    name, NULL);
		name[255] = '\0';
		setup(NULL);
		assert_int_equal(fake_run("--computer", name, NULL),
		    EXIT_CLEAN);
	}
}

/* Refused with --computer: what acts on this computer only. */
static void
test_local_only_refused(void **state)
{
	(void)state;
	refused("--holders acts on this computer only: it asks this "
	    "computer's Restart Manager", "--computer", "web01", "--holders");
	refused("--reboot acts on this computer only: it writes this "
	    "computer's own list of files to delete at boot", "--computer=web01",
	    "-d", "--reboot");
	refused("--configure acts on this computer only: it sets this "
	    "computer's own registry", "--computer=web01", "--configure",
	    "D:\\m");
	refused("--unconfigure acts on this computer only", "--computer=w",
	    "--unconfigure", NULL);
	refused("--install-eventlog acts on this computer only: it changes "
	    "this computer's own event log", "--computer=w",
	    "--install-eventlog", NULL);
	refused("--uninstall-eventlog acts on this computer only",
	    "--one-computer=w", "--uninstall-eventlog", NULL);
	refused("--holders acts on this computer only", "--one-computer",
	    "w", "--holders");
	refused("--dir '\\\\srv\\s\\m' is a network path; with --computer, "
	    "--dir names a directory on each computer, as X:\\path",
	    "--computer=w", "--dir", "\\\\srv\\s\\m");
	refused("--dir '\\\\srv\\s\\m' is a network path",
	    "--one-computer=w", "--dir", "\\\\srv\\s\\m");
	refused("--parallel goes with --computer or --computers",
	    "--parallel", "2", NULL);
	refused("--host-timeout goes with --computer or --computers",
	    "--host-timeout", "2", NULL);
	refused("--parallel '0' must be at least 1", "--computer=w",
	    "--parallel", "0");
	refused("--parallel '33' is too many (at most 32)", "--computer=w",
	    "--parallel", "33");
	refused("--parallel '2x' must be a whole number", "--computer=w",
	    "--parallel", "2x");
	refused("--host-timeout '0' must be at least 1", "--computer=w",
	    "--host-timeout", "0");
	refused("--host-timeout '86401' is too long", "--computer=w",
	    "--host-timeout", "86401");
	refused("--computer and --computers cannot be combined",
	    "--computer=w", "--computers", "C:\\h.txt");
	refused("--one-computer and --computer cannot be combined",
	    "--computer=w", "--one-computer", "v");
	refused("--one-computer and --computers cannot be combined",
	    "--computers=C:\\h", "--one-computer", "v");
	refused("--computers 'h.txt' is a relative path", "--computers",
	    "h.txt", NULL);
	/* the limits themselves are taken */
	setup(NULL);
	assert_int_equal(fake_run("--computer=w", "--parallel", "32",
	    "--host-timeout", "86400", NULL), EXIT_CLEAN);
	assert_int_equal(fake_run("--computer=w", "--parallel", "1",
	    "--host-timeout", "1", NULL), EXIT_CLEAN);
}

/* --reboot and a UNC --dir: the boot cannot reach a share. */
static void
test_reboot_unc_dir_refused(void **state)
{
	(void)state;
	refused("--reboot cannot schedule files in '//srv/s/m': a network "
	    "path is not there at boot", "-d", "--reboot", "--dir=//srv/s/m");
	setup(NULL);
	fake_dir("D:\\m");
	assert_int_equal(fake_run("-d", "--reboot", "--dir", "D:\\m", NULL),
	    EXIT_CLEAN);
}

static void
test_names_folded_in_order(void **state)
{
	(void)state;
	assert_int_equal(fake_run("--computer", "\\\\web01,web02",
	    "--computer", "WEB01", "--computer=web03,Web02", NULL),
	    EXIT_CLEAN);
	assert_string_equal(args(),
	    "--one-computer web01\n"
	    "--one-computer web02\n"
	    "--one-computer web03\n");
}

/* The child gets every word but the fleet's own, then its name. */
static void
test_child_words(void **state)
{
	(void)state;
	assert_int_equal(fake_run("-d", "--computer", "a", "--parallel", "2",
	    "--host-timeout=9", "--dir", "D:\\x y", "--eventlog",
	    "--computer=b", "--format", "json", "--log=C:\\m.log", NULL),
	    EXIT_FAILED);	/* the children wrote no JSON */
	assert_string_equal(args(),
	    "-d --dir D:\\x y --format json --log=C:\\m.log --one-computer a\n"
	    "-d --dir D:\\x y --format json --log=C:\\m.log --one-computer b\n");
}

static void
test_names_file(void **state)
{
	static const char text[] =
	    "# web farm\r\n"
	    "web01\r\n"
	    "\r\n"
	    "  \\\\web02  # the new one\r\n"
	    "\tWEB01\t\r\n"
	    "web03";
	(void)state;
	fake_text_file("C:\\hosts.txt", text, sizeof(text) - 1, PST_OK);
	assert_int_equal(fake_run("--computers", "c:/hosts.txt", NULL),
	    EXIT_CLEAN);
	assert_string_equal(args(),
	    "--one-computer web01\n"
	    "--one-computer web02\n"
	    "--one-computer web03\n");
}

static void
test_names_from_standard_input(void **state)
{
	(void)state;
	fake_text_file(NULL, "a\nb\n", 4, PST_OK);
	assert_int_equal(fake_run("--computers", "-", NULL), EXIT_CLEAN);
	assert_string_equal(args(), "--one-computer a\n--one-computer b\n");
}

/* What PowerShell 5's Out-File and Notepad write: UTF-16 with a BOM. */
static void
test_names_file_utf16(void **state)
{
	static const char le[] = "\xff\xfe" "w\0e\0b\0\xe9\0\r\0\n\0#\0"
	    "x\0\n\0" "b\0";
	static const char be[] = "\xfe\xff" "\0w\0\r\0\n\0v";
	static const char u8[] = "\xef\xbb\xbfz1\nz2";
	(void)state;
	fake_text_file("C:\\le.txt", le, sizeof(le) - 1, PST_OK);
	fake_text_file("C:\\be.txt", be, sizeof(be) - 1, PST_OK);
	fake_text_file("C:\\u8.txt", u8, sizeof(u8) - 1, PST_OK);
	assert_int_equal(fake_run("--computers", "C:\\le.txt", NULL),
	    EXIT_CLEAN);
	assert_string_equal(args(), "--one-computer web\xc3\xa9\n"
	    "--one-computer b\n");
	assert_int_equal(fake_run("--computers", "C:\\be.txt", NULL),
	    EXIT_CLEAN);
	assert_contains(args(), "--one-computer w\n--one-computer v\n");
	assert_int_equal(fake_run("--computers", "C:\\u8.txt", NULL),
	    EXIT_CLEAN);
	assert_contains(args(), "--one-computer z1\n--one-computer z2\n");
}

static void
test_decode(void **state)
{
	const char *why = NULL;
	char *s;

	(void)state;
	/* U+1F600 as a surrogate pair; U+20AC */
	s = hosts_decode("\xff\xfe\x3d\xd8\x00\xde\xac\x20", 8, &why);
	assert_string_equal(s, "\xf0\x9f\x98\x80\xe2\x82\xac");
	free(s);
	assert_null(hosts_decode("\xff\xfe\x3d\xd8" "a\0", 6, &why));
	assert_string_equal(why, "is UTF-16 with a broken surrogate pair");
	assert_null(hosts_decode("\xff\xfe\x00\xde", 4, &why));
	assert_string_equal(why, "is UTF-16 with a broken surrogate pair");
	assert_null(hosts_decode("\xff\xfe" "a", 3, &why));
	assert_string_equal(why, "is UTF-16 with an odd number of bytes");
	assert_null(hosts_decode("\xff\xfe" "a\0\0\0", 6, &why));
	assert_string_equal(why, "contains a NUL character");
	assert_null(hosts_decode("w\0e\0", 4, &why));
	assert_contains(why, "contains NUL bytes (UTF-16 without a byte "
	    "order mark?");
	s = hosts_decode("", 0, &why);
	assert_string_equal(s, "");
	free(s);
	s = hosts_decode("\xef\xbb\xbf", 3, &why);
	assert_string_equal(s, "");
	free(s);
}

static void
test_names_file_refused(void **state)
{
	static const char bad[] = "web01\n# ok\nweb 02\n";
	(void)state;
	fake_text_file("C:\\bad.txt", bad, sizeof(bad) - 1, PST_OK);
	fake_text_file("C:\\empty.txt", "# none\n\n", 8, PST_OK);
	fake_text_file("C:\\big.txt", "a", 1, PST_NOMEM);
	fake_text_file("C:\\locked.txt", "a", 1, PST_DENIED);
	assert_int_equal(fake_run("--computers", "C:\\bad.txt", NULL),
	    EXIT_USAGE);
	assert_string_equal(fake_err(), "mmpclean: --computers 'C:\\bad.txt' "
	    "line 3: 'web 02' is not a computer name: it contains a space\n");
	assert_int_equal(fake_run("--computers", "C:\\empty.txt", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "--computers 'C:\\empty.txt' names no "
	    "computer");
	assert_int_equal(fake_run("--computers", "C:\\big.txt", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "larger than 1 MiB");
	assert_int_equal(fake_run("--computers", "C:\\locked.txt", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "--computers 'C:\\locked.txt': access "
	    "denied");
	assert_int_equal(fake_run("--computers", "C:\\none.txt", NULL),
	    EXIT_USAGE);
	assert_contains(fake_err(), "--computers 'C:\\none.txt': no such "
	    "file");
	assert_string_equal(args(), "");
	assert_string_equal(fake_out(), "");
}

/*
 * Three computers, four at a time: the second ends first, the first
 * last; the reports still come in the order given, each whole.
 */
static void
test_reports_in_order(void **state)
{
	(void)state;
	fake_child("a", 0, "a1\r\na: clean\r\n", "mmpclean: a: note\r\n", 3000);
	fake_child("b", 1, "b1\nb: locked\n", NULL, 1000);
	fake_child("c", 3, "c: unreachable\n", "mmpclean: c: gone\n", 2000);
	assert_int_equal(fake_run("--computer", "a,b,c", "--parallel", "4",
	    NULL), EXIT_NODIR);
	assert_string_equal(fake_out(), "a1\na: clean\nb1\nb: locked\n"
	    "c: unreachable\n"
	    "3 computers: 1 clean, 1 locked, 0 failed, 1 unreachable\n");
	assert_string_equal(fake_err(), "mmpclean: a: note\n"
	    "mmpclean: c: gone\n");
	assert_int_equal(fake_most_running(), 3);
	assert_int_equal(fake_children_alive(), 0);
}

static void
test_status_is_the_highest(void **state)
{
	(void)state;
	fake_child("a", 0, NULL, NULL, 10);
	fake_child("b", 1, NULL, NULL, 10);
	fake_child("c", 2, NULL, NULL, 10);
	assert_int_equal(fake_run("--computer", "a,b", NULL), EXIT_LOCKED);
	assert_contains(fake_out(), "2 computers: 1 clean, 1 locked, 0 failed, "
	    "0 unreachable\n");
	assert_int_equal(fake_run("--computer", "b,a,c", NULL), EXIT_FAILED);
	assert_contains(fake_out(), "3 computers: 1 clean, 1 locked, 1 failed, "
	    "0 unreachable\n");
	assert_int_equal(fake_run("--computer", "a", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "1 computer: 1 clean, 0 locked, "
	    "0 failed, 0 unreachable\n");
	assert_int_equal(fake_run("--computer", "a", "-q", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "");
}

static void
test_parallel_bound(void **state)
{
	(void)state;
	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "h%d", i);
		fake_child(name, 0, NULL, NULL, 100 + 37 * (i % 4));
	}
	assert_int_equal(fake_run("--computer", "h0,h1,h2,h3,h4,h5,h6,h7,h8,h9",
	    "--parallel", "3", NULL), EXIT_CLEAN);
	assert_int_equal(fake_most_running(), 3);
	assert_contains(fake_out(), "10 computers: 10 clean");
	setup(NULL);
	assert_int_equal(fake_run("--computer", "h0,h1,h2", NULL), EXIT_CLEAN);
	assert_int_equal(fake_most_running(), 1);
}

/* A computer that never answers costs --host-timeout, not the run. */
static void
test_host_timeout(void **state)
{
	(void)state;
	fake_child("a", 0, "a: fine\n", NULL, 1000);
	fake_child("hung", 0, "never\n", "never\n", -1);
	fake_child("c", 1, "c: locked\n", NULL, 4900);
	assert_int_equal(fake_run("--computer", "a,hung,c", "--parallel", "3",
	    "--host-timeout", "5", NULL), EXIT_NODIR);
	assert_string_equal(fake_stopped(), "hung");
	assert_string_equal(fake_out(), "a: fine\n"
	    "error     \\\\hung  (no answer within 5 s (--host-timeout); "
	    "stopped)\nc: locked\n"
	    "3 computers: 1 clean, 1 locked, 0 failed, 1 unreachable\n");
	assert_string_equal(fake_err(), "mmpclean: hung: no answer within 5 s "
	    "(--host-timeout); stopped\n");
	assert_int_equal(fake_children_alive(), 0);

	assert_int_equal(fake_run("--computer", "hung,a", "--format", "json",
	    "--host-timeout", "60", NULL), EXIT_NODIR);
	assert_contains(fake_out(), "\"computers\":[{\"computer\":\"hung\","
	    "\"error\":\"no answer within 60 s (--host-timeout); stopped\","
	    "\"exit_status\":3},");
	assert_int_equal(fake_run("--computer", "hung", "--format", "csv",
	    "--host-timeout", "60", NULL), EXIT_NODIR);
	assert_string_equal(fake_out(), "status,path,size,last_write_utc,"
	    "reason,computer\nerror,\\\\hung,,,no answer within 60 s "
	    "(--host-timeout); stopped,hung\n");
}

/* One slow computer is not stopped for another's deadline. */
static void
test_timeout_per_computer(void **state)
{
	(void)state;
	fake_child("a", 0, NULL, NULL, 4000);
	fake_child("b", 0, NULL, NULL, 4000);
	fake_child("c", 0, NULL, NULL, 4000);
	/* one at a time: 12 s in all, each well within its 5 s */
	assert_int_equal(fake_run("--computer", "a,b,c", "--host-timeout",
	    "5", NULL), EXIT_CLEAN);
	assert_string_equal(fake_stopped(), "");
	fake_child("d", 0, NULL, NULL, 5001);
	assert_int_equal(fake_run("--computer", "a,d", "--host-timeout",
	    "5", NULL), EXIT_NODIR);
	assert_string_equal(fake_stopped(), "d");
}

static void
test_start_failure_and_crash(void **state)
{
	(void)state;
	fake_child_start_fail("x", PST_IO);
	fake_child("y", (int)0xC0000005, "half", NULL, 10);
	fake_child("z", 0, "z: ok\n", NULL, 10);
	assert_int_equal(fake_run("--computer", "x,y,z", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "mmpclean: x: cannot start mmpclean for "
	    "it: The system cannot find the file specified. (Win32 error 2)\n");
	assert_contains(fake_err(), "mmpclean: y: its mmpclean ended "
	    "abnormally (exit status -1073741819)\n");
	assert_string_equal(fake_out(), "error     \\\\x  (cannot start mmpclean "
	    "for it: The system cannot find the file specified. (Win32 error "
	    "2))\nerror     \\\\y  (its mmpclean ended abnormally (exit status "
	    "-1073741819))\nz: ok\n3 computers: 1 clean, 0 locked, 1 failed, "
	    "1 unreachable\n");
}

static void
test_json_document(void **state)
{
	static const char a[] = "{\"mmpclean\":\"x\",\"computer\":\"a\","
	    "\"exit_status\":0}\r\n";
	(void)state;
	fake_child("a", 0, a, NULL, 10);
	fake_child("b", 1, "{\"mmpclean\":\"x\",\"computer\":\"b\"", NULL, 10);
	assert_int_equal(fake_run("--computer", "a,b,a", "--format", "json",
	    NULL), EXIT_FAILED);
	assert_string_equal(fake_out(), "{\"mmpclean\":\"" MMPCLEAN_VERSION
	    "\",\"mode\":\"report\",\"started\":\"2023-11-14T22:13:20Z\","
	    "\"computers\":[{\"mmpclean\":\"x\",\"computer\":\"a\","
	    "\"exit_status\":0},{\"computer\":\"b\",\"error\":\"its report "
	    "could not be read (the run ended before it was complete)\","
	    "\"exit_status\":2}],\"summary\":{\"computers\":2,\"clean\":1,"
	    "\"locked\":0,\"failed\":1,\"unreachable\":0,\"not_scanned\":0},"
	    "\"exit_status\":2}\n");
	/* --where: no mode, no start */
	assert_int_equal(fake_run("--computer", "a", "--format", "json",
	    "--where", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "{\"mmpclean\":\"" MMPCLEAN_VERSION
	    "\",\"computers\":[{\"mmpclean\":\"x\",\"computer\":\"a\","
	    "\"exit_status\":0}],\"summary\":{\"computers\":1,\"clean\":1,"
	    "\"locked\":0,\"failed\":0,\"unreachable\":0,\"not_scanned\":0},"
	    "\"exit_status\":0}\n");
}

static void
test_csv_one_header(void **state)
{
	(void)state;
	fake_child("a", 0, "status,path,size,last_write_utc,reason,computer\r\n"
	    "deleted,\\\\a\\C$\\x.mmp,1,2023-11-13T22:13:20Z,,a\r\n", NULL, 10);
	fake_child("b", 0, "status,path,size,last_write_utc,reason,computer\n",
	    NULL, 10);
	assert_int_equal(fake_run("--computer", "a,b", "--format=csv", "-d",
	    NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(),
	    "status,path,size,last_write_utc,reason,computer\n"
	    "deleted,\\\\a\\C$\\x.mmp,1,2023-11-13T22:13:20Z,,a\n");
	fake_child_start_fail("w", PST_IO);
	assert_int_equal(fake_run("--computer", "w", "--format=csv", "--where",
	    NULL), EXIT_NODIR);
	assert_string_equal(fake_out(), "path,source,computer\n\\\\w,,w\n");
}

/* Ctrl+C: nothing new starts; what runs ends and is reported. */
static void
test_interrupted(void **state)
{
	(void)state;
	fake_child("a", 0, "a: ok\n", NULL, 1000);
	fake_child("b", 2, "b: interrupted\n", NULL, 1000);
	fake_interrupt_waits(2);
	assert_int_equal(fake_run("--computer", "a,b,c,d", "--parallel", "2",
	    NULL), EXIT_FAILED);
	assert_int_equal(fake_children_alive(), 0);
	assert_string_equal(args(), "--one-computer a\n--one-computer b\n");
	assert_string_equal(fake_out(), "a: ok\nb: interrupted\n"
	    "error     \\\\c  (not scanned: interrupted)\n"
	    "error     \\\\d  (not scanned: interrupted)\n"
	    "4 computers: 1 clean, 0 locked, 1 failed, 0 unreachable, "
	    "2 not scanned (interrupted)\n");
	assert_contains(fake_err(), "mmpclean: c: not scanned: interrupted\n"
	    "mmpclean: d: not scanned: interrupted\n");
}

static void
test_eventlog_and_log(void **state)
{
	(void)state;
	fake_dir("C:\\logs");
	fake_child("a", 1, NULL, NULL, 10);
	fake_child("b", 0, NULL, NULL, -1);
	assert_int_equal(fake_run("--computer", "a,b", "--eventlog",
	    "--host-timeout=1", "--log", "C:\\logs\\m.log", NULL), EXIT_NODIR);
	assert_string_equal(fake_events(), "2 1002 2 computers: 0 clean, "
	    "1 locked, 0 failed, 1 unreachable; exit status 3\n");
	assert_contains(fake_log(), "error     \\\\b  (no answer within 1 s "
	    "(--host-timeout); stopped)\n");
	assert_contains(fake_log(), "fleet     2 computers: 0 clean, 1 locked, "
	    "0 failed, 1 unreachable\n");
	assert_contains(fake_log(), "finished  exit status 3\n");
	assert_null(strstr(args(), "eventlog"));
}

/* A report that cannot be written makes the fleet's status 2. */
static void
test_output_failure(void **state)
{
	(void)state;
	fake_child("a", 0, "a: ok\n", NULL, 10);
	fake_out_fail(1);
	assert_int_equal(fake_run("--computer", "a", NULL), EXIT_FAILED);
	assert_contains(fake_err(), "cannot write to standard output");
}

/* ---- --one-computer: another computer's directories ---- */

static void
remote(const char *data, unsigned long type)
{
	fake_remote("web01", PST_OK);
	fake_reg_value_on("web01", VIEW_64, cur_key, "SystemRoot",
	    "E:\\WINNT", 1);
	if (data != NULL)
		fake_reg_value_on("web01", VIEW_64, profile_key, profile_value,
		    data, type);
}

static void
test_remote_profile_directory(void **state)
{
	(void)state;
	fake_reg(VIEW_64, "C:\\WINDOWS", 0);	/* this computer's: unused */
	remote("D:\\MAPI Temp", 1);
	fake_dir("\\\\web01\\D$\\MAPI Temp");
	fake_file("\\\\web01\\D$\\MAPI Temp", "a.mmp", 0);
	assert_int_equal(fake_run("--one-computer", "web01", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "unlocked  \\\\web01\\D$\\MAPI Temp"
	    "\\a.mmp\nweb01: 1 .mmp file in 1 directory: 1 unlocked, 0 locked, "
	    "0 read-only, 0 skipped, 0 errors\n");
	assert_string_equal(fake_reg_on(), "web01");
	assert_int_equal(fake_opens("C:\\WINDOWS", "local.mmp"), 0);
	assert_int_equal(fake_run("--one-computer", "\\\\web01", "--where",
	    "--format=json", NULL), EXIT_CLEAN);
	assert_string_equal(fake_out(), "{\"mmpclean\":\"" MMPCLEAN_VERSION
	    "\",\"computer\":\"web01\",\"directories\":[{\"path\":"
	    "\"\\\\\\\\web01\\\\D$\\\\MAPI Temp\",\"source\":\"registry, 64-bit "
	    "view\",\"error\":null}],\"exit_status\":0}\n");
}

/* %VARIABLES% are the remote computer's, never this one's. */
static void
test_remote_expansion(void **state)
{
	(void)state;
	fake_env("SystemRoot", "C:\\WINDOWS");
	fake_env("TEMP", "C:\\Users\\me\\Temp");
	fake_env("SystemDrive", "C:");
	remote("%SystemRoot%\\mmp", 2);
	assert_int_equal(fake_run("--one-computer", "web01", "--where", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "\\\\web01\\E$\\WINNT\\mmp  (registry, "
	    "64-bit view)\n");
	remote("%SystemDrive%\\x", 2);
	assert_int_equal(fake_run("--one-computer", "web01", "--where", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "\\\\web01\\E$\\x  (registry, 64-bit "
	    "view)\n");
	/* the system environment, itself REG_EXPAND_SZ */
	fake_reg_value_on("web01", VIEW_64, env_key, "TEMP",
	    "%SystemRoot%\\TEMP", 2);
	remote("%TEMP%\\mmp", 2);
	assert_int_equal(fake_run("--one-computer", "web01", "--where", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "\\\\web01\\E$\\WINNT\\TEMP\\mmp  "
	    "(registry, 64-bit view)\n");
	fake_reg_value_on("web01", VIEW_64, "Software\\Microsoft\\Windows"
	    "\\CurrentVersion", "ProgramFilesDir", "F:\\Program Files", 1);
	remote("%ProgramFiles%\\App", 2);
	assert_int_equal(fake_run("--one-computer", "web01", "--where", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "\\\\web01\\F$\\Program Files\\App  "
	    "(registry, 64-bit view)\n");
	/* set here but not there */
	remote("%USERPROFILE%\\x", 2);
	fake_env("USERPROFILE", "C:\\Users\\me");
	assert_int_equal(fake_run("--one-computer", "web01", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "uses %USERPROFILE%, which is not set on "
	    "web01");
	/* a loop of variables ends */
	fake_reg_value_on("web01", VIEW_64, env_key, "A", "%B%", 2);
	fake_reg_value_on("web01", VIEW_64, env_key, "B", "%A%", 2);
	remote("%A%\\x", 2);
	assert_int_equal(fake_run("--one-computer", "web01", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "uses %A%, which is not set on web01");
}

static void
test_remote_network_path_refused(void **state)
{
	(void)state;
	remote("\\\\files\\mapi", 1);
	assert_int_equal(fake_run("--one-computer", "web01", "--format=json",
	    NULL), EXIT_NODIR);
	assert_contains(fake_err(), "mmpclean: web01: '\\\\files\\mapi' "
	    "(registry, 64-bit view) is a network path on web01: mmpclean "
	    "reaches a computer's directories through its administrative "
	    "shares (C$), and does not follow a path that names another "
	    "share");
	assert_contains(fake_out(), "\"directory_errors\":1,");
	assert_contains(fake_out(), "\"exit_status\":3}");
	/* with --all the Windows directory is still scanned: exit 3 all
	 * the same */
	fake_dir("\\\\web01\\E$\\WINNT");
	assert_int_equal(fake_run("--one-computer", "web01", "--all", NULL),
	    EXIT_NODIR);
	assert_contains(fake_out(), "web01: 0 .mmp files in 1 directory");
}

static void
test_remote_windows_directory(void **state)
{
	(void)state;
	remote(NULL, 0);
	fake_dir("\\\\web01\\E$\\WINNT");
	fake_file("\\\\web01\\E$\\WINNT", "w.mmp", 0);
	assert_int_equal(fake_run("--one-computer", "web01", "-d", NULL),
	    EXIT_CLEAN);
	assert_contains(fake_out(), "deleted   \\\\web01\\E$\\WINNT\\w.mmp\n");
	assert_true(fake_exists("C:\\WINDOWS", "local.mmp"));
	fake_remote("web02", PST_OK);
	assert_int_equal(fake_run("--one-computer", "web02", "--where", NULL),
	    EXIT_NODIR);
	assert_contains(fake_err(), "cannot find the Windows directory of "
	    "web02: its registry has no value 'HKLM\\Software\\Microsoft"
	    "\\Windows NT\\CurrentVersion\\SystemRoot'");
}

/* Never a guess: a registry that cannot be read fails that computer. */
static void
test_remote_registry_unreadable(void **state)
{
	(void)state;
	fake_remote("web02", PST_DENIED);
	assert_int_equal(fake_run("--one-computer", "web09", NULL), EXIT_NODIR);
	assert_string_equal(fake_err(), "mmpclean: web09: cannot read the "
	    "registry of web09: the computer cannot be found, or its Remote "
	    "Registry service is not running; mmpclean never guesses a "
	    "computer's directory: give it with --dir (for example --computer "
	    "web09 --dir C:\\Windows) to scan without the registry\n");
	assert_int_equal(fake_opens("C:\\WINDOWS", "local.mmp"), 0);
	assert_int_equal(fake_run("--one-computer", "web02", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot read the registry of web02: access "
	    "denied (reading it needs administrator rights there)");
	fake_remote("web03", PST_IO);
	assert_int_equal(fake_run("--one-computer", "web03", "--format=csv",
	    NULL), EXIT_NODIR);
	assert_contains(fake_err(), "cannot read the registry of web03: The "
	    "RPC server is unavailable. (Win32 error 1722)");
	assert_contains(fake_out(), ",web03\n");
}

/* --dir: that path on the computer; no registry is read. */
static void
test_remote_dir(void **state)
{
	(void)state;
	fake_dir("\\\\web09\\D$\\x");
	fake_dir("\\\\web09\\C$");
	fake_file("\\\\web09\\D$\\x", "a.mmp", 0);
	assert_int_equal(fake_run("--one-computer", "web09", "--dir", "d:/x",
	    "--dir", "C:\\", "--format", "csv", NULL), EXIT_CLEAN);
	assert_string_equal(fake_reg_on(), "");
	assert_string_equal(fake_out(), "status,path,size,last_write_utc,"
	    "reason,computer\nunlocked,\\\\web09\\D$\\x\\a.mmp,100,"
	    "2023-11-13T22:13:20Z,,web09\n");
}

static void
test_remote_webtemp(void **state)
{
	(void)state;
	remote("D:\\m", 1);
	fake_reg_value_on("web01", VIEW_32, exchange_key, exchange_value,
	    "G:\\Exchsrvr", 1);
	assert_int_equal(fake_run("--one-computer", "web01", "--where", NULL),
	    EXIT_CLEAN);
	assert_string_equal(fake_out(), "\\\\web01\\D$\\m  (registry, 64-bit "
	    "view)\n\\\\web01\\G$\\Exchsrvr\\Webtemp  (Exchange Webtemp)\n");
}

/* Messages and the log name the computer. */
static void
test_remote_names_itself(void **state)
{
	(void)state;
	fake_dir("C:\\logs");
	fake_dir("\\\\web09\\D$\\x");
	fake_file("\\\\web09\\D$\\x", "a.mmp", 0);
	fake_lock("\\\\web09\\D$\\x", "a.mmp", -1);
	assert_int_equal(fake_run("--one-computer", "web09", "--dir", "D:\\x",
	    "--dir", "D:\\gone", "--log", "C:\\logs\\m.log", NULL), EXIT_NODIR);
	assert_contains(fake_err(), "mmpclean: web09: cannot open directory "
	    "'\\\\web09\\D$\\gone' (--dir): no such directory\n");
	assert_contains(fake_log(), " mmpclean[");
	for (const char *p = fake_log(); *p != '\0'; p = strchr(p, '\n') + 1) {
		const char *end = strchr(p, '\n'), *at = strstr(p, "] web09: ");

		assert_non_null(end);
		if (at == NULL || at > end)
			fail_msg("a log line without the computer: %.*s",
			    (int)(end - p), p);
	}
	assert_contains(fake_log(), "] web09: locked    \\\\web09\\D$\\x\\a.mmp\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
		T(test_bad_names_refused),
		T(test_local_only_refused),
		T(test_reboot_unc_dir_refused),
		T(test_names_folded_in_order),
		T(test_child_words),
		T(test_names_file),
		T(test_names_from_standard_input),
		T(test_names_file_utf16),
		T(test_decode),
		T(test_names_file_refused),
		T(test_reports_in_order),
		T(test_status_is_the_highest),
		T(test_parallel_bound),
		T(test_host_timeout),
		T(test_timeout_per_computer),
		T(test_start_failure_and_crash),
		T(test_json_document),
		T(test_csv_one_header),
		T(test_interrupted),
		T(test_eventlog_and_log),
		T(test_output_failure),
		T(test_remote_profile_directory),
		T(test_remote_expansion),
		T(test_remote_network_path_refused),
		T(test_remote_windows_directory),
		T(test_remote_registry_unreadable),
		T(test_remote_dir),
		T(test_remote_webtemp),
		T(test_remote_names_itself),
#undef T
	};

	return cmocka_run_group_tests_name("fleet", tests, NULL, NULL);
}
