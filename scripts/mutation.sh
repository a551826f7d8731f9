#!/usr/bin/env bash
# Mutation testing (mutmut 3) of webgis/response and webgis/services: prints, per package,
# how many mutants the tests kill. Not part of every CI run (minutes per package on 2 cores).
#   scripts/mutation.sh                     both packages
#   scripts/mutation.sh response            one package (response | services)
#   MUTATION_BASELINE=1 scripts/mutation.sh the same without the hand-computed rule tests
#                                           (tests/unit/response/test_response_rules_by_hand.py,
#                                           tests/integration/services/, tests/unit/services/): the score
#                                           before them
#   MUTATION_CHILDREN=2                     parallel mutants (default: the CPU count)
#   MUTATION_SAMPLE=200                     only a random sample of that many mutants per
#                                           package (seeded by MUTATION_SEED, default 13): an
#                                           estimate of the score in a fraction of the time
# Each package runs in its own scratch directory (var/mutation/<package>, with its own
# [tool.mutmut] settings): mutmut copies the code to mutants/ there and runs, per mutant,
# only the tests that call the mutated function (it records which during a first clean run).
# Re-running continues where it stopped; `rm -rf var/mutation` starts afresh.
# Inspect survivors: cd var/mutation/<package> && ../../../.venv/bin/mutmut browse
# One run at a time: each starts by migrating and loading the test database afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/setup.sh --test >/dev/null
[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install -q -e ".[mutation]"
# The mini test database, migrated and loaded once by an ordinary run; the mutants' many
# short pytest sessions then only read it (WEBGIS_TEST_DB_READY, tests/conftest.py).
.venv/bin/python -m pytest -p no:cacheprovider -q -x tests/integration/services -k echo >/dev/null
export WEBGIS_TEST_DB_READY=1
# the mutants' copy of the code must not start a cluster of its own under mutants/var
export WEBGIS_TEST_DATABASE_URL=${WEBGIS_TEST_DATABASE_URL:-$(.venv/bin/python -c \
  'from webgis.config import local_database_url; print(local_database_url("webgis_test"))')}

# package -> the tests that can kill its mutants (fast ones; mutmut picks per function)
declare -A TESTS=(
  [response]='"tests/unit/response"'
  [services]='"tests/integration/services", "tests/unit/services", "tests/integration/test_analysis_api.py", "tests/integration/test_reporting.py", "tests/integration/test_api.py", "tests/integration/test_load_data.py", "tests/integration/test_sheets.py", "tests/integration/test_sheet_warmup.py", "tests/integration/test_unit_of_work.py", "tests/integration/test_result_contract.py", "tests/integration/test_auth.py", "tests/unit/test_result_schema.py", "tests/unit/test_layers_params.py"'
)
IGNORE=""
SUFFIX=""
if [ "${MUTATION_BASELINE:-0}" = 1 ]; then
  IGNORE='"--ignore=tests/unit/response/test_response_rules_by_hand.py", "--ignore=tests/integration/services", "--ignore=tests/unit/services", '
  SUFFIX="-baseline"
fi
CHILDREN=${MUTATION_CHILDREN:-$(nproc)}
packages=("$@")
[ ${#packages[@]} -eq 0 ] && packages=(response services)
summary=()
for pkg in "${packages[@]}"; do
  [ -n "${TESTS[$pkg]:-}" ] || { echo "unknown package $pkg (response | services)" >&2; exit 2; }
  work="var/mutation/$pkg$SUFFIX"
  mkdir -p "$work"
  for d in webgis tests migrations static docs gunicorn.conf.py; do ln -sfn "$ROOT/$d" "$work/$d"; done
  cat > "$work/pyproject.toml" <<EOF
[tool.mutmut]
source_paths = ["webgis"]
only_mutate = ["webgis/$pkg/*.py"]
also_copy = ["migrations", "static", "docs", "gunicorn.conf.py"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not e2e"]
pytest_add_cli_args_test_selection = [$IGNORE${TESTS[$pkg]}]
use_git_change_detection = false

[tool.pytest.ini_options]
testpaths = ["tests"]
filterwarnings = ["error"]
markers = ["e2e: end-to-end tests in a real headless Chromium"]
EOF
  start=$(date +%s)
  names=()
  if [ -n "${MUTATION_SAMPLE:-}" ]; then
    if ! ls "$work"/mutants/webgis/"$pkg"/*.meta >/dev/null 2>&1; then
      # generate the mutants and record which tests call what (matches no mutant: exits 1)
      (cd "$work" && "$ROOT/.venv/bin/mutmut" run --max-children "$CHILDREN" \
        "webgis.$pkg.no_such_mutant") >"$work/mutmut.log" 2>&1 || true
    fi
    mapfile -t names < <("$ROOT/.venv/bin/python" scripts/mutation_score.py \
      "$work/mutants/webgis/$pkg" "$pkg" --sample "$MUTATION_SAMPLE" "${MUTATION_SEED:-13}")
  fi
  if ! (cd "$work" && "$ROOT/.venv/bin/mutmut" run --max-children "$CHILDREN" "${names[@]}") \
      >"$work/mutmut.log" 2>&1; then
    tr '\r' '\n' <"$work/mutmut.log" | grep -v '^⠋\|^⠙\|^⠹\|^⠸\|^⠼\|^⠴\|^⠦\|^⠧\|^⠇\|^⠏' | tail -n 40
    echo "mutmut failed for $pkg (log: $work/mutmut.log)" >&2
    exit 1
  fi
  secs=$(( $(date +%s) - start ))
  line=$("$ROOT/.venv/bin/python" scripts/mutation_score.py "$work/mutants/webgis/$pkg" \
    "$pkg$SUFFIX" ${names[@]:+--only "${names[*]}"})
  summary+=("$line (${secs} s)")
done
printf '%s\n' "${summary[@]}"
