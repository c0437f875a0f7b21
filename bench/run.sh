#!/usr/bin/env bash
# Benchmarks of the whole `pspconv` binary (issue 7): conversion time and its growth with the
# number of PSPs, `check` throughput against jq on the same audit log, `check` cost growth with
# the number of PSPs loaded, and peak memory as the log grows. Inputs are generated
# deterministically by `examples/bench_inputs.rs`.
#
#   bench/run.sh            full run (~500 MB log; a few minutes); figures in $BENCH_DIR
#   bench/run.sh --smoke    everything at tiny sizes, debug build; fails if anything breaks
#
# Tools: hyperfine (installed with apt-get if missing), GNU time (/usr/bin/time), jq.
# Environment: BENCH_DIR (default target/bench), PSPCONV (a prebuilt binary to time).
# Timings use the release profile (no debug info). To profile (perf, callgrind), build
# `cargo build --profile profiling` (release code with debug info) and run it on the inputs
# left in $BENCH_DIR, or time it with PSPCONV=target/profiling/pspconv.
# Exit status: 0 when everything ran (goals missed are reported, not fatal), 1 otherwise.
set -euo pipefail

smoke=0
case "${1:-}" in
--smoke) smoke=1 ;;
"") ;;
*)
    echo "usage: bench/run.sh [--smoke]" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${BENCH_DIR:-$root/target/bench}
[ "$smoke" = 1 ] && dir=${BENCH_DIR:-$root/target/bench-smoke}
mkdir -p "$dir"

die() {
    echo "bench: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1
}

if ! need hyperfine; then
    echo "bench: installing hyperfine (apt-get)" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
    else
        sudo apt-get install -y hyperfine >/dev/null
    fi
fi
need hyperfine || die "hyperfine is missing (apt-get install -y hyperfine)"
need jq || die "jq is missing"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install -y time)"

# Sizes: full run vs smoke.
if [ "$smoke" = 1 ]; then
    profile=debug
    list_sizes=(10 50 100)
    goal_size=100
    log_small=1 log_big=4
    growth_psps=(1 2 5)
    warmup=0 runs=1 slow_runs=1
else
    profile=release
    # 20 000: no count limit stops a list that large (the tests convert 20 000 small policies
    # in legacy form; this converts varied ones for the current target).
    list_sizes=(1000 5000 10000 20000)
    goal_size=10000
    log_small=50 log_big=500
    growth_psps=(1 10 100)
    warmup=3 runs=10 slow_runs=3
fi
check_psps=20

echo "bench: building ($profile)" >&2
if [ "$profile" = release ]; then
    cargo build --release --quiet --bin pspconv --example bench_inputs --example bench_evaluate
else
    cargo build --quiet --bin pspconv --example bench_inputs --example bench_evaluate
fi
bin=${PSPCONV:-$root/target/$profile/pspconv}
gen=$root/target/$profile/examples/bench_inputs
[ -x "$bin" ] || die "no binary at $bin"

# ---------------------------------------------------------------- inputs (deterministic)
echo "bench: generating inputs in $dir" >&2
"$gen" psps 1 "$dir/psp-1.yaml"
for n in "${list_sizes[@]}"; do
    "$gen" psp-list "$n" "$dir/psp-list-$n.yaml"
done
for n in "${growth_psps[@]}" "$check_psps"; do
    "$gen" psps "$n" "$dir/psps-$n.yaml"
done
for mb in "$log_small" "$log_big"; do
    "$gen" audit-log "$mb" "$dir/audit-$mb.jsonl"
done
"$gen" audit-log-no-pods "$log_big" "$dir/audit-no-pods-$log_big.jsonl"
log=$dir/audit-$log_big.jsonl
log_no_pods=$dir/audit-no-pods-$log_big.jsonl
log_bytes=$(stat -c %s "$log")

# Sanity: every command works and `check` fires on the generated log (exit 1 = alerts).
"$bin" convert psp --psp-path "$dir/psp-1.yaml" >"$dir/rules-1.yaml" || die "convert failed"
grep -q '^- rule:' "$dir/rules-1.yaml" || die "convert wrote no rule"
set +e
"$bin" check --psp-path "$dir/psps-$check_psps.yaml" --events "$dir/audit-$log_small.jsonl" \
    >"$dir/alerts-sample.txt" 2>"$dir/check-summary.txt"
