#!/usr/bin/env bash
# Benchmarks of the `plugin` target and the pspconv Falco plugin (issue 11): conversion of the
# 10 000-policy List with --target plugin, the size of the rules per policy, and the plugin's
# extraction path per event through the Falco plugin API (falco_plugin_runner), on the
# benchmark's audit log with 20 policies. Inputs come from examples/bench_inputs.rs.
#
#   bench/plugin.sh            full run (release build); figures on stdout and in $BENCH_DIR
#   bench/plugin.sh --smoke    tiny sizes, debug build: it still works
#
# Tools: hyperfine (as bench/run.sh). Environment: BENCH_DIR (default target/bench-plugin).
set -euo pipefail

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${BENCH_DIR:-$root/target/bench-plugin}
mkdir -p "$dir"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 1; }

if [ "$smoke" = 1 ]; then
    profile=debug list=100 log_mb=2 runs=1 flags=()
else
    profile=release list=10000 log_mb=2 runs=5 flags=(--release)
fi
cargo build "${flags[@]}" --quiet --bin pspconv --example bench_inputs
cargo build "${flags[@]}" --quiet -p pspconv-falco-plugin --benches
bin=$root/target/$profile/pspconv
gen=$root/target/$profile/examples/bench_inputs

"$gen" psp-list "$list" "$dir/psp-list-$list.yaml"
"$gen" psps 20 "$dir/psps-20.yaml"
"$gen" audit-log "$log_mb" "$dir/audit.jsonl"
# The benchmark's audit log: 2 000 events, one in ten a pod creation.
head -n 2000 "$dir/audit.jsonl" >"$dir/audit-2000.jsonl"

hyperfine -N --style basic --output=null --runs "$runs" --warmup 1 \
    --export-json "$dir/convert.json" \
    -n "convert --target plugin, $list PSPs" "$bin convert psp --target plugin --psp-path $dir/psp-list-$list.yaml" \
    -n "convert --target plugin --source k8s_audit, $list PSPs" "$bin convert psp --target plugin --source k8s_audit --psp-path $dir/psp-list-$list.yaml" \
    >"$dir/convert.txt" 2>&1

size() { "$bin" convert psp --target plugin --psp-path "$1" "${@:2}" 2>/dev/null | wc -c; }
{
    echo "### plugin target ($([ "$smoke" = 1 ] && echo 'SMOKE: figures meaningless' || echo full), $(date -u '+%Y-%m-%d'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
    echo "- load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (figures above 1 load per CPU are inflated)"
    for i in 0 1; do
        jq -r ".results[$i] | \"- \(.command): median \(.median * 1000 | floor) ms, min \(.min * 1000 | floor) ms, CPU (user+sys) \((.user + .system) * 1000 | floor) ms\"" "$dir/convert.json"
    done
    n20=20
    echo "- rules per policy (20 benchmark policies): default $(( $(size "$dir/psps-20.yaml") / n20 )) B, audit rules only $(( $(size "$dir/psps-20.yaml" --source k8s_audit) / n20 )) B, --rule-per property audit rules $(( $(size "$dir/psps-20.yaml" --source k8s_audit --rule-per property) / n20 )) B"
    r=$root/tests/data/psp-corpus/kubernetes-website_restricted-psp.yaml
    echo "- Kubernetes website's restricted PSP: default $(size "$r") B, audit rules only $(size "$r" --source k8s_audit) B (falco target: $("$bin" convert psp --psp-path "$r" 2>/dev/null | wc -c) B)"
    echo
    echo "Extraction through the plugin API (falco_plugin_runner, 20 policies, default rules' extractions):"
    echo
    cargo bench --quiet -p pspconv-falco-plugin --bench extraction -- \
        "$dir/psps-20.yaml" "$dir/audit-2000.jsonl" 2>/dev/null | sed 's/^/    /'
} | tee "$dir/summary.md"
