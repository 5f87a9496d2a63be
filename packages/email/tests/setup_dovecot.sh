#!/usr/bin/env bash
# Installs Debian's Dovecot (IMAP and POP3 servers) for the tasklink-email tests.
#
# The tests start their own Dovecot instance (own base_dir and configuration, loopback
# high ports, users from a passwd-file); they only need the binaries. Idempotent: exits at
# once when Dovecot is there. Without root (a developer's machine) it prints how to install
# and exits 0: the tests that need Dovecot then report themselves skipped.
set -euo pipefail

if [[ -x /usr/sbin/dovecot && -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/pop3 ]]; then
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "setup_dovecot.sh: Dovecot is missing and this is not root; install it with" >&2
  echo "  sudo apt-get install dovecot-imapd dovecot-pop3d" >&2
  echo "The IMAP and POP3 tests of tasklink-email will be skipped." >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup_dovecot.sh: no apt-get here; install Dovecot (imapd, pop3d) by hand" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup_dovecot.sh: installing dovecot-imapd and dovecot-pop3d"
apt-get update -q
apt-get install -y -q --no-install-recommends dovecot-imapd dovecot-pop3d
