#!/usr/bin/python3
"""Check every task of the Ansible kit against its module's documentation.

    check_options.py PLAYBOOK...

Walks each play of each playbook (tasks, pre_tasks, post_tasks, handlers,
blocks with their rescue and always), and every task file of the roles
the plays name (roles/NAME/tasks/*.yml and handlers/*.yml beside the
playbook).  For each task it finds the module, which must be named by its
FQCN, asks `ansible-doc -j` for its options (one call for all of them) and
fails when the task
  - uses an option the module does not have (nor as an alias), at any depth
    of suboptions the task spells out literally,
  - misses an option the module requires,
  - gives a literal value outside an option's choices,
  - passes a free-form string where the kit always uses a dictionary,
  - runs ansible.windows.win_command without argv (a command line is a
    string a shell-like parser splits; argv is not), or uses win_shell.
Runs offline, with the collections ANSIBLE_COLLECTIONS_PATH names.  Prints
one line per problem and exits 1 when there is any, else a summary line.
"""

import json
import os
import subprocess
import sys

import yaml
from ansible.playbook.block import Block
from ansible.playbook.play import Play
from ansible.playbook.task import Task

# Everything that may sit beside the module in a task: ansible's own list.
KEYWORDS = set(Task.fattributes) | set(Block.fattributes) | {'local_action'}
PLAY_TASK_LISTS = ('pre_tasks', 'tasks', 'post_tasks', 'handlers')
BLOCK_LISTS = ('block', 'rescue', 'always')
# Modules that take arbitrary keys (their documentation says so).
FREE_KEYS = {'ansible.builtin.set_fact'}
FORBIDDEN = {
    'ansible.windows.win_shell': 'runs a shell string; use win_command argv',
    'ansible.builtin.shell': 'a Windows host has no POSIX shell',
    'ansible.builtin.command': 'use ansible.windows.win_command',
}

assert 'when' in KEYWORDS and 'register' in KEYWORDS and len(Play.fattributes)


def templated(value):
    return isinstance(value, str) and ('{{' in value or '{%' in value)


