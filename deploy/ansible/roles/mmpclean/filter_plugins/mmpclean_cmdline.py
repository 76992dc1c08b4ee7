"""Quote an argv list into one Windows command line (mmpclean role).

A scheduled task's action takes its arguments as one string, which the
program's C runtime splits again (msvcrt's rules, those of
CommandLineToArgvW): whitespace separates arguments, "..." groups them,
2n backslashes before a quote are n backslashes and the quote delimits,
2n+1 backslashes before a quote are n backslashes and a literal quote,
and backslashes not before a quote are literal.  win_cmdline() writes
each argument so that it comes back unchanged.
"""

from __future__ import annotations

SPECIAL = ' \t\n\v"'


def win_quote(arg):
    """One argument, quoted only when it must be."""
    arg = str(arg)
    if arg and not any(c in SPECIAL for c in arg):
        return arg
    out = ['"']
    backslashes = 0
    for c in arg:
        if c == '\\':
            backslashes += 1
            continue
        if c == '"':
            out.append('\\' * (2 * backslashes + 1))
        else:
            out.append('\\' * backslashes)
        backslashes = 0
        out.append(c)
    out.append('\\' * (2 * backslashes))
    out.append('"')
    return ''.join(out)


def win_cmdline(argv):
    """An argv list as one command line."""
    if isinstance(argv, (str, bytes)):
        raise TypeError('mmpclean_win_cmdline wants a list, not a string')
    return ' '.join(win_quote(a) for a in argv)


class FilterModule:
    """mmpclean_win_cmdline: argv list -> Windows command line."""

    def filters(self):
        return {'mmpclean_win_cmdline': win_cmdline}
