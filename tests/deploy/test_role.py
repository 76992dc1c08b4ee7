#!/usr/bin/python3
"""The role's expressions, rendered by Ansible's own templating, offline.

The argv of the run and the task's command line are computed from the
role's variables by Jinja in roles/mmpclean/vars/main.yml; the run's
failed_when and changed_when and the checks before anything is installed
are Jinja in tasks/present.yml.  These tests read them from those files
and evaluate them with ansible's Templar against made-up results, and test
the filter that quotes the task's command line against the C runtime's
parsing rules.
"""

import copy
import json
import os
import random
import sys
import tempfile
import unittest

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader
from ansible.executor.task_executor import remove_omit
from ansible.template import Templar

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
ROLE = os.environ.get('MMPCLEAN_ROLE',
                      os.path.join(ROOT, 'deploy', 'ansible', 'roles',
                                   'mmpclean'))
SCHEMA = os.path.join(ROOT, 'docs', 'report.schema.json')

sys.path.insert(0, os.path.join(ROLE, 'filter_plugins'))
filter_loader.add_directory(os.path.join(ROLE, 'filter_plugins'))
import mmpclean_cmdline  # noqa: E402  (the role's filter plugin)


def load(rel):
    with open(os.path.join(ROLE, rel), encoding='utf-8') as f:
        return yaml.safe_load(f)


def task(name, tasks=None, file='tasks/present.yml'):
    for t in load(file) if tasks is None else tasks:
        if t.get('name') == name:
            return t
        for k in ('block', 'rescue', 'always'):
            try:
                return task(name, t.get(k) or [], file)
            except KeyError:
                pass
    raise KeyError(name)


def variables(**over):
    v = {'playbook_dir': '/pb', 'ansible_check_mode': False}
    v.update(load('defaults/main.yml'))
    v.update(load('vars/main.yml'))
    v.update(over)
    return v


def render(expr, **over):
    return Templar(loader=DataLoader(), variables=variables(**over)) \
        .template(expr)


def condition(cond, **over):
    """A when/failed_when/changed_when string, as Ansible evaluates it."""
    got = render('{% if ' + cond + ' %}yes{% else %}no{% endif %}', **over)
    assert got in ('yes', 'no'), got
    return got == 'yes'


