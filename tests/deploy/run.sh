#!/bin/sh
# make deploy-check: the Ansible kit under deploy/, offline.  The
# ansible.windows and community.windows collections are the ones Debian's
# ansible package installs, found through dpkg and named alone in
# ANSIBLE_COLLECTIONS_PATH (nothing from ~/.ansible, nothing vendored).
set -u
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
KIT=deploy/ansible

manifest=$(dpkg -L ansible 2>/dev/null |
    grep '/ansible_collections/ansible/windows/MANIFEST.json$' | head -n 1)
if [ -z "$manifest" ] || ! dpkg -L ansible 2>/dev/null |
    grep -q '/ansible_collections/community/windows/MANIFEST.json$'; then
	echo "deploy-check: Debian's ansible package, with the ansible.windows" \
	    "and community.windows collections, is not installed (make deps)" >&2
	exit 1
fi
ANSIBLE_COLLECTIONS_PATH=${manifest%/ansible_collections/*}
export ANSIBLE_COLLECTIONS_PATH
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_NOCOLOR=1 NO_COLOR=1
export PYTHONWARNINGS=ignore::DeprecationWarning
for c in ansible/windows community/windows; do
	$PY -c 'import json, sys; i = json.load(open(sys.argv[1]))
print("deploy-check: %s.%s %s from %s" % (i["collection_info"]["namespace"],
    i["collection_info"]["name"], i["collection_info"]["version"],
    sys.argv[2]))' \
	    "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/$c/MANIFEST.json" \
	    "$ANSIBLE_COLLECTIONS_PATH"
done

pass=0 fail=0
step() {
	name=$1
	shift
	start=$(date +%s)
	if out=$("$@" 2>&1); then
		pass=$((pass + 1))
		printf 'deploy-check: %-12s ok (%ss) %s\n' "$name" \
		    $(($(date +%s) - start)) "$(printf '%s\n' "$out" |
		    grep -E -v '^(-*|OK)$' | tail -n 1)"
	else
		fail=$((fail + 1))
		printf '%s\n' "$out"
		printf 'deploy-check: %-12s FAILED\n' "$name"
	fi
}

step yamllint yamllint -s -c deploy/.yamllint deploy
step syntax ansible-playbook --syntax-check \
    -i $KIT/inventory.example.yml $KIT/mmpclean.yml
step options $PY tests/deploy/check_options.py $KIT/mmpclean.yml
step role $PY tests/deploy/test_role.py
step bites $PY tests/deploy/test_bites.py
# ansible-lint's production profile, offline (no collection installs, no
# version check); run from the kit's folder so it lints only the kit.
step ansible-lint sh -c "cd $KIT && ansible-lint --offline --nocolor \
    --profile production mmpclean.yml roles/mmpclean"

echo "deploy-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
