#!/bin/sh
# Entrypoint of the linkspider image: load credentials from mounted secret files, then run the command.
#
# For each VAR below, if VAR_FILE is set, VAR is set to that file's content (trailing newline
# removed) and VAR_FILE is unset. This is how Docker and Kubernetes secrets reach REDIS_URL and
# MONGO_URI without the values ever appearing in the compose file, a manifest or `docker inspect`.
set -eu

for var in REDIS_URL MONGO_URI SCRAPYD_USERNAME SCRAPYD_PASSWORD LINKSPIDER_SCRAPYD_AUTH; do
    file=$(printenv "${var}_FILE" || true)
    if [ -n "$file" ]; then
        if [ ! -r "$file" ]; then
            echo "linkspider-entrypoint: ${var}_FILE points at $file, which is not readable" >&2
            exit 1
        fi
        value=$(cat "$file")
        export "$var=$value"
        unset "${var}_FILE"
    fi
done

exec "$@"