rc=$?
set -e
[ "$rc" = 1 ] || die "check exited $rc, expected 1 (alerts); see $dir/check-summary.txt"
[ -s "$dir/alerts-sample.txt" ] || die "check printed no alert"
alerts=$(wc -l <"$dir/alerts-sample.txt")
alert_mb=$(awk -v b="$(wc -c <"$dir/alerts-sample.txt")" 'BEGIN { printf "%.0f", b / 1e6 }')
events=$(sed -n 's/^Events processed: //p' "$dir/check-summary.txt")

# hyperfine wrapper: name, runs, warmup, commands...; results in $dir/<name>.json.
hf() {
    local name=$1 n=$2 w=$3
    shift 3
    hyperfine -N --style basic --output=null -i --runs "$n" --warmup "$w" \
        --export-json "$dir/$name.json" "$@" >"$dir/$name.txt" 2>&1 ||
        die "hyperfine $name failed; see $dir/$name.txt"
}
# Median and min of command $2 in result file $1, in seconds.
median() { jq -r ".results[$2].median" "$dir/$1.json"; }
minimum() { jq -r ".results[$2].min" "$dir/$1.json"; }
# Mean CPU time (user + system) of command $2: what the run cost on a shared machine.
cpu() { jq -r ".results[$2] | .user + .system" "$dir/$1.json"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v c="$1" 'BEGIN { print (c ? "met" : "MISSED") }'; }

# ---------------------------------------------------------------- conversion
echo "bench: conversion" >&2
hf convert-1 $((runs * 5)) "$warmup" "$bin convert psp --psp-path $dir/psp-1.yaml"
cmds=()
for n in "${list_sizes[@]}"; do
    cmds+=(-n "$n PSPs" "$bin convert psp --psp-path $dir/psp-list-$n.yaml")
done
hf convert-list "$slow_runs" 1 "${cmds[@]}"

# ---------------------------------------------------------------- check throughput vs jq
echo "bench: check throughput on $((log_bytes / 1000000)) MB" >&2
psp20=$dir/psps-$check_psps.yaml
hf check-throughput "$slow_runs" 1 \
    -n "pspconv check, alerts to /dev/null" "$bin check --psp-path $psp20 --events $log" \
    -n "pspconv check --rule-matching first" "$bin check --psp-path $psp20 --events $log --rule-matching first" \
    -n "jq pod-create filter" "jq -c 'select(.objectRef.resource == \"pods\" and .verb == \"create\")' $log"

# ---------------------------------------------------------------- check growth with PSPs
echo "bench: check growth with PSPs loaded" >&2
cmds=()
for n in "${growth_psps[@]}"; do
    cmds+=(-n "$n PSPs" "$bin check --psp-path $dir/psps-$n.yaml --events $log")
done
hf check-growth "$slow_runs" 1 "${cmds[@]}"
cmds=()
for n in "${growth_psps[@]}"; do
    cmds+=(-n "$n PSPs, no pod creations" "$bin check --psp-path $dir/psps-$n.yaml --events $log_no_pods")
done
hf check-growth-no-pods "$slow_runs" 1 "${cmds[@]}"
rules_per() {
    "$bin" convert psp --psp-path "$dir/psps-$1.yaml" --source k8s_audit 2>/dev/null | grep -c '^- rule:'
}