# ---- the C runtime's command-line parsing (msvcrt, CommandLineToArgvW),
# as Microsoft documents it ("Parsing C command-line arguments") ----
def parse(cmdline):
    args, i, n = [], 0, len(cmdline)
    while True:
        while i < n and cmdline[i] in ' \t':
            i += 1
        if i >= n:
            return args
        arg, quoted = [], False
        while i < n and (quoted or cmdline[i] not in ' \t'):
            if cmdline[i] == '\\':
                j = i
                while j < n and cmdline[j] == '\\':
                    j += 1
                if j < n and cmdline[j] == '"':
                    arg.append('\\' * ((j - i) // 2))
                    if (j - i) % 2:
                        arg.append('"')
                        i = j + 1
                    else:
                        i = j
                    continue
                arg.append('\\' * (j - i))
                i = j
                continue
            if cmdline[i] == '"':
                if quoted and i + 1 < n and cmdline[i + 1] == '"':
                    arg.append('"')     # "" inside quotes: a literal quote
                    i += 2
                    continue
                quoted = not quoted
                i += 1
                continue
            arg.append(cmdline[i])
            i += 1
        args.append(''.join(arg))


class TestParser(unittest.TestCase):
    """The reference parser against Microsoft's own examples."""

    def test_documented_examples(self):
        cases = {
            r'"a b c" d e': ['a b c', 'd', 'e'],
            r'"ab\"c" "\\" d': ['ab"c', '\\', 'd'],
            r'a\\\b d"e f"g h': [r'a\\\b', 'de fg', 'h'],
            r'a\\\"b c d': [r'a\"b', 'c', 'd'],
            r'a\\\\"b c" d e': [r'a\\b c', 'd', 'e'],
        }
        for line, want in cases.items():
            self.assertEqual(parse(line), want, line)


class TestQuoting(unittest.TestCase):
    def test_plain_words_unquoted(self):
        self.assertEqual(mmpclean_cmdline.win_cmdline(
            ['--delete', '--older-than', '1d', r'--dir', r'C:\x']),
            r'--delete --older-than 1d --dir C:\x')

    def test_spaces_and_trailing_backslash(self):
        line = mmpclean_cmdline.win_cmdline(['--dir', 'D:\\MAPI Temp\\'])
        self.assertEqual(line, '--dir "D:\\MAPI Temp\\\\"')
        self.assertEqual(parse(line), ['--dir', 'D:\\MAPI Temp\\'])

    def test_unc_path_keeps_its_backslashes(self):
        arg = '\\\\server\\share\\MAPI Temp'
        self.assertEqual(parse(mmpclean_cmdline.win_quote(arg)), [arg])

    def test_empty_and_quotes(self):
        for arg in ['', '"', 'a"b', '\\"', 'a b\\\\', '\t']:
            self.assertEqual(parse(mmpclean_cmdline.win_quote(arg)), [arg])

    def test_round_trip_random(self):
        rng = random.Random(15)
        alphabet = 'ab \t\\"\':%^&|'
        for _ in range(3000):
            argv = [''.join(rng.choice(alphabet)
                            for _ in range(rng.randrange(0, 8)))
                    for _ in range(rng.randrange(1, 5))]
            line = mmpclean_cmdline.win_cmdline(argv)
            self.assertEqual(parse(line), argv, line)

    def test_a_string_is_refused(self):
        with self.assertRaises(TypeError):
            mmpclean_cmdline.win_cmdline('--delete')


class TestArguments(unittest.TestCase):
    def test_defaults(self):
        self.assertEqual(render('{{ _mmpclean_opts }}'), [
            '--delete', '--older-than', '1d',
            '--log', r'C:\Program Files\mmpclean\mmpclean.log',
            '--eventlog'])
        self.assertEqual(render('{{ _mmpclean_exe }}'),
                         r'C:\Program Files\mmpclean\mmpclean.exe')

    def test_exe_beside_or_above_the_playbook(self):
        # A source checkout: the zip unpacked into files/ beside the
        # playbook.  The release zip: the playbook in deploy/ansible/, the
        # executables two levels up.  files/ wins when both are there.
        with tempfile.TemporaryDirectory() as top:
            pb = os.path.join(top, 'deploy', 'ansible')
            os.makedirs(pb)
            self.assertEqual(render('{{ mmpclean_exe_src }}', playbook_dir=pb),
                             os.path.join(top, 'x64', 'mmpclean.exe'))
            self.assertEqual(render('{{ mmpclean_exe_src }}', playbook_dir=pb,
                                    mmpclean_arch='x86'),
                             os.path.join(top, 'x86', 'mmpclean.exe'))
            os.makedirs(os.path.join(pb, 'files'))
            self.assertEqual(render('{{ mmpclean_exe_src }}', playbook_dir=pb),
                             os.path.join(pb, 'files', 'x64', 'mmpclean.exe'))

    def test_every_option(self):
        got = render('{{ _mmpclean_opts }}', mmpclean_dirs=[
            'D:\\MAPI Temp\\', r'\\srv\share\mmp'], mmpclean_all=True,
            mmpclean_force=True, mmpclean_wait=60, mmpclean_holders=True,
            mmpclean_older_than='12h', mmpclean_log=r'D:\logs\m.log')
        self.assertEqual(got, [
            '--delete', '--force', '--all',
            '--dir', 'D:\\MAPI Temp\\', '--dir', r'\\srv\share\mmp',
            '--older-than', '12h', '--wait', '60', '--holders',
            '--log', r'D:\logs\m.log', '--eventlog'])

    def test_report_only_nothing_optional(self):
        self.assertEqual(render(
            '{{ _mmpclean_opts }}', mmpclean_delete=False,
            mmpclean_older_than='', mmpclean_log='',
            mmpclean_eventlog=False), [])

    def test_task_command_line_parses_back(self):
        over = dict(mmpclean_dirs=['D:\\MAPI Temp\\', 'E:\\a"b'],
                    mmpclean_install_dir=r'C:\Program Files\mmp clean')
        argv = render('{{ _mmpclean_opts }}', **over)
        line = render('{{ _mmpclean_opts | mmpclean_win_cmdline }}', **over)
        self.assertEqual(parse(line), argv)
        self.assertIn('"D:\\MAPI Temp\\\\"', line)

    def test_run_argv(self):
        argv = task('Run mmpclean')['ansible.windows.win_command']['argv']
        self.assertEqual(render(argv, mmpclean_wait=5)[:3], [
            r'C:\Program Files\mmpclean\mmpclean.exe', '--format', 'json'])
        self.assertIn('--delete', render(argv))
        # --check runs a report: the same options without --delete
        checked = render(argv, ansible_check_mode=True)
        self.assertNotIn('--delete', checked)
        self.assertIn('--older-than', checked)

    def test_scheduled_task_action(self):
        st = task('Install the nightly task, as SYSTEM')
        st = st['community.windows.win_scheduled_task']
        self.assertEqual(st['username'], 'SYSTEM')
        self.assertEqual(st['logon_type'], 'service_account')
        self.assertNotIn('password', st)
        path = render(st['actions'][0]['path'])
        self.assertEqual(path, r'"C:\Program Files\mmpclean\mmpclean.exe"')
        self.assertEqual(render(st['triggers'][0]['start_boundary'],
                                mmpclean_task_time='23:30'),
                         '2026-01-01T23:30:00')

    def test_scheduled_task_args_as_the_module_gets_them(self):
        st = task('Install the nightly task, as SYSTEM')
        st = st['community.windows.win_scheduled_task']
        omit = '__omit_place_holder__mmpclean'
        for delay, want in (('', None), ('PT30M', 'PT30M')):
            args = remove_omit(render(st, omit=omit,
                                      mmpclean_task_random_delay=delay), omit)
            self.assertEqual(args['triggers'][0].get('random_delay'), want)
            self.assertEqual(args['actions'][0]['arguments'],
                             '--delete --older-than 1d --log '
                             '"C:\\Program Files\\mmpclean\\mmpclean.log" '
                             '--eventlog')
            self.assertEqual(args['multiple_instances'], 2)


with open(SCHEMA, encoding='utf-8') as _f:
    _SCHEMA = json.load(_f)
# The local report names its computer once the schema says so.
_COMPUTER = 'computer' in _SCHEMA['$defs']['report']['properties']


def report(mode, count, **summary):
    """A report as mmpclean --format json writes it (valid by the schema)."""
    s = {'files': count, 'directories': 1, 'locked': 0, 'pending': 0,
         'read_only': 0, 'skipped': 0, 'errors': 0, 'young': 0,
         'scheduled': 0, 'directory_errors': 0, 'services': []}
    s['deleted' if mode == 'delete' else 'unlocked'] = count
    s.update(summary)
    doc = {'mmpclean': '0.1.0', 'mode': mode,
            'started': '2026-12-02T03:00:00Z',
            'directories': [{'path': 'C:\\WINDOWS', 'source':
                             'Windows directory', 'files': [], 'error': None}],
            'summary': s, 'exit_status': 0}
    if _COMPUTER:
        doc['computer'] = 'WEB01'
    return doc


class TestOutcome(unittest.TestCase):
    run_task = None

    @classmethod
    def setUpClass(cls):
        cls.run_task = task('Run mmpclean')
        import jsonschema   # python3-jsonschema, from .ci/deps
        for doc in (report('delete', 2), report('report', 0)):
            jsonschema.validate(doc, _SCHEMA)

    def outcome(self, rc, doc, check=False, **over):
        res = {'rc': rc, 'stdout': json.dumps(doc) if doc else ''}
        over.update(_mmpclean_run=res, ansible_check_mode=check)
        return (condition(self.run_task['failed_when'], **over),
                condition(self.run_task['changed_when'], **over))

    def test_exit_status(self):
        self.assertEqual(self.outcome(0, report('delete', 0)),
                         (False, False))
        self.assertEqual(self.outcome(1, report('delete', 0, locked=1)),
                         (False, False))
        self.assertEqual(self.outcome(2, report('delete', 0, errors=1))[0],
                         True)
        self.assertEqual(self.outcome(3, report('delete', 0))[0], True)
        # a bad command line prints no JSON at all: failed, no template error
        self.assertEqual(self.outcome(4, None), (True, False))

    def test_changed_from_the_summary(self):
        self.assertEqual(self.outcome(0, report('delete', 3)), (False, True))
        self.assertEqual(self.outcome(1, report('delete', 1, locked=2)),
                         (False, True))

    def test_report_mode_never_changes(self):
        self.assertEqual(self.outcome(0, report('report', 5),
                                      mmpclean_delete=False), (False, False))

    def test_check_mode_predicts(self):
        self.assertEqual(self.outcome(0, report('report', 2), check=True),
                         (False, True))
        self.assertEqual(self.outcome(0, report('report', 0), check=True),
                         (False, False))

    def test_computer_field_ignored(self):
        doc = report('delete', 1)
        doc['computer'] = 'WEB01'
        self.assertEqual(self.outcome(0, doc), (False, True))


class TestAdminCommands(unittest.TestCase):
    """changed from what mmpclean's one-off commands print (src/admin.c)."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, 'src', 'admin.c'), encoding='utf-8') as f:
            cls.source = f.read()

    def says(self, text):
        # the program still prints it (the C string as written in the source)
        self.assertIn('"' + text, self.source)

    def test_event_source(self):
        cond = task('Register the event source')['changed_when']
        self.says("registered the event source 'mmpclean' in the ")
        self.says("the event source 'mmpclean' was registered ")
        new = "registered the event source 'mmpclean' in the Application log"
        old = ("the event source 'mmpclean' was registered already; its "
               "message file is now this executable")
        self.assertTrue(condition(cond, _mmpclean_eventsource={
            'rc': 0, 'stdout': new + '\r\n'}))
        self.assertFalse(condition(cond, _mmpclean_eventsource={
            'rc': 0, 'stdout': old + '\r\n'}))

    def test_event_source_removed(self):
        cond = task('Remove the event source',
                    file='tasks/absent.yml')['changed_when']
        self.says("removed the event source 'mmpclean'")
        self.says("the event source 'mmpclean' was not ")
        self.assertTrue(condition(cond, _mmpclean_uninstalled={
            'stdout': "removed the event source 'mmpclean'\r\n"}))
        self.assertFalse(condition(cond, _mmpclean_uninstalled={
            'stdout': "the event source 'mmpclean' was not registered\r\n"}))

    def test_configure(self):
        cond = task('Set ProfileDirectory (mmpclean --configure)')
        argv = cond['ansible.windows.win_command']['argv']
        cond = cond['changed_when']
        self.says("created directory '%s'")
        self.says("directory '%s' exists already")
        self.says("set HKLM")
        self.assertEqual(render(argv, mmpclean_configure=r'D:\MAPI Temp',
                                mmpclean_configure_grant='IIS_IUSRS'), [
            r'C:\Program Files\mmpclean\mmpclean.exe', '--configure',
            r'D:\MAPI Temp', '--grant', 'IIS_IUSRS'])
        self.assertEqual(render(argv, mmpclean_configure=r'D:\m')[2:],
                         [r'D:\m'])
        same = ("directory 'D:\\m' exists already\r\n"
                "HKLM\\Software\\Microsoft\\Windows Messaging Subsystem"
                "\\ProfileDirectory (64-bit view) names 'D:\\m' already\r\n"
                "gave 'IUSR' modify rights on 'D:\\m'\r\n")
        self.assertFalse(condition(cond, _mmpclean_configured={
            'stdout': same}))
        self.assertTrue(condition(cond, _mmpclean_configured={
            'stdout': same.replace('names', 'set ... to')
            .replace("HKLM", "set HKLM", 1)}))
        self.assertTrue(condition(cond, _mmpclean_configured={
            'stdout': "created directory 'D:\\m'\r\n"}))


class TestValidation(unittest.TestCase):
    that = None

    @classmethod
    def setUpClass(cls):
        t = task('Check the values mmpclean would refuse, before installing '
                 'anything')
        cls.that = t['ansible.builtin.assert']['that']

    def ok(self, **over):
        return all(condition(c, **over) for c in self.that)

    def test_defaults_pass(self):
        self.assertTrue(self.ok())
        self.assertTrue(self.ok(mmpclean_dirs=[r'D:\m', r'\\s\sh\m', 'E:/m'],
                                mmpclean_older_than='', mmpclean_wait=86400,
                                mmpclean_task_time='23:59', mmpclean_log=''))

    def test_refused(self):
        for over in [dict(mmpclean_older_than='1.5d'),
                     dict(mmpclean_older_than='7D'),
                     dict(mmpclean_wait=86401),
                     dict(mmpclean_wait=-1),
                     dict(mmpclean_task_time='3:00'),
                     dict(mmpclean_task_time='24:00'),
                     dict(mmpclean_dirs=['mmp']),
                     dict(mmpclean_dirs=[r'C:mmp']),
                     dict(mmpclean_dirs=[r'\mmp']),
                     dict(mmpclean_log='mmpclean.log')]:
            self.assertFalse(self.ok(**over), over)


if __name__ == '__main__':
    unittest.main()
