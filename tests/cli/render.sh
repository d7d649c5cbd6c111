#!/bin/sh
# render.sh - `npsgate render`: the page's language is the widget's, for
# every way of writing a language tag (npsgate render --lang fra once
# wrapped the English widget in <html lang="fr">).
set -u

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/clitest.sh"
clitest_init render
NPSGATE_TEMPLATES_DIR="$SRC/templates"
export NPSGATE_TEMPLATES_DIR

clitest_conf "$dir/npsgate.conf" "$dir/npsgate.db"
run 0 keygen -c "$dir/npsgate.conf"

# check TAG PAGE_LANG WORD: the page says lang="PAGE_LANG" and the widget
# holds WORD, a word of that language's question.
check() {
	run 0 render -c "$dir/npsgate.conf" --lang "$1"
	grep -q "<html lang=\"$2\">" "$dir/out" ||
	    fail "--lang $1: the page is not lang=\"$2\""
	grep -q "$3" "$dir/out" ||
	    fail "--lang $1: the widget is not in the page's language ($3)"
}
check fr fr recommandiez
check FR fr recommandiez
check fr-CA fr recommandiez
check fr_BE fr recommandiez
check en en recommend
check fra en recommend
check de en recommend

[ "$fails" -eq 0 ] || exit 1
echo "PASS: render"
