#!/bin/sh
# install.sh: installs the npm tools the export tests drive, at the versions
# package-lock.json pins, into tests/tools/node_modules (git-ignored):
# mermaid-cli renders the Mermaid diagrams, puppeteer-core drives headless
# Chromium over the HTML page.  The browser is Debian's /usr/bin/chromium
# (puppeteer.json): PUPPETEER_SKIP_DOWNLOAD, and no install scripts, so
# nothing but npm's packages is fetched.  Does nothing when they are
# installed already.  `make check` runs it.
set -eu
cd "$(dirname "$0")"
stamp=node_modules/.socktrace-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
	exit 0
fi
export PUPPETEER_SKIP_DOWNLOAD=1
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
touch "$stamp"
