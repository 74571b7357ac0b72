#!/bin/sh
# Uploads this release's assets to s3://BUCKET/PREFIX (default ami-rotator/<version>/), after checking every file
# against SHA256SUMS. Needs only the AWS CLI and sha256sum. Then deploy the template with AssetsBucket=BUCKET and
# AssetsPrefix=PREFIX (docs/release.md).
set -eu
cd "$(dirname "$0")"
if [ $# -lt 1 ]; then
  echo "usage: ./upload-assets.sh BUCKET [PREFIX]   (PREFIX ends with /; default ami-rotator/VERSION/)" >&2
  exit 2
fi
bucket=$1
prefix=${2:-ami-rotator/@VERSION@/}
case $prefix in */) ;; *) echo "PREFIX must end with /, got $prefix" >&2; exit 2 ;; esac
sha256sum --check --quiet SHA256SUMS
for zip in assets/*.zip; do
  aws s3 cp "$zip" "s3://$bucket/$prefix$(basename "$zip")" --only-show-errors
done
echo "uploaded $(ls assets/*.zip | wc -l) assets to s3://$bucket/$prefix"
echo "deploy with: --parameter-overrides AssetsBucket=$bucket AssetsPrefix=$prefix Stage=... Family=... InstanceId=..."
