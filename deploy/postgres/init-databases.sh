#!/bin/sh
# Runs once, when the PostgreSQL volume is new: one database per service, each owned by its own role
# (a service never reads another service's database). Passwords come from the compose environment.
set -eu
for service in members billing bookings notifications importer; do
    password_var="GYMLOOP_DB_PASSWORD_$(echo "$service" | tr '[:lower:]' '[:upper:]')"
    password=$(eval "printf '%s' \"\${$password_var:-$service}\"")
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE "$service" LOGIN PASSWORD '$password';
CREATE DATABASE "$service" OWNER "$service";
REVOKE ALL ON DATABASE "$service" FROM PUBLIC;
SQL
done
