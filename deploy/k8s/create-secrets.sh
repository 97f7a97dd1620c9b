#!/bin/sh
# Create (or update) the Kubernetes Secrets the manifests reference by name, from the credential
# files of deploy/make-secrets.sh. Nothing secret is stored in the repository or the manifests.
#
#   deploy/make-secrets.sh && deploy/k8s/create-secrets.sh [SECRETS_DIR]
#
# Secrets (namespace linkspider):
#   linkspider-redis    password, url
#   linkspider-mongo    root-username, root-password, app-password, uri, keyfile
#   linkspider-scrapyd  username, password
set -eu

dir=${1:-"$(dirname "$0")/../secrets"}
ns=${LINKSPIDER_NAMESPACE:-linkspider}
for f in redis_password mongo_root_username mongo_root_password mongo_app_password mongo_keyfile \
         scrapyd_username scrapyd_password; do
    [ -s "$dir/$f" ] || { echo "create-secrets: $dir/$f is missing; run deploy/make-secrets.sh first" >&2; exit 1; }
done

umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# In-cluster connection strings: service DNS names of redis.yaml and mongo.yaml.
printf 'redis://:%s@redis:6379/0' "$(cat "$dir/redis_password")" > "$tmp/redis_url"
printf 'mongodb://linkspider:%s@mongo-0.mongo:27017,mongo-1.mongo:27017,mongo-2.mongo:27017/linkspider?replicaSet=rs0&authSource=linkspider' \
    "$(cat "$dir/mongo_app_password")" > "$tmp/mongo_uri"

apply() {  # NAME --from-file=... : create or update, values never on a command line
    name=$1
    shift
    kubectl -n "$ns" create secret generic "$name" "$@" --dry-run=client -o yaml | kubectl -n "$ns" apply -f -
}

apply linkspider-redis \
    --from-file=password="$dir/redis_password" --from-file=url="$tmp/redis_url"
apply linkspider-mongo \
    --from-file=root-username="$dir/mongo_root_username" --from-file=root-password="$dir/mongo_root_password" \
    --from-file=app-password="$dir/mongo_app_password" --from-file=uri="$tmp/mongo_uri" \
    --from-file=keyfile="$dir/mongo_keyfile"
apply linkspider-scrapyd \
    --from-file=username="$dir/scrapyd_username" --from-file=password="$dir/scrapyd_password"
