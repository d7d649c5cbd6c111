#!/bin/sh
# render.sh - `npsgate render`: the page's language is the widget's, for
# every way of writing a language tag (npsgate render --lang fra once
# wrapped the English widget in <html lang="fr">), in each of the seven
# languages; a language without templates gets the default's widget. The
# page, and only the page, declares light and dark colour schemes.
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
check fra fr recommandiez
check fre fr recommandiez
check de de 'Wie wahrscheinlich ist es'
check de-DE de 'Wie wahrscheinlich ist'
check deu de 'Wie wahrscheinlich ist'
check ger de 'Wie wahrscheinlich ist'
check es es 'Qué probabilidad hay'
check es-419 es 'Qué probabilidad hay'
check spa es 'Qué probabilidad hay'
check it it 'Con quale probabilità'
check it-CH it 'Con quale probabilità'
check ita it 'Con quale probabilità'
check nl nl 'Hoe waarschijnlijk is'
check nl-BE nl 'Hoe waarschijnlijk is'
check nld nl 'Hoe waarschijnlijk is'
check dut nl 'Hoe waarschijnlijk is'
check pt pt 'Qual é a probabilidade'
check pt-BR pt 'Qual é a probabilidade'
check por pt 'Qual é a probabilidade'

# The pre-filled reply of a German link: its subject and body.
run 0 render -c "$dir/npsgate.conf" --lang de
grep -q 'subject=Bewertung%3A%209%2F10' "$dir/out" ||
    fail "--lang de: no German pre-filled subject"
grep -q 'body=Meine%20Bewertung%3A%209%2F10' "$dir/out" ||
    fail "--lang de: no German pre-filled body"

# The preview page, the widget's alone, declares that it reads in light
# and dark; the widget itself, what goes into a help desk's mail, never
# does (it would change how the client draws the whole mail).
for style in numbers stars icons gradient; do
	run 0 render -c "$dir/npsgate.conf" --lang en --style "$style"
	grep -q '^<meta name="color-scheme" content="light dark">$' \
	    "$dir/out" || fail "--style $style: the page declares no" \
	    "color-scheme"
	# the two metas (color-scheme, supported-color-schemes), no more
	[ "$(grep -c 'color-scheme' "$dir/out")" = 2 ] ||
	    fail "--style $style: color-scheme in the widget itself"
done

# A language without templates: the default's widget (French in
# clitest_conf's config), said on stderr.
check sv fr recommandiez
grep -q 'sv: no templates' "$dir/err" ||
    fail "--lang sv: the fallback to default_lang is not said"

[ "$fails" -eq 0 ] || exit 1
echo "PASS: render"