# ---------------------------------------------------------------- Falco's extraction cost
# What the `falco` target's rules cost on a real Falco (SPEC §10): the plugin field extractions
# its evaluator makes, counted by `check --stats` on the small log of the same mix.
echo "bench: field extractions (check --stats)" >&2
restricted=$root/tests/data/psp-corpus/kubernetes-website_restricted-psp.yaml
"$bin" convert psp --psp-path "$restricted" --source k8s_audit >"$dir/rules-restricted.yaml" 2>/dev/null
"$bin" convert psp --psp-path "$restricted" >"$dir/rules-restricted-all.yaml" 2>/dev/null
stats() {
    "$bin" check --stats --psp-path "$1" --events "$dir/audit-$log_small.jsonl" 2>&1 >/dev/null |
        sed -n '/^Field extractions/,$p' >"$dir/$2.txt" || true
}
stats "$restricted" stats-restricted
stats "$psp20" stats-20
# "total: T over N events; average per event: A; per pod creation (P events): C" -> field $3.
stat_of() { sed -n 's/^ *total: \([0-9]*\) over \([0-9]*\) events; average per event: \([0-9.]*\); per pod creation ([0-9]* events): \([0-9.]*\)$/\1 \2 \3 \4/p' "$dir/$1.txt" | cut -d' ' -f"$2"; }
worst_of() { sed -n 's/^ *worst event: //p' "$dir/$1.txt"; }

# ---------------------------------------------------------------- peak memory
echo "bench: peak memory" >&2
rss() {
    /usr/bin/time -v "$bin" check --psp-path "$psp20" --events "$1" >/dev/null 2>"$dir/time.txt" || true
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.txt"
}
rss_small=$(rss "$dir/audit-$log_small.jsonl")
rss_big=$(rss "$log")
[ -n "$rss_small" ] && [ -n "$rss_big" ] || die "no peak memory figure from /usr/bin/time"

# ---------------------------------------------------------------- native evaluator
echo "bench: native evaluator (examples/bench_evaluate.rs)" >&2
"$root/target/$profile/examples/bench_evaluate" "$dir/psps-$check_psps.yaml" "$dir/audit-$log_small.jsonl" strict \
    >"$dir/native-evaluator.md" || die "bench_evaluate failed"

