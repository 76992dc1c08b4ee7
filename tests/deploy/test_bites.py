#!/usr/bin/python3
"""The kit's checks catch the mistakes they are there for.

Each case copies deploy/ansible to a scratch directory, makes one mistake
in one line (the text must occur exactly once), and expects check_options.py
or test_role.py to fail on the copy, saying what is wrong.  The unchanged
copy must pass both first.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.join(HERE, '..', '..', 'deploy', 'ansible')
PY = sys.executable

# (name, file under deploy/ansible, find, replace, checker, expected output)
CASES = [
    ('misspelled option', 'roles/mmpclean/tasks/present.yml',
     '    dest: "{{ _mmpclean_exe }}"', '    dst: "{{ _mmpclean_exe }}"',
     'options', "ansible.windows.win_copy: no option 'dst'"),
    ('misspelled argv', 'roles/mmpclean/tasks/absent.yml',
     '    argv:', '    argvs:',
     'options', "no option 'argvs'"),
    ('misspelled suboption', 'roles/mmpclean/tasks/present.yml',
     '        start_boundary: "2026-01-01T{{ mmpclean_task_time }}:00"',
     '        start_boundry: "2026-01-01T{{ mmpclean_task_time }}:00"',
     'options', "no option triggers[0].'start_boundry'"),
    ('required suboption lost', 'roles/mmpclean/tasks/present.yml',
     """      - path: '"{{ _mmpclean_exe }}"'""",
     """      - paht: '"{{ _mmpclean_exe }}"'""",
     'options', "the required option actions[0].'path' is missing"),
    ('required option lost', 'roles/mmpclean/tasks/absent.yml',
     '    name: "{{ mmpclean_task_name }}"', '',
     'options', "the required option 'name' is missing"),
    ('value outside the choices', 'roles/mmpclean/tasks/present.yml',
     '    logon_type: service_account', '    logon_type: service-account',
     'options', "logon_type='service-account' is not one of"),
    ('a command line instead of argv', 'roles/mmpclean/tasks/absent.yml',
     '      - --uninstall-eventlog', '',
     'options', None),      # replaced below: argv -> cmd
    ('a module without its collection', 'roles/mmpclean/tasks/absent.yml',
     '  ansible.windows.win_stat:', '  win_stat:',
     'options', "'win_stat': name the module by its FQCN"),
    ('a misspelled keyword', 'roles/mmpclean/tasks/present.yml',
     '      register: _mmpclean_run', '      regsiter: _mmpclean_run',
     'options', 'expected one module'),
    ('exit status 2 taken for a success', 'roles/mmpclean/tasks/present.yml',
     '      failed_when: _mmpclean_run.rc is not defined or '
     '_mmpclean_run.rc >= 2',
     '      failed_when: _mmpclean_run.rc is not defined or '
     '_mmpclean_run.rc >= 3',
     'role', 'test_exit_status'),
    ('report mode reported as a change', 'roles/mmpclean/tasks/present.yml',
     '        mmpclean_delete | bool and _mmpclean_run.rc in [0, 1, 2, 3]',
     '        _mmpclean_run.rc in [0, 1, 2, 3]',
     'role', 'test_report_mode_never_changes'),
    ('an event source registered already counted as a change',
     'roles/mmpclean/tasks/present.yml',
     '''  changed_when: "'registered the event source' in '''
     '''_mmpclean_eventsource.stdout"''',
     '''  changed_when: "'registered' in _mmpclean_eventsource.stdout"''',
     'role', 'test_event_source'),
    ('a quote before backslashes mis-escaped',
     'roles/mmpclean/filter_plugins/mmpclean_cmdline.py',
     "            out.append('\\\\' * (2 * backslashes + 1))",
     "            out.append('\\\\' * (2 * backslashes))",
     'role', 'test_round_trip_random'),
    ('a trailing backslash not doubled',
     'roles/mmpclean/filter_plugins/mmpclean_cmdline.py',
     "    out.append('\\\\' * (2 * backslashes))",
     "    out.append('\\\\' * backslashes)",
     'role', 'test_spaces_and_trailing_backslash'),
    ('--dir dropped from the options', 'roles/mmpclean/vars/main.yml',
     "     + (['--dir'] | product(mmpclean_dirs) | flatten(levels=1))", '',
     'role', 'test_every_option'),
    ('the release zip\'s executables not found',
     'roles/mmpclean/defaults/main.yml',
     '  else playbook_dir | dirname | dirname }}"',
     '  else playbook_dir | dirname }}"',
     'role', 'test_exe_beside_or_above_the_playbook'),
]


def run(kind, kit):
    if kind == 'options':
        cmd = [PY, os.path.join(HERE, 'check_options.py'),
               os.path.join(kit, 'mmpclean.yml')]
        env = os.environ
    else:
        cmd = [PY, '-W', 'ignore::DeprecationWarning',
               os.path.join(HERE, 'test_role.py')]
        env = dict(os.environ,
                   MMPCLEAN_ROLE=os.path.join(kit, 'roles', 'mmpclean'))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


class TestBites(unittest.TestCase):
    tmp = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='mmpclean-kit-')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def copy(self, name):
        kit = os.path.join(self.tmp, name.replace(' ', '-'))
        shutil.copytree(KIT, kit, ignore=shutil.ignore_patterns(
            '__pycache__'))
        return kit

    def test_unchanged_passes(self):
        kit = self.copy('unchanged')
        for kind in ('options', 'role'):
            rc, out = run(kind, kit)
            self.assertEqual(rc, 0, out)

    def mistake(self, name, rel, find, repl, kind, want):
        kit = self.copy(name)
        path = os.path.join(kit, rel)
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        hits = [i for i, line in enumerate(lines) if line == find]
        self.assertEqual(len(hits), 1, f'{rel}: {find!r}')
        i = hits[0]
        if want is None:    # the argv list made a command line string
            self.assertEqual(lines[i - 2], '    argv:')
            lines[i - 2:i + 1] = [
                '    cmd: \'"{{ _mmpclean_exe }}" --uninstall-eventlog\'']
            want = 'run it with argv'
        elif repl:
            lines[i] = repl
        else:
            del lines[i]
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))
        rc, out = run(kind, kit)
        self.assertNotEqual(rc, 0, f'{name}: not caught\n{out}')
        self.assertIn(want, out)


def _case(case):
    return lambda self: self.mistake(*case)


for _n, _c in enumerate(CASES):
    setattr(TestBites, f'test_{_n:02d}_' + _c[0].replace(' ', '_')
            .replace('-', '_'), _case(_c))


if __name__ == '__main__':
    unittest.main()
