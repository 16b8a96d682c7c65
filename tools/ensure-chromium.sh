#!/usr/bin/env bash
# The browser tests drive Debian's chromium with Playwright (never `playwright install`).
# Install it through the system package manager when it is missing; if that is impossible,
# say so loudly: the browser tests then skip with the same message.
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: installing it with apt-get (for the browser tests)" >&2
  if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
fi
echo "!!! chromium is not installed and could not be installed: the browser tests will be SKIPPED !!!" >&2
echo "!!! install it (Debian: apt-get install chromium) to run them                              !!!" >&2
exit 0
