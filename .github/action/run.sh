#!/usr/bin/env bash
# The shell half of the partner-safety GitHub Action (`action.yml` at the repository
# root runs it). Kept apart from action.yml so that `cargo test` runs it as the action
# does: with GitHub's variables set, against a real git repository.
#
#   run.sh key      the build's cache key and install folder (step outputs)
#   run.sh install  build the tool from the action's own checkout, unless cached
#   run.sh check    run it: SARIF, the checklist in the job summary, the log format
#
# Inputs arrive as PS_* variables (action.yml maps `inputs.*` to them, so no input is
# ever pasted into the script's text). GitHub's own: GITHUB_ACTION_PATH, GITHUB_OUTPUT,
# GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME, GITHUB_REPOSITORY, GITHUB_ACTOR,
# RUNNER_TEMP, RUNNER_TOOL_CACHE.
set -euo pipefail

TOOL=cargo-partner-safety
# GitHub refuses a job summary over 1 MiB per step; the checklist is cut below that.
SUMMARY_LIMIT=1000000
# GitHub shows at most this many annotations of each level per step (and 50 per job);
# the rest are only in the log, so the job summary must list every finding.
ANNOTATIONS_SHOWN=10

output() { printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }
notice() { printf '::notice title=partner-safety::%s\n' "$1"; }
warning() { printf '::warning title=partner-safety::%s\n' "$1"; }
temp_dir() { printf '%s' "${RUNNER_TEMP:-${TMPDIR:-/tmp}}"; }

# sha256 of stdin, or of each file named.
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# The cache key: the action's sources and the compiler that builds them. A new commit
# of the action, or a new Rust release on the runner image, builds afresh.
key() {
  local source="${GITHUB_ACTION_PATH:?}" key root
  key="$(
    cd "$source"
    {
      rustc -vV 2>/dev/null || echo 'rustc unknown'
      find Cargo.toml Cargo.lock src lints/Cargo.toml lints/src -type f -print0 \
        | LC_ALL=C sort -z | xargs -0 sh -c 'command -v sha256sum >/dev/null && exec sha256sum "$@" || exec shasum -a 256 "$@"' sha256
    } | sha256 | cut -c1-32
  )"
  root="${RUNNER_TOOL_CACHE:-$(temp_dir)}/partner-safety/$key"
  output key "$key"
  output install-root "$root"
  echo "partner-safety build key $key"
}

install() {
  local root="${PS_INSTALL_ROOT:?}"
  if [ -x "$root/bin/$TOOL" ]; then
    echo "partner-safety: using the cached build in $root"
  else
    # The tool is built from the action's own checkout, at the commit the workflow
    # pinned, with the dependency versions of its Cargo.lock.
    cargo install --locked --path "${GITHUB_ACTION_PATH:?}" --root "$root"
  fi
  printf '%s\n' "$root/bin" >> "${GITHUB_PATH:-/dev/null}"
}

# The top of the git work tree that holds a folder: the nearest folder at or above it
# with a `.git` entry, found without running git (a pull request can commit a folder
# that looks like a bare repository, and git's own discovery would take it for one).
repository_top() {
  local folder
  folder="$(cd "$1" && pwd -P)"
  while [ "$folder" != / ]; do
    if [ -e "$folder/.git" ]; then
      printf '%s' "$folder"
      return 0
    fi
    folder="$(dirname "$folder")"
  done
  return 1
}

# git on that repository only, with nothing it reads able to start a program.
git_in() {
  local top="$1"
  shift
  git --git-dir="$top/.git" --work-tree="$top" -c core.fsmonitor=false \
    -c core.hooksPath=/dev/null -c safe.bareRepository=explicit "$@"
}

