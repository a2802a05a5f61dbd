#!/usr/bin/env bash
# Run `manage.py check --deploy` under a production environment with throwaway secrets, and fail
# on any warning. Also shows that production start-up without secrets names what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== production start-up without secrets must fail naming them =="
if out=$(env -i PATH="$PATH" HOME="$HOME" "$PY" manage.py check 2>&1); then
  echo "$out"; echo "FAIL: production start-up without secrets succeeded"; exit 1
fi
for name in SECRET_KEY FIELD_ENCRYPTION_KEYS BLIND_INDEX_KEY DATABASE_URL CELERY_BROKER_URL ALLOWED_HOSTS; do
  grep -q "$name" <<<"$out" || { echo "$out"; echo "FAIL: $name not named"; exit 1; }
done
echo "ok: $(grep -o 'Missing required configuration.*' <<<"$out" | head -1)"

echo "== check --deploy with production settings =="
key=$("$PY" -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')
bidx=$("$PY" -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')
secret=$("$PY" -c 'import secrets;print(secrets.token_urlsafe(60))')
printf '%s' "$secret" > "$tmp/secret"
env -i PATH="$PATH" HOME="$HOME" \
  SECRET_KEY_FILE="$tmp/secret" \
  FIELD_ENCRYPTION_KEYS="k1:$key" BLIND_INDEX_KEY="$bidx" \
  DATABASE_URL="${DATABASE_URL:-sqlite:///$tmp/deploy-check.sqlite3}" \
  CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" \
  ALLOWED_HOSTS="healthcheck.bank.internal" \
  "$PY" manage.py check --deploy --fail-level WARNING
