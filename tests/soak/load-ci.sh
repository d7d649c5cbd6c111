#!/bin/sh
# tests/soak/load-ci.sh - the CI size of tests/soak/load.sh: 2,000 mails
# over 20 connections (under 3 minutes). Skips like load.sh.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/soak/load.sh" 2000 20