# `--config`: a file, or a folder whose configuration is used as the tool would find
# it at a workspace root (partner-safety.toml, else Cargo.toml's metadata table). A
# configuration that is not there means the catalogue's defaults, never the one the
# linted tree brings: the point of naming one is that the pull request cannot choose.
# Sets CONFIG_FILE.
resolve_config() {
  local given="$1"
  if [ -d "$given" ] && [ -f "$given/partner-safety.toml" ]; then
    CONFIG_FILE="$given/partner-safety.toml"
  elif [ -d "$given" ] && [ -f "$given/Cargo.toml" ]; then
    CONFIG_FILE="$given/Cargo.toml"
  elif [ -f "$given" ]; then
    CONFIG_FILE="$given"
  else
    CONFIG_FILE="$(temp_dir)/partner-safety-defaults.toml"
    printf '# The rule catalogue'"'"'s defaults.\n' > "$CONFIG_FILE"
    notice "no configuration at $given: the rules run at their default levels"
  fi
}

# A failure of the check itself, before the tool ran: exit status 2, as the tool's own.
fail() {
  printf '::error title=partner-safety::%s\n' "$1"
  output exit-status 2
  output upload false
  output sarif-file ""
  summary "## partner-safety: the check could not run

$1"
  exit 2
}

check() {
  local path="${PS_PATH:-.}" format="${PS_FORMAT:-github}"
  local event="${GITHUB_EVENT_NAME:-}" work status=0 sarif_status=0 log_status=0 summary_status=0
  work="$(mktemp -d "$(temp_dir)/partner-safety.XXXXXX")"
  local sarif="$work/partner-safety.sarif" log="$work/log.txt" checklist="$work/checklist.md"

  local common=() report=()
  if [ -n "${PS_CONFIG:-}" ]; then
    resolve_config "$PS_CONFIG"
    common+=(--config "$CONFIG_FILE")
  fi
  if [ -n "${PS_BASELINE:-}" ]; then
    if [ -f "$PS_BASELINE" ]; then
      common+=(--baseline "$PS_BASELINE")
    else
      # Fail closed: without the baseline every finding counts, none is hidden.
      warning "baseline $PS_BASELINE not found: every finding is reported"
    fi
  fi
  if [ -n "${PS_ARGS:-}" ]; then
    local extra=()
    read -r -a extra <<< "$PS_ARGS"
    common+=("${extra[@]}")
  fi
  report=("${common[@]+"${common[@]}"}")

  local changed_since="${PS_CHANGED_SINCE:-}" scope=""
  if [ "$changed_since" = base ]; then
    case "$event" in
      pull_request | pull_request_target)
        changed_since="${PS_BASE_SHA:-}"
        if [ -z "$changed_since" ]; then
          fail "changed-since: base needs the pull request's base commit (github.event.pull_request.base.sha)"
        fi
        local base_top
        base_top="$(repository_top "$path")" || fail "changed-since: $path is not in a git work tree"
        # A shallow checkout (actions/checkout's default) lacks the base commit: fetch
        # that one commit. `git diff BASE` compares the checked-out tree with it.
        if ! git_in "$base_top" cat-file -e "$changed_since^{commit}" 2>/dev/null; then
          git_in "$base_top" fetch --quiet --no-tags --depth=1 origin "$changed_since" \
            || fail "cannot fetch the base commit $changed_since from origin"
        fi
        ;;
      *)
        # A push has no base to compare with (and `origin/$GITHUB_BASE_REF` is empty
        # there): the whole workspace is the report.
        notice "no pull request base on a ${event:-local} event: every finding is reported"
        changed_since=""
        ;;
    esac
  fi
  if [ -n "$changed_since" ]; then
    report+=(--changed-since "$changed_since")
    scope="Only findings in code this change touched (\`--changed-since ${changed_since}\`)."
  fi

  # The top of the repository: code scanning reads paths from there, and the SARIF's
  # paths are the repository's (R12).
  local top
  top="$(repository_top "$path")" || top="$(cd "$path" && pwd -P)"
  output checkout-path "$top"

  # SARIF first, without --changed-since: code scanning compares a pull request's
  # results with the base branch's itself, and would take findings left out of the
  # file for fixed ones.
  local upload="${PS_UPLOAD_SARIF:-true}"
  if [ "$upload" = true ]; then
    "$TOOL" "$path" "${common[@]+"${common[@]}"}" --format sarif --quiet > "$sarif" || sarif_status=$?
  fi
  if [ "$sarif_status" -ne 2 ]; then
    "$TOOL" "$path" "${report[@]+"${report[@]}"}" --format "$format" > "$log" || log_status=$?
    cat "$log"
  fi
  if [ "$sarif_status" -ne 2 ] && [ "$log_status" -ne 2 ] && [ "${PS_SUMMARY:-true}" = true ]; then
    "$TOOL" "$path" "${report[@]+"${report[@]}"}" --format markdown > "$checklist" || summary_status=$?
  fi
  for one in "$sarif_status" "$log_status" "$summary_status"; do
    if [ "$one" -gt "$status" ]; then status="$one"; fi
  done
  output exit-status "$status"

  if [ "$status" -ge 2 ]; then
    # Exit status 2: the check itself failed (bad configuration, unreadable baseline,
    # unknown revision, a rule that crashed). Whatever SARIF was written is not a
    # result: uploading it would tell code scanning that every alert was fixed.
    rm -f "$sarif"
    output sarif-file ""
    output upload false
    printf '::error title=partner-safety::the check could not run (exit status %s); see the messages above\n' "$status"
    summary "## partner-safety: the check could not run