# ---------------------------------------------------------------- summary
c1=$(median convert-1 0)
c1min=$(minimum convert-1 0)
n_last=${list_sizes[-1]}
clast=$(median convert-list $((${#list_sizes[@]} - 1)))
chk=$(median check-throughput 0)
chkq=$(median check-throughput 1)
jqt=$(median check-throughput 2)
mb_big=$(mbps "$log_bytes" "$chk")
mb_quiet=$(mbps "$log_bytes" "$chkq")
mb_jq=$(mbps "$log_bytes" "$jqt")
g_first=$(median check-growth 0)
g_last=$(median check-growth $((${#growth_psps[@]} - 1)))

{
    echo "## pspconv benchmarks"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "- machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM; load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- mode: $([ "$smoke" = 1 ] && echo 'SMOKE (tiny sizes, debug build: figures meaningless)' || echo full), hyperfine $(hyperfine --version | cut -d' ' -f2), warmup $warmup"
    echo
    echo "### Conversion (whole process)"
    echo
    echo "| input | median | min | CPU (user+sys) | goal |"
    echo "|---|---|---|---|---|"
    echo "| 1 PSP | $(ms "$c1") ms | $(ms "$c1min") ms | $(ms "$(cpu convert-1 0)") ms | < 5 ms: $(verdict "$(awk -v t="$c1" 'BEGIN { print (t < 0.005) }')") |"
    for i in "${!list_sizes[@]}"; do
        n=${list_sizes[$i]}
        t=$(median convert-list "$i")
        per=$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.1f", t * 1e6 / n }')
        goal=""
        [ "$n" = "$goal_size" ] && goal="< 1 s: $(verdict "$(awk -v t="$t" 'BEGIN { print (t < 1) }')")"
        echo "| List of $n PSPs ($(($(stat -c %s "$dir/psp-list-$n.yaml") / 1000)) kB) | $(ms "$t") ms ($per µs/PSP) | $(ms "$(minimum convert-list "$i")") ms | $(ms "$(cpu convert-list "$i")") ms | $goal |"
    done
    echo
    echo "Linearity: time per PSP above should stay constant from ${list_sizes[0]} to $n_last PSPs. Output for one PSP: $(($(stat -c %s "$dir/rules-1.yaml") / 1000)) kB."
    echo
    echo "### check throughput ($(awk -v b="$log_bytes" 'BEGIN{printf "%.0f", b/1e6}') MB audit log, $check_psps PSPs)"
    echo
    echo "On the $log_small MB log of the same mix, $events events give $alerts alerts ($alert_mb MB of alert text) with \`--rule-matching all\`."
    echo
    echo "| command | median | min | throughput (median) | CPU (user+sys) | throughput per CPU second |"
    echo "|---|---|---|---|---|---|"
    for i in 0 1 2; do
        name=$(jq -r ".results[$i].command" "$dir/check-throughput.json")
        t=$(median check-throughput "$i")
        c=$(cpu check-throughput "$i")
        echo "| $name | $(ms "$t") ms | $(ms "$(minimum check-throughput "$i")") ms | $(mbps "$log_bytes" "$t") MB/s | $(ms "$c") ms | $(mbps "$log_bytes" "$c") MB/s |"
    done
    echo
    echo "Goals (wall-clock medians, all alerts): ≥ 200 MB/s: $(verdict "$(awk -v m="$mb_big" 'BEGIN { print (m >= 200) }')"); ≥ 5× jq: $(ratio "$jqt" "$chk")× $(verdict "$(awk -v a="$jqt" -v b="$chk" 'BEGIN { print (a / b >= 5) }')"). With --rule-matching first: $mb_quiet MB/s, $(ratio "$jqt" "$chkq")× jq."
    echo
    echo "### check cost growth with PSPs loaded (same $log_big MB logs, whole process)"
    echo
    echo "| PSPs | k8s_audit rules | mixed log: median | min | CPU | log without pod creations: median | min | CPU |"
    echo "|---|---|---|---|---|---|---|---|"
    for i in "${!growth_psps[@]}"; do
        n=${growth_psps[$i]}
        echo "| $n | $(rules_per "$n") | $(ms "$(median check-growth "$i")") ms | $(ms "$(minimum check-growth "$i")") ms | $(ms "$(cpu check-growth "$i")") ms | $(ms "$(median check-growth-no-pods "$i")") ms | $(ms "$(minimum check-growth-no-pods "$i")") ms | $(ms "$(cpu check-growth-no-pods "$i")") ms |"
    done
    echo
    echo "Growth ${growth_psps[0]} → ${growth_psps[-1]} PSPs: mixed log $(ratio "$g_last" "$g_first")×, no pod creations $(ratio "$(median check-growth-no-pods $((${#growth_psps[@]} - 1)))" "$(median check-growth-no-pods 0)")×, for $((${growth_psps[-1]} / ${growth_psps[0]}))× the policies."
    echo
    echo "### Falco's field extractions (\`check --stats\`, $log_small MB log, $events events)"
    echo
    echo "| rules | file size | per audit event | per pod creation | worst event |"
    echo "|---|---|---|---|---|"
    echo "| restricted PSP (Kubernetes website) | $(($(stat -c %s "$dir/rules-restricted-all.yaml") / 1000)) kB ($(($(stat -c %s "$dir/rules-restricted.yaml") / 1000)) kB k8s_audit only) | $(stat_of stats-restricted 3) | $(stat_of stats-restricted 4) | $(worst_of stats-restricted) |"
    echo "| $check_psps benchmark PSPs | | $(stat_of stats-20 3) | $(stat_of stats-20 4) | $(worst_of stats-20) |"
    echo
    echo "### Peak memory (check, $check_psps PSPs)"
    echo
    echo "| log | max RSS |"
    echo "|---|---|"
    echo "| $log_small MB | $((rss_small / 1024)) MB |"
    echo "| $log_big MB | $((rss_big / 1024)) MB |"
    echo
    echo "Goal: flat and < 64 MB: $(verdict "$(awk -v a="$rss_small" -v b="$rss_big" 'BEGIN { print (b < 65536 && b < a * 1.5 + 4096) }')")"
    echo
    echo "### Native evaluator ($log_small MB log, $check_psps PSPs, in process)"
    echo
    cat "$dir/native-evaluator.md"
} | tee "$dir/summary.md"
echo "bench: raw hyperfine results in $dir/*.json" >&2
