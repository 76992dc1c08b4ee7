/*
 * The command line as a whole, once opts_parse has read each option: the
 * combinations that cannot work, and the paths the options name, each
 * refused with a message that says why and what to do instead.
 */
#include <stdlib.h>
#include <string.h>

#include "mmpclean.h"

#define Q(s) opts_quote((s), (char[QBUF]){ 0 })

/* What cannot work with --computer or --one-computer: NULL, or why. */
static const char *
local_only(const struct opts *o)
{
	if (o->cmd != CMD_SCAN)
		return o->cmd == CMD_CONFIGURE || o->cmd == CMD_UNCONFIGURE ?
		    "sets this computer's own registry; run it on the server "
		    "itself, or set ProfileDirectory by Group Policy (see "
		    "deploy/)" : "changes this computer's own event log; run "
		    "it on the server itself";
	if (o->holders)
		return "asks this computer's Restart Manager, which sees only "
		    "its own processes; run mmpclean --holders on the server "
		    "itself (or through the deployment kit, deploy/)";
	if (o->reboot)
		return "writes this computer's own list of files to delete at "
		    "boot; run mmpclean --reboot on the server itself (or "
		    "through the deployment kit, deploy/)";
	return NULL;
}

/*
 * first: each option's first word on the command line, by enum optid.
 * 0, or EXIT_USAGE with a message in err.
 */
int
opts_check(struct opts *o, const char **first, char *err, size_t errlen)
{
	const char *why;
	int i, fleet;

	if (o->clash)
		return opts_fail(err, errlen, "only one of --configure, "
		    "--unconfigure, --install-eventlog and "
		    "--uninstall-eventlog at a time");
	fleet = o->ncomputers > 0 || o->computers_file != NULL;
	if (fleet && o->host != NULL)
		return opts_fail(err, errlen, "--one-computer and --computer%s "
		    "cannot be combined", o->ncomputers ? "" : "s");
	if (o->ncomputers > 0 && o->computers_file != NULL)
		return opts_fail(err, errlen, "--computer and --computers "
		    "cannot be combined; put every name in the file");
	if ((fleet || o->host != NULL) && (why = local_only(o)) != NULL)
		return opts_fail(err, errlen, "%s acts on this computer only: "
		    "it %s", o->cmd != CMD_SCAN ? cmd_name[o->cmd] :
		    o->holders ? "--holders" : "--reboot", why);
	if (!fleet && (first[OPT_PARALLEL] || first[OPT_HOST_TIMEOUT]))
		return opts_fail(err, errlen, "--%s goes with --computer or "
		    "--computers", first[OPT_PARALLEL] ? "parallel" :
		    "host-timeout");
	if (o->cmd != CMD_SCAN && (o->delete || o->force || o->all ||
	    o->where || o->ndirs || o->older_than >= 0 || o->format ||
	    o->log || o->eventlog || o->holders || o->wait || o->reboot ||
	    o->threads))
		return opts_fail(err, errlen, "%s does not scan; it takes no "
		    "other options%s", cmd_name[o->cmd],
		    o->cmd == CMD_CONFIGURE ? " but --grant" : "");
	if (o->grant != NULL && o->cmd != CMD_CONFIGURE)
		return opts_fail(err, errlen, "--grant goes with --configure");
	if (o->grant != NULL && o->grant[0] == '\0')
		return opts_fail(err, errlen, "--grant needs an account name");
	if (o->reboot && !o->delete)
		return opts_fail(err, errlen, "--reboot goes with --delete");
	if (o->where && (o->holders || o->wait || o->eventlog))
		return opts_fail(err, errlen, "--where lists directories only; "
		    "--holders, --wait and --eventlog do not apply");
	if (o->cmd == CMD_CONFIGURE) {
		if (path_normalise(o->configure, &o->config_dir, &why) != 0)
			return opts_fail(err, errlen, "--configure %s %s",
			    Q(o->configure), why);
		if (strlen(o->config_dir) == 3)
			return opts_fail(err, errlen, "--configure %s is a "
			    "drive root; give a directory of its own",
			    Q(o->configure));
	}
	if (o->all && o->ndirs > 0)
		return opts_fail(err, errlen, "--all and --dir cannot be "
		    "combined");
	if (o->where && o->delete)
		return opts_fail(err, errlen, "--where lists directories only; "
		    "it cannot be combined with --delete");
	if (o->quiet && o->verbose)
		return opts_fail(err, errlen, "--quiet and --verbose cannot be "
		    "combined");
	if (o->where && (o->older_than >= 0 || o->log != NULL))
		return opts_fail(err, errlen, "--where lists directories only; "
		    "--older-than and --log do not apply");
	if (o->where && o->threads)
		return opts_fail(err, errlen, "--where lists directories only; "
		    "--threads does not apply");
	if (o->log != NULL) {
		const char *given = o->log;

		o->log = NULL;
		if (path_normalise(given, &o->log, &why) != 0) {
			return opts_fail(err, errlen, "--log %s %s", Q(given),
			    why);
		}
		o->log_owned = 1;
	}
	for (i = 0; i < (int)o->ndirs; i++) {
		char *norm;
		int unc;

		if (path_normalise(o->dirs[i], &norm, &why) != 0)
			return opts_fail(err, errlen, "--dir %s %s",
			    Q(o->dirs[i]), why);
		unc = norm[0] == '\\';
		free(norm);
		if (unc && (fleet || o->host != NULL))
			return opts_fail(err, errlen, "--dir %s is a network "
			    "path; with --computer, --dir names a directory on "
			    "each computer, as X:\\path", Q(o->dirs[i]));
		/* the boot of this computer cannot reach a share */
		if (unc && o->reboot)
			return opts_fail(err, errlen, "--reboot cannot "
			    "schedule files in %s: a network path is not there "
			    "at boot; run mmpclean --reboot on the server "
			    "itself", Q(o->dirs[i]));
	}
	if (o->computers_file != NULL && strcmp(o->computers_file, "-") != 0 &&
	    path_normalise(o->computers_file, &o->hosts_path, &why) != 0)
		return opts_fail(err, errlen, "--computers %s %s",
		    Q(o->computers_file), why);
	return 0;
}
