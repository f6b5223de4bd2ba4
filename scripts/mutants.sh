#!/usr/bin/env bash
# Mutation testing of turnstile's concurrency-critical files with cargo-mutants.
#
# Each file is mutated against the tests that exercise it (its ordinary
# tests, its loom models, its conformance tier and the unit tests in the
# library), which keeps a run to about ten seconds a mutant on two cores.
# After each file, the surviving ("missed") mutants are compared with
# mutants-equivalent.txt, the survivors judged equivalent, each with its
# reason; any other survivor is a test we have not written, and makes the
# script exit 1.
#
#   cargo install cargo-mutants --locked    # once
#   scripts/mutants.sh                      # every file (about 90 minutes)
#   scripts/mutants.sh semaphore event      # some of them
#
# MUTANTS_JOBS=2 tests two mutants at once: most of a timeout's 20 s is
# spent waiting, so it saves time even on two cores.
#
# MUTANTS_DIFF=FILE mutates only the lines a diff changed (cargo-mutants'
# --in-diff), for checking one change instead of the whole file:
#
#   git diff main~5 -- src > /tmp/change.diff
#   MUTANTS_DIFF=/tmp/change.diff scripts/mutants.sh future timer
#
# MUTANTS_TIMEOUT=S (default 20) is the seconds a mutant's tests may run
# before it counts as a hang. Keep it well above the unmutated run's test
# time (cargo-mutants prints it as the baseline): the queue files' tests take
# about 16 s on two busy cores, and at 20 s a slow run reads as a hang,
# which counts as caught and can hide a survivor.
#
# Results go to target/mutants/NAME/mutants.out (caught.txt, missed.txt,
# timeout.txt, unviable.txt). A mutant that makes a test hang is counted as
# a timeout (caught, slowly). Not part of CI: it takes too long.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A file=(
  [raw_mutex]=src/raw_mutex.rs
  [mutex]=src/mutex.rs
  [rlock]=src/rlock.rs
  [condvar]=src/condvar.rs
  [mutex_async]=src/mutex_async.rs
  [condvar_async]=src/condvar_async.rs
  [semaphore]=src/semaphore/counting.rs
  [semaphore_permit]=src/semaphore/permit.rs
  [semaphore_owned]=src/semaphore/owned.rs
  [semaphore_async]=src/semaphore/wait_async.rs
  [semaphore_line]=src/semaphore/task_line.rs
  [semaphore_bounded]=src/semaphore/bounded.rs
  [semaphore_error]=src/semaphore/error.rs
  [event]=src/event.rs
  [barrier]=src/barrier.rs
  [barrier_async]=src/barrier_async.rs
  [queue]=src/queue/api.rs
  [queue_iter]=src/queue/iter.rs
  [queue_order]=src/queue/order.rs
  [fifo]=src/queue/fifo.rs
  [fifo_slots]=src/queue/fifo_slots.rs
  [fifo_sleepers]=src/queue/fifo_sleepers.rs
  [locked]=src/queue/locked.rs
  [priority]=src/queue/priority.rs
  [queue_future]=src/queue/future.rs
  [wakers]=src/wakers.rs
  [future]=src/pool/future/handle.rs
  [future_state]=src/pool/future/state.rs
  [future_phase]=src/pool/future/phase.rs
  [future_promise]=src/pool/future/promise.rs
  [future_awaited]=src/pool/future/awaited.rs
  [future_settler]=src/pool/future/settler.rs
  [future_error]=src/pool/future/error.rs
  [task]=src/pool/task.rs
  [pool]=src/pool/thread_pool.rs
  [pool_worker]=src/pool/worker.rs
  [pool_map]=src/pool/map.rs
  [pool_error]=src/pool/error.rs
  [wait]=src/pool/wait.rs
  [timer]=src/timer.rs
  [lockdep]=src/lockdep/hooks.rs
  [lockdep_class]=src/lockdep/class.rs
  [lockdep_report]=src/lockdep/report.rs
  [lockdep_lock]=src/lockdep/lock.rs
  [lockdep_graph]=src/lockdep/graph.rs
  [loop_run]=src/event_loop/run.rs
  [loop_task]=src/event_loop/task.rs
  [loop_sleep]=src/event_loop/sleep.rs
  [loop_gather]=src/event_loop/gather.rs
  [loop_group]=src/event_loop/group.rs
  [loop_selector]=src/event_loop/selector.rs
  [loop_idle]=src/event_loop/idle.rs
  [sleep_flag]=src/sleep_flag.rs
  [net_io]=src/event_loop/net/io.rs
  [net_stream]=src/event_loop/net/stream.rs
  [net_listener]=src/event_loop/net/listener.rs
  [net_connect]=src/event_loop/net/connect.rs
)
declare -A tests=(
  [raw_mutex]="model_mutex mutex rlock model_rlock lessons conformance_locks"
  [mutex]="mutex model_mutex conformance_locks condvar model_condvar"
  [rlock]="rlock model_rlock conformance_locks"
  [condvar]="model_condvar condvar conformance_locks model_queue model_event model_semaphore"
  [mutex_async]="mutex model_mutex condvar model_condvar"
  [condvar_async]="condvar model_condvar"
  [semaphore]="model_semaphore semaphore conformance_locks"
  [semaphore_permit]="model_semaphore semaphore conformance_locks"
  [semaphore_owned]="model_semaphore semaphore conformance_locks"
  [semaphore_async]="model_semaphore semaphore conformance_locks"
  [semaphore_line]="model_semaphore semaphore"
  [semaphore_bounded]="model_semaphore semaphore conformance_locks"
  [semaphore_error]="model_semaphore semaphore conformance_locks"
  [event]="model_event event conformance_locks"
  [barrier]="model_barrier barrier conformance_locks"
  [barrier_async]="model_barrier barrier"
  [queue]="model_queue model_queue_async queue queue_memory conformance_queue"
  [queue_iter]="model_queue model_queue_async queue queue_memory conformance_queue"
  [queue_order]="model_queue model_queue_async queue queue_memory conformance_queue"
  [fifo]="model_queue model_queue_async queue queue_memory conformance_queue"
  [fifo_slots]="model_queue model_queue_async queue queue_memory conformance_queue"
  [fifo_sleepers]="model_queue model_queue_async queue queue_memory conformance_queue"
  [locked]="model_queue model_queue_async queue queue_memory conformance_queue"
  [queue_future]="model_queue_async queue"
  [wakers]="model_queue_async model_event model_semaphore model_barrier queue event semaphore barrier mutex model_mutex condvar model_condvar"
  [priority]="queue queue_memory conformance_queue"
  [future]="model_pool pool conformance_futures model_timer timer"
  [future_state]="model_pool pool conformance_futures model_timer timer"
  [future_phase]="model_pool pool conformance_futures model_timer timer"
  [future_promise]="model_pool pool conformance_futures model_timer timer"
  [future_awaited]="model_pool pool conformance_futures model_timer timer"
  [future_settler]="model_pool pool conformance_futures model_timer timer"
  [future_error]="model_pool pool conformance_futures model_timer timer"
  [task]="model_pool pool conformance_futures"
  [pool]="model_pool pool conformance_futures"
  [pool_worker]="model_pool pool conformance_futures"
  [pool_map]="model_pool pool conformance_futures"
  [pool_error]="model_pool pool conformance_futures"
  [wait]="pool conformance_futures model_pool"
  [timer]="timer model_timer"
  [lockdep]="lockdep examples"
  [lockdep_class]="lockdep examples"
  [lockdep_report]="lockdep examples"
  [lockdep_lock]="model_lockdep lockdep"
  [lockdep_graph]="model_lockdep lockdep"
  [loop_task]="event_loop event_loop_cancel event_loop_waits conformance_asyncio"
  [loop_sleep]="event_loop event_loop_cancel event_loop_waits conformance_asyncio"
  [loop_gather]="event_loop event_loop_cancel event_loop_waits conformance_asyncio"
  [loop_group]="event_loop event_loop_cancel event_loop_waits conformance_asyncio"
  [loop_run]="event_loop event_loop_cancel event_loop_waits event_loop_net conformance_asyncio"
  [loop_selector]="event_loop_net event_loop"
  [loop_idle]="event_loop_net event_loop"
  [sleep_flag]="model_sleep_flag event_loop_net"
  [net_io]="event_loop_net"
  [net_stream]="event_loop_net"
  [net_listener]="event_loop_net"
  [net_connect]="event_loop_net"
)
# Cargo features a file's tests need.
declare -A features=(
  [lockdep]=lockdep
  [lockdep_class]=lockdep
  [lockdep_report]=lockdep
  [lockdep_lock]=lockdep
  [lockdep_graph]=lockdep
)
order=(raw_mutex mutex rlock condvar mutex_async condvar_async semaphore semaphore_permit semaphore_owned semaphore_async semaphore_line semaphore_bounded semaphore_error event barrier barrier_async queue queue_iter queue_order fifo fifo_slots fifo_sleepers locked priority queue_future wakers future future_state future_phase future_promise future_awaited future_settler future_error task pool pool_worker pool_map pool_error wait timer lockdep lockdep_class lockdep_report lockdep_lock lockdep_graph loop_run loop_task loop_sleep loop_gather loop_group loop_selector loop_idle sleep_flag net_io net_stream net_listener net_connect)