Exit status $status: the configuration, the baseline, the git revision or the analysis
failed (the step's log says which). Nothing was uploaded to code scanning."
    return "$status"
  fi

  if [ "$upload" = true ]; then
    local reason=""
    case "$event" in
      pull_request | pull_request_target)
        # A pull request from a fork (or one Dependabot opened) runs with a read-only
        # token: code scanning would refuse the upload. The annotations and the
        # summary still show every finding.
        if [ -n "${PS_HEAD_REPOSITORY:-}" ] && [ "${PS_HEAD_REPOSITORY}" != "${GITHUB_REPOSITORY:-}" ]; then
          reason="a pull request from the fork ${PS_HEAD_REPOSITORY} has a read-only token"
        elif [ "${GITHUB_ACTOR:-}" = 'dependabot[bot]' ]; then
          reason="a Dependabot pull request has a read-only token"
        fi
        ;;
    esac
    if [ -n "$reason" ]; then
      notice "SARIF not uploaded to code scanning: $reason"
      output upload false
    else
      output upload true
    fi
    output sarif-file "$sarif"
  else
    output upload false
    output sarif-file ""
  fi

  if [ "${PS_SUMMARY:-true}" = true ]; then
    local errors warnings note=""
    errors="$(grep -c '^::error ' "$log" || true)"
    warnings="$(grep -c '^::warning ' "$log" || true)"
    if [ "$format" = github ] && { [ "$errors" -gt "$ANNOTATIONS_SHOWN" ] || [ "$warnings" -gt "$ANNOTATIONS_SHOWN" ]; }; then
      note="> **Note:** $errors errors and $warnings warnings were annotated; GitHub shows at most
> $ANNOTATIONS_SHOWN of each per step on the pull request. Every finding is listed below and in
> the step's log."
    fi
    summary "$(
      if [ -n "$note" ]; then printf '%s\n\n' "$note"; fi
      if [ -n "$scope" ]; then printf '%s\n\n' "$scope"; fi
      if [ "$(wc -c < "$checklist")" -le "$SUMMARY_LIMIT" ]; then
        cat "$checklist"
      else
        # Cut at a line: the rest is in the log and in the SARIF file.
        head -c "$SUMMARY_LIMIT" "$checklist" | sed '$d'
        printf '\n… cut at 1 MB, the most a job summary holds; every finding is in the step'"'"'s log.\n'
      fi
    )"
  fi
  return "$status"
}

summary() {
  printf '%s\n' "$1" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
}

case "${1:-}" in
  key) key ;;
  install) install ;;
  check) check ;;
  *)
    echo "usage: $0 key|install|check" >&2
    exit 2
    ;;
esac
