#!/usr/bin/env bash
# System tools the report tests use, installed only when missing (Debian / Ubuntu, as root or with sudo):
#   soffice   (libreoffice-calc-nogui) - tests/report/test_xlsx.py converts the workbook headless, proving it opens
#   pdftoppm  (poppler-utils)          - tests/report/test_pdf.py renders the PDF's first page to PNG
# Without them those two tests are skipped, never failed. Python packages come from pyproject.toml.
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci-report-deps: soffice and pdftoppm already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-report-deps: no apt-get; install ${missing[*]} by hand (the tests that need them are skipped)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ci-report-deps: not root and no sudo; install ${missing[*]} by hand (tests skipped)" >&2
    exit 0
  fi
fi
echo "ci-report-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v soffice >/dev/null && command -v pdftoppm >/dev/null
echo "ci-report-deps: done"