command -v cargo-mutants >/dev/null || {
  echo "cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
  exit 2
}

mkdir -p target/mutants
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${order[@]}")
unexplained=0
for name in "${names[@]}"; do
  [ -n "${file[$name]:-}" ] || { echo "unknown name: $name (one of: ${order[*]})" >&2; exit 2; }
  args=(--lib)
  [ -z "${features[$name]:-}" ] || args+=(--features "${features[$name]}")
  for t in ${tests[$name]}; do args+=(--test "$t"); done
  echo "== $name: ${file[$name]} against ${tests[$name]}"
  # Exit codes: 0 all caught, 2 some missed, 3 some timed out; the lists
  # below say what happened, so neither stops the script.
  diff=()
  [ -z "${MUTANTS_DIFF:-}" ] || diff=(--in-diff "$MUTANTS_DIFF")
  cargo mutants -f "${file[$name]}" "${diff[@]}" -o "target/mutants/$name" --timeout "${MUTANTS_TIMEOUT:-20}" \
    --jobs "${MUTANTS_JOBS:-1}" -- "${args[@]}" || true
  out="target/mutants/$name/mutants.out"
  if [ ! -f "$out/missed.txt" ]; then
    echo "$name: cargo-mutants left no results (did the unmutated tree fail its tests?)"
    unexplained=$((unexplained + 1))
    continue
  fi
  # A survivor is explained when its text, without the line:column that
  # shifts with every edit, is listed in mutants-equivalent.txt.
  while IFS= read -r missed; do
    [ -n "$missed" ] || continue
    key=$(sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /' <<<"$missed")
    if ! grep -qF -- "$key" mutants-equivalent.txt; then
      echo "NOT EXPLAINED: $missed"
      unexplained=$((unexplained + 1))
    fi
  done < "$out/missed.txt"
  printf '%s: %s caught, %s timeouts (caught by a hang), %s missed, %s unviable\n' "$name" \
    "$(wc -l < "$out/caught.txt")" "$(wc -l < "$out/timeout.txt")" \
    "$(wc -l < "$out/missed.txt")" "$(wc -l < "$out/unviable.txt")"
done
if [ "$unexplained" -gt 0 ]; then
  echo "$unexplained surviving mutant(s) neither caught nor listed in mutants-equivalent.txt"
  exit 1
fi
echo "every surviving mutant is listed in mutants-equivalent.txt"
