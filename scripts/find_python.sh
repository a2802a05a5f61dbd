#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain on stderr what to install and fail.
set -u
candidates=()
if command -v pyenv >/dev/null 2>&1; then
  for v in $(cat "$(dirname "$0")/../.python-version" 2>/dev/null) 3.12 3.13; do
    p=$(pyenv prefix "$v" 2>/dev/null | head -n1) && [ -x "$p/bin/python3" ] && candidates+=("$p/bin/python3")
  done
fi
for root in "$HOME/.pyenv/versions"; do
  for d in "$root"/3.12* "$root"/3.13*; do [ -x "$d/bin/python3" ] && candidates+=("$d/bin/python3"); done
done
candidates+=(python3.12 python3.13 python3)
for c in "${candidates[@]}"; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    command -v "$c"
    exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.12 or newer was found (Django 6.1 needs it).
Install one, for example:  pyenv install 3.12   or   apt-get install python3.12 python3.12-venv
then run the command again (or pass PYTHON=/path/to/python3.12).
MSG
exit 1
