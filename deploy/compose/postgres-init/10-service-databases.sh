#!/usr/bin/env bash
# One database per service, owned by a role of the same name: a service can reach only its own data.
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d). For each
# name in SERVICE_DATABASES, <NAME>_DB_PASSWORD holds that role's password (the same variable
# the compose file puts into the service's DATABASE_URL). Safe to run again: existing roles and
# databases are kept, and the password is (re)set, which is also how a password is rotated.
set -euo pipefail

: "${SERVICE_DATABASES:?SERVICE_DATABASES lists the databases to create}"
psql_admin=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}")

for name in ${SERVICE_DATABASES}; do
    var="$(printf '%s' "${name}" | tr '[:lower:]-' '[:upper:]_')_DB_PASSWORD"
    password="${!var:?${var} is not set}"
    "${psql_admin[@]}" --set=name="${name}" --set=password="${password}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
    echo "service database ${name}: ready"
done
