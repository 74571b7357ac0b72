#!/bin/sh
# Keeps the files of an earlier release as the upgrade test's fixture (test/upgrade/upgrade.test.ts): its functions/,
# src/ and statemachine/ at a git ref, as a tarball, and what it is. Run when a release is cut, with the release
# before it: scripts/previous-release.sh v0.2.0
set -eu
cd "$(dirname "$0")/.."
ref=${1:?usage: scripts/previous-release.sh REF (a tag or commit of the previous release)}
commit=$(git rev-parse --verify "$ref^{commit}")
version=$(git show "$commit:package.json" | sed -n 's/^ *"version": "\(.*\)",$/\1/p')
git archive --format=tar "$commit" functions src statemachine | gzip -9 -n > test/upgrade/previous-release.tar.gz
printf '{ "ref": "%s", "commit": "%s", "version": "%s" }\n' "$ref" "$commit" "$version" > test/upgrade/previous-release.json
echo "test/upgrade/previous-release.tar.gz: $ref ($commit, version $version), $(wc -c < test/upgrade/previous-release.tar.gz) bytes"
