#!/bin/sh
# Generate the credentials that deploy/docker-compose.yml mounts as secrets, into deploy/secrets/
# (git-ignored). Existing files are kept, so running it again changes nothing.
#
# The directory is 0700 (only you can reach the files on the host); the files themselves are 0644
# because compose bind-mounts file secrets with their host mode, and the worker image runs as an
# unprivileged user that must be able to read them inside the container.
#
#   deploy/make-secrets.sh [DIR]
#
# Passwords are hex, so they can sit in URLs without escaping. For Kubernetes, run
# deploy/k8s/create-secrets.sh afterwards: it builds the cluster's Secrets from these files.
set -eu

dir=${1:-"$(dirname "$0")/secrets"}
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"

random_hex() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

keep_or_write() {  # NAME VALUE
    if [ ! -s "$dir/$1" ]; then
        printf '%s' "$2" > "$dir/$1"
        chmod 0644 "$dir/$1"
        echo "wrote $dir/$1"
    fi
}

keep_or_write redis_password "$(random_hex)"
keep_or_write mongo_root_username "root"
keep_or_write mongo_root_password "$(random_hex)"
keep_or_write mongo_app_password "$(random_hex)"
keep_or_write scrapyd_username "linkspider"
keep_or_write scrapyd_password "$(random_hex)"
# A replica-set keyfile: 6..1024 base64 characters, the same on every member.
keep_or_write mongo_keyfile "$(head -c 756 /dev/urandom | base64 | tr -d '\n')"

# Connection strings for the compose services (host names are the compose service names).
keep_or_write redis_url "redis://:$(cat "$dir/redis_password")@redis:6379/0"
keep_or_write mongo_uri \
    "mongodb://linkspider:$(cat "$dir/mongo_app_password")@mongo:27017/linkspider?replicaSet=rs0&authSource=linkspider"
