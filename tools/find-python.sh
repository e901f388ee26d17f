#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter to build the project's virtual environment with.
# Tries $PYTHON, python3.12, python3.13, python3, then pyenv's installed versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for c in ${PYTHON:-} python3.12 python3.13 python3; do
  [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && ok "$c" && { command -v "$c"; exit 0; }
done
for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/bin/python3.12 /usr/local/bin/python3.12; do
  [ -x "$c" ] && ok "$c" && { echo "$c"; exit 0; }
done
echo "no Python >= 3.12 found; install python3.12 or set PYTHON=/path/to/python3.12" >&2
exit 1