class Checker:
    def __init__(self):
        self.tasks = []         # (where, module, args)
        self.problems = []

    def problem(self, where, msg):
        self.problems.append(f'{where}: {msg}')

    # ---- collecting tasks ----

    def load(self, path):
        with open(path, encoding='utf-8') as f:
            return yaml.safe_load(f)

    def walk_tasks(self, tasks, where):
        if tasks is None:
            return
        if not isinstance(tasks, list):
            self.problem(where, 'a task list is not a list')
            return
        for i, task in enumerate(tasks):
            here = f'{where}[{i}]'
            if not isinstance(task, dict):
                self.problem(here, 'a task is not a dictionary')
                continue
            if 'name' in task:
                here += f' "{task["name"]}"'
            if any(k in task for k in BLOCK_LISTS):
                for k in BLOCK_LISTS:
                    self.walk_tasks(task.get(k), f'{here}.{k}')
                for k in task:
                    if k not in KEYWORDS:
                        self.problem(here, f'a block has the key {k!r}')
                continue
            self.task(task, here)

    def task(self, task, here):
        mods = [k for k in task
                if k not in KEYWORDS and not k.startswith('with_')]
        if 'action' in task or 'local_action' in task:
            self.problem(here, 'name the module as a key, not with action:')
            return
        if len(mods) != 1:
            self.problem(here, f'expected one module, found {mods or "none"}'
                         ' (an unknown keyword is taken for a module)')
            return
        mod = mods[0]
        if mod.count('.') < 2:
            self.problem(here, f'{mod!r}: name the module by its FQCN')
            return
        if mod in FORBIDDEN:
            self.problem(here, f'{mod}: {FORBIDDEN[mod]}')
            return
        args = task[mod]
        extra = task.get('args')
        if args is None:
            args = {}
        if isinstance(args, str):
            self.problem(here, f'{mod}: give the options as a dictionary, '
                         f'not the free-form string {args!r}')
            return
        if not isinstance(args, dict):
            self.problem(here, f'{mod}: the options are not a dictionary')
            return
        if isinstance(extra, dict):
            args = {**extra, **args}
        self.tasks.append((here, mod, args))

    def walk_playbook(self, path):
        plays = self.load(path)
        base = os.path.dirname(path)
        if not isinstance(plays, list):
            self.problem(path, 'a playbook is a list of plays')
            return
        for p, play in enumerate(plays):
            where = f'{path}: play {p}'
            for key in PLAY_TASK_LISTS:
                self.walk_tasks(play.get(key), f'{where} {key}')
            for role in play.get('roles') or []:
                name = role.get('role', role.get('name')) \
                    if isinstance(role, dict) else role
                rdir = os.path.join(base, 'roles', name)
                if not os.path.isdir(rdir):
                    self.problem(where, f'role {name!r}: no {rdir}')
                    continue
                self.walk_role(rdir)

    def walk_role(self, rdir):
        found = 0
        for sub in ('tasks', 'handlers'):
            d = os.path.join(rdir, sub)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d)):
                if fn.endswith(('.yml', '.yaml')):
                    path = os.path.join(d, fn)
                    self.walk_tasks(self.load(path), path)
                    found += 1
        if not found:
            self.problem(rdir, 'the role has no task file')

    # ---- checking them ----

    def docs(self, modules):
        env = dict(os.environ, ANSIBLE_NOCOLOR='1')
        out = subprocess.run(['ansible-doc', '-j', *sorted(modules)],
                             capture_output=True, text=True, env=env)
        docs = json.loads(out.stdout or '{}') if out.returncode == 0 else {}
        for m in modules:
            if m not in docs:
                self.problem(m, 'ansible-doc has no documentation for it '
                             '(not installed?): ' + out.stderr.strip())
        return {m: d['doc'] for m, d in docs.items()}

    def options(self, here, mod, spec, args, path):
        known = {}
        for name, o in (spec or {}).items():
            known[name] = name
            for alias in o.get('aliases') or []:
                known[alias] = name
        given = set()
        for key, value in args.items():
            if key not in known:
                self.problem(here, f'{mod}: no option {path}{key!r}; it has '
                             + ', '.join(sorted(spec or {})))
                continue
            name = known[key]
            given.add(name)
            o = spec[name]
            if o.get('choices') and not templated(value) \
                    and not isinstance(value, (list, dict)) \
                    and str(value) not in {str(c) for c in o['choices']}:
                self.problem(here, f'{mod}: {path}{key}={value!r} is not one '
                             f'of {o["choices"]}')
            sub = o.get('suboptions')
            if sub and not templated(value):
                items = value if isinstance(value, list) else [value]
                for n, item in enumerate(items):
                    if isinstance(item, dict):
                        p = f'{path}{key}[{n}].' if isinstance(value, list) \
                            else f'{path}{key}.'
                        self.options(here, mod, sub, item, p)
        for name, o in (spec or {}).items():
            if o.get('required') and name not in given:
                self.problem(here, f'{mod}: the required option '
                             f'{path}{name!r} is missing')

    def check(self):
        docs = self.docs({m for _, m, _ in self.tasks})
        for here, mod, args in self.tasks:
            if mod not in docs:
                continue
            if mod == 'ansible.windows.win_command' and 'argv' not in args:
                self.problem(here, f'{mod}: run it with argv, never a '
                             'command line string')
            if mod in FREE_KEYS:
                continue
            self.options(here, mod, docs[mod].get('options'), args, '')


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    c = Checker()
    for path in argv[1:]:
        c.walk_playbook(path)
    c.check()
    for p in c.problems:
        print('check_options: ' + p)
    if c.problems:
        return 1
    mods = sorted({m for _, m, _ in c.tasks})
    print(f'check_options: {len(c.tasks)} tasks, {len(mods)} modules, every '
          'option documented: ' + ', '.join(mods))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
