#!/usr/bin/env bash
# Opens a report.html in headless chromium, checks that the page drew its bucket table with
# the counts report.json has, and saves a screenshot next to it.
# Usage: Scripts/check-report-in-browser.sh Reports/report.html
set -euo pipefail
html="$(realpath "${1:-Reports/report.html}")"
json="$(dirname "$html")/report.json"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then echo "check-report: no chromium (Scripts/setup.sh installs it)" >&2; exit 2; fi
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --virtual-time-budget=1000)
dom="$("$browser" "${flags[@]}" --dump-dom "file://$html" 2>/dev/null)"
total="$(grep -o 'data-total-buckets="[0-9]*"' <<<"$dom" | grep -o '[0-9]*')"
rendered="$(grep -o 'data-rendered-buckets="[0-9]*"' <<<"$dom" | grep -o '[0-9]*' || true)"
findings="$(grep -o '<span id="total-findings">[0-9]*' <<<"$dom" | grep -o '[0-9]*$')"
expected="$(grep -c '"repro" :' "$json" || true)"
"$browser" "${flags[@]}" --window-size=1400,1000 --screenshot="${html%.html}.png" "file://$html" >/dev/null 2>&1
echo "check-report: $findings findings, $total buckets in the page, $rendered drawn by the script, report.json has $expected repro lines"
if [ -z "$rendered" ] || [ "$rendered" != "$total" ]; then echo "check-report: the bucket table was not drawn" >&2; exit 1; fi
echo "check-report: screenshot ${html%.html}.png"
