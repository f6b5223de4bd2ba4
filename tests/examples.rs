//! Runs the core of every lesson example (the same source files as
//! `cargo run --example …`, included here) and checks its outcome: what
//! happened, never the exact interleaving.

// Each echo example includes `common/echo.rs` for itself, so including
// several of them loads it once per example: separate modules, on purpose.
#![allow(clippy::duplicate_mod)]

mod common;

// The process examples' children are this test binary run again.
turnstile::process_test_support!();

#[cfg(feature = "model")]
#[path = "../examples/booking_model.rs"]
#[allow(dead_code)]
mod booking_model;
#[path = "../examples/bus_stop.rs"]
#[allow(dead_code)]
mod bus_stop;
#[path = "../examples/parking_lot.rs"]
#[allow(dead_code)]
mod car_park;
#[path = "../examples/coroutines.rs"]
#[allow(dead_code)]
mod coroutines;
#[path = "../examples/counter_race.rs"]
#[allow(dead_code)]
mod counter_race;
#[path = "../examples/crawler.rs"]
#[allow(dead_code)]
mod crawler;
#[path = "../examples/deadlock.rs"]
#[allow(dead_code)]
mod deadlock;
#[path = "../examples/echo_async.rs"]
#[allow(dead_code)]
mod echo_async;
#[path = "../examples/echo_bench.rs"]
#[allow(dead_code)]
mod echo_bench;
#[path = "../examples/echo_epoll.rs"]
#[allow(dead_code)]
mod echo_epoll;
#[path = "../examples/echo_nonblocking.rs"]
#[allow(dead_code)]
mod echo_nonblocking;
#[path = "../examples/echo_server.rs"]
#[allow(dead_code)]
mod echo_server;
#[path = "../examples/echo_tokio.rs"]
#[allow(dead_code)]
mod echo_tokio;
#[path = "../examples/folder_copier.rs"]
#[allow(dead_code)]
mod folder_copier;
#[path = "../examples/pool_callbacks.rs"]
#[allow(dead_code)]
mod pool_callbacks;
#[path = "../examples/process_cooks.rs"]
#[allow(dead_code)]
mod process_cooks;
#[path = "../examples/process_killed_holder.rs"]
#[allow(dead_code)]
mod process_killed_holder;
#[path = "../examples/process_pool.rs"]
#[allow(dead_code)]
mod process_pool;
#[path = "../examples/process_pool_apply.rs"]
#[allow(dead_code)]
mod process_pool_apply;
#[path = "../examples/process_shared_map.rs"]
#[allow(dead_code)]
mod process_shared_map;
#[path = "../examples/producer_consumer.rs"]
#[allow(dead_code)]
mod producer_consumer;
#[path = "../examples/ticket_booking.rs"]
#[allow(dead_code)]
mod ticket_booking;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

/// A directory of this test's own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("turnstile-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn ticket_booking_with_the_lock_never_oversells() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        ticket_booking_with_the_lock_never_oversells_body,
    );
}

fn ticket_booking_with_the_lock_never_oversells_body() {
    let scratch = Scratch::new("tickets-locked");
    for _ in 0..20 {
        let config = ticket_booking::Config {
            buyers: 6,
            tickets: 2,
            latency: Duration::from_millis(1),
            dir: Some(scratch.0.clone()),
            ..ticket_booking::Config::default()
        };
        let report = ticket_booking::run(&config).expect("a locked run succeeds");
        assert_eq!(report.sold, 2, "{report}");
        assert_eq!(report.left_in_file, 0, "{report}");
        assert_eq!(report.oversold(), 0, "{report}");
    }
}

#[test]
fn ticket_booking_without_the_lock_oversells_when_every_buyer_reads_first() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        ticket_booking_without_the_lock_oversells_when_every_buyer_reads_first_body,
    );
}

fn ticket_booking_without_the_lock_oversells_when_every_buyer_reads_first_body() {
    let scratch = Scratch::new("tickets-race");
    let config = ticket_booking::Config {
        buyers: 5,
        tickets: 2,
        latency: Duration::ZERO,
        locked: false,
        force_race: true,
        dir: Some(scratch.0.clone()),
        processes: false,
    };
    let report = ticket_booking::run(&config).expect("an unlocked run still runs");
    // Everyone read 2, so everyone bought, and everyone wrote 1.
    assert_eq!(report.sold, 5, "{report}");
    assert_eq!(report.oversold(), 3, "{report}");
    assert_eq!(report.left_in_file, 1, "{report}");
    assert!(report.to_string().starts_with("OVERSOLD by 3"), "{report}");
}

#[test]
fn ticket_booking_refuses_bad_flags_and_bad_files_clearly() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        ticket_booking_refuses_bad_flags_and_bad_files_clearly_body,
    );
}

fn ticket_booking_refuses_bad_flags_and_bad_files_clearly_body() {
    let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
    let error = ticket_booking::parse_args(args(&["--buyers", "many"]).into_iter()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--buyers wants a whole number, not \"many\""
    );
    let error = ticket_booking::parse_args(args(&["--force-race"]).into_iter()).unwrap_err();
    assert!(error.to_string().contains("needs --no-lock"), "{error}");
    let error = ticket_booking::parse_args(args(&["--tickets"]).into_iter()).unwrap_err();
    assert_eq!(error.to_string(), "--tickets needs a value");
    assert!(ticket_booking::parse_args(args(&["--buyers", "0"]).into_iter()).is_err());

    let scratch = Scratch::new("tickets-bad-file");
    std::fs::create_dir_all(&scratch.0).unwrap();
    let file = scratch.0.join("tickets.json");
    std::fs::write(&file, r#"{"tickets": 3}"#).unwrap();
    let error = ticket_booking::read_tickets(&file).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no whole-number \"tickets_num\""),
        "{error}"
    );
    std::fs::write(&file, "not json").unwrap();
    let error = ticket_booking::read_tickets(&file).unwrap_err();
    assert!(error.to_string().contains("is not JSON"), "{error}");
}

/// The environment variable that makes this test binary a child process of
/// the process lessons: its lines are the child's arguments.
const CHILD_ARGS: &str = "TURNSTILE_TEST_CHILD";

/// A command that starts this test binary again as a child process with
/// `args`: it runs only [`process_child`], which reads them from
/// [`CHILD_ARGS`]. (The examples start their own executable with `--child`
/// instead; a test has no example executable to start.)
fn child_command(args: &[String]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args(["--exact", "process_child", "--ignored", "--nocapture"])
        .args(["--test-threads=1", "--quiet"])
        .env(CHILD_ARGS, args.join("\n"));
    command
}

#[test]
#[ignore = "not a test: the child processes of the process lessons run this"]
fn process_child() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return; // run by hand with --ignored: nothing to be
    };
    let args: Vec<String> = args.lines().map(String::from).collect();
    let code = match args.first().map(String::as_str) {
        Some("buyer") => ticket_booking::buyer_process(&args),
        Some("worker") => process_pool::worker_process(),
        _ => 2,
    };
    std::process::exit(code.into());
}

#[test]
fn ticket_booking_processes_oversell_even_with_a_turnstile_lock_but_not_with_a_file_lock() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        ticket_booking_processes_oversell_even_with_a_turnstile_lock_but_not_with_a_file_lock_body,
    );
}

fn ticket_booking_processes_oversell_even_with_a_turnstile_lock_but_not_with_a_file_lock_body() {
    use ticket_booking::Guard;
    let scratch = Scratch::new("tickets-processes");
    let config = |force_race| ticket_booking::Config {
        buyers: 4,
        tickets: 2,
        latency: Duration::from_millis(1),
        force_race,
        dir: Some(scratch.0.clone()),
        ..ticket_booking::Config::default()
    };
    for guard in [Guard::Nothing, Guard::TurnstileLock] {
        // Every buyer process reads 2, so all four buy and all write 1.
        let report = ticket_booking::run_processes(&config(true), guard, &child_command)
            .expect("the buyer processes run");
        assert_eq!(report.sold, 4, "{guard:?}: {report}");
        assert_eq!(report.oversold(), 2, "{guard:?}: {report}");
        assert_eq!(report.left_in_file, 1, "{guard:?}: {report}");
    }
    for _ in 0..3 {
        let report = ticket_booking::run_processes(&config(false), Guard::FileLock, &child_command)
            .expect("the buyer processes run");
        assert_eq!(report.sold, 2, "{report}");
        assert_eq!(report.left_in_file, 0, "{report}");
    }
    // A forced race under the file lock would wait forever: refused.
    let error =
        ticket_booking::run_processes(&config(true), Guard::FileLock, &child_command).unwrap_err();
    assert!(error.to_string().contains("wait forever"), "{error}");
}

#[test]
fn ticket_booking_help_and_bad_flags_exit_as_a_command_should() {
    let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
    assert_eq!(ticket_booking::cli(args(&["--help"])), ExitCode::SUCCESS);
    assert_eq!(ticket_booking::cli(args(&["-h"])), ExitCode::SUCCESS);
    assert_eq!(ticket_booking::cli(args(&["--buyers"])), ExitCode::from(2));
    assert_eq!(
        ticket_booking::cli(args(&["--no-such-flag"])),
        ExitCode::from(2)
    );
    assert!(ticket_booking::USAGE.contains("--processes"));
    let error =
        ticket_booking::parse_args(args(&["--processes", "--no-lock"]).into_iter()).unwrap_err();
    assert!(
        error.to_string().contains("runs its three guards itself"),
        "{error}"
    );
}

#[test]
fn process_pool_fails_the_task_that_aborts_its_process_and_carries_on() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        process_pool_fails_the_task_that_aborts_its_process_and_carries_on_body,
    );
}

fn process_pool_fails_the_task_that_aborts_its_process_and_carries_on_body() {
    let tasks = process_pool::tasks(5, 2_000);
    let launch = || child_command(&["worker".to_string()]);
    let run = process_pool::run_processes(2, &tasks, &launch).expect("the pool runs");
    assert_eq!(run.outcomes.len(), tasks.len());
    for (id, outcome) in &run.outcomes {
        let task = tasks
            .iter()
            .find(|task| task.id == *id)
            .expect("a task's id");
        match (task.job, outcome) {
            (process_pool::Job::Primes(below), process_pool::Outcome::Done { result, pid }) => {
                assert_eq!(*result, process_pool::count_primes(below), "task {id}");
                assert_ne!(*pid, std::process::id(), "task {id} ran in the parent");
            }
            (process_pool::Job::Abort, process_pool::Outcome::Failed(why)) => {
                assert!(why.contains("died"), "{why}");
            }
            (job, outcome) => panic!("task {id}: {job:?} ended as {outcome:?}"),
        }
    }
    assert!(
        (2..=3).contains(&run.processes_started),
        "{} processes started",
        run.processes_started
    );
    assert!(run.bytes_piped > 0);
    let (by_threads, _) = process_pool::run_threads(2, &tasks).expect("the thread pool runs");
    let by_processes: Vec<(u64, u64)> = run
        .outcomes
        .iter()
        .filter_map(|(id, outcome)| match outcome {
            process_pool::Outcome::Done { result, .. } => Some((*id, *result)),
            process_pool::Outcome::Failed(_) => None,
        })
        .collect();
    assert_eq!(by_threads, by_processes);
    assert_eq!(process_pool::count_primes(100), 25);
}

#[test]
fn producer_consumer_eats_every_dish_once_and_everyone_goes_home() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        producer_consumer_eats_every_dish_once_and_everyone_goes_home_body,
    );
}

fn producer_consumer_eats_every_dish_once_and_everyone_goes_home_body() {
    let config = producer_consumer::Config {
        eating: Duration::from_millis(1),
        ..producer_consumer::Config::default()
    };
    let report = producer_consumer::run(&config).expect("the run succeeds");
    assert_eq!(report.made, 16);
    assert!(report.all_eaten_once(), "{:?}", report.eaten);
    assert_eq!(report.per_eater.iter().sum::<usize>(), 16);
}

/// With feature `lockdep` (`cargo test --features lockdep --test examples`):
/// act 0 runs func1 and then func2, which cannot hang, and the checker
/// reports the inversion anyway, naming both threads and both locks.
#[cfg(feature = "lockdep")]
#[test]
fn deadlock_act_0_reports_the_inversion_on_a_run_that_did_not_hang() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        deadlock_act_0_reports_the_inversion_on_a_run_that_did_not_hang_body,
    );
}

#[cfg(feature = "lockdep")]
fn deadlock_act_0_reports_the_inversion_on_a_run_that_did_not_hang_body() {
    let reports = deadlock::orders_one_after_the_other();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = &reports[0];
    for expected in [
        "lock order inversion",
        "thread 'func2' takes Mutex \"mutexA\"",
        "while holding Mutex \"mutexB\"",
        "but thread 'func1' earlier took Mutex \"mutexB\"",
        "examples/deadlock.rs:",
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} missing from:\n{report}"
        );
    }
}

#[test]
fn deadlock_is_seen_on_both_sides_and_both_fixes_work() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        deadlock_is_seen_on_both_sides_and_both_fixes_work_body,
    );
}

fn deadlock_is_seen_on_both_sides_and_both_fixes_work_body() {
    let report = deadlock::run();
    assert!(report.as_the_notes_say(), "{report}");
}

#[test]
fn parking_lot_never_holds_more_cars_than_spaces() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        parking_lot_never_holds_more_cars_than_spaces_body,
    );
}

fn parking_lot_never_holds_more_cars_than_spaces_body() {
    let config = car_park::Config {
        stay: (Duration::from_millis(1), Duration::from_millis(10)),
        ..car_park::Config::default()
    };
    let report = car_park::run(&config);
    assert_eq!(report.parked, 25);
    assert!(report.most_at_once <= 5, "{report:?}");
    assert!(report.most_at_once >= 1);
}

#[test]
fn bus_stop_everyone_boards_after_the_bus_and_clients_connect_when_the_database_is_up() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        bus_stop_everyone_boards_after_the_bus_and_clients_connect_when_the_database_is_up_body,
    );
}

fn bus_stop_everyone_boards_after_the_bus_and_clients_connect_when_the_database_is_up_body() {
    let config = bus_stop::Config {
        wait: Duration::from_millis(300),
        stagger: Duration::from_millis(5),
        ..bus_stop::Config::with_maintenance(Duration::from_millis(50))
    };
    let report = bus_stop::run(&config);
    assert_eq!(report.boarded.len(), config.passengers);
    assert!(
        report.boarded.iter().all(|at| *at >= config.bus_after),
        "someone boarded before the bus: {:?}",
        report.boarded
    );
    for client in &report.clients {
        match client {
            bus_stop::Client::Connected { at, .. } => assert!(*at >= config.database_after),
            bus_stop::Client::GaveUp { at } => {
                panic!("gave up at {at:?} though the database was up at 50ms")
            }
        }
    }
}

#[test]
fn bus_stop_clients_give_up_after_their_attempts_while_the_database_is_down() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        bus_stop_clients_give_up_after_their_attempts_while_the_database_is_down_body,
    );
}

fn bus_stop_clients_give_up_after_their_attempts_while_the_database_is_down_body() {
    let config = bus_stop::Config {
        wait: Duration::from_millis(20),
        stagger: Duration::ZERO,
        ..bus_stop::Config::with_maintenance(Duration::from_millis(1000))
    };
    let clients = bus_stop::database(&config);
    assert_eq!(clients.len(), config.clients);
    for client in clients {
        match client {
            // Three timed-out waits of 20 ms: at least 60 ms, long before 1 s.
            bus_stop::Client::GaveUp { at } => assert!(at >= config.wait * config.attempts),
            connected => panic!("{connected:?} while the database was down"),
        }
    }
}

#[test]
fn pool_callbacks_result_keeps_submit_order_and_callbacks_fire_as_tasks_finish() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        pool_callbacks_result_keeps_submit_order_and_callbacks_fire_as_tasks_finish_body,
    );
}

fn pool_callbacks_result_keeps_submit_order_and_callbacks_fire_as_tasks_finish_body() {
    let report = pool_callbacks::run().expect("the run succeeds");
    let submitted: Vec<String> = pool_callbacks::PAGES
        .iter()
        .map(|(page, _)| format!("<{page}>"))
        .collect();
    assert_eq!(report.by_result, submitted);
    let fired: Vec<String> = report
        .by_callback
        .iter()
        .map(|(page, ..)| page.clone())
        .collect();
    assert_eq!(fired, pool_callbacks::finishing_order());
    assert_eq!(report.by_as_completed, pool_callbacks::finishing_order());
    // Tasks that took a while were certainly still running when their
    // callback was added, so the callback ran on the worker that finished
    // them, no earlier than the task's own duration.
    for (page, thread, at) in &report.by_callback {
        let millis = pool_callbacks::PAGES
            .iter()
            .find(|(name, _)| format!("<{name}>") == *page)
            .map(|(_, millis)| *millis)
            .unwrap();
        if millis >= 60 {
            assert!(
                thread.starts_with("downloader-"),
                "{page} called back on {thread}"
            );
            assert!(
                *at >= Duration::from_millis(millis),
                "{page} called back at {at:?}"
            );
        }
    }
}

#[test]
fn echo_server_echoes_everything_within_its_limit_and_shuts_down() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        echo_server_echoes_everything_within_its_limit_and_shuts_down_body,
    );
}

fn echo_server_echoes_everything_within_its_limit_and_shuts_down_body() {
    let mut config = echo_server::Config::default();
    config.clients.pause = Duration::from_millis(2);
    let outcome = echo_server::run(&config).expect("the run succeeds");
    let clients = &config.clients;
    assert_eq!(outcome.echoes_ok, clients.count * clients.messages_each);
    assert_eq!(outcome.served.connections, clients.count);
    assert!(
        outcome.served.most_at_once <= config.max_served,
        "{outcome:?}"
    );
    assert_eq!(outcome.served.threads, config.max_served + 1);
    assert_ne!(outcome.port, 0);
}

#[test]
fn echo_nonblocking_serves_everyone_on_one_thread_and_counts_its_empty_passes() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        echo_nonblocking_serves_everyone_on_one_thread_and_counts_its_empty_passes_body,
    );
}

fn echo_nonblocking_serves_everyone_on_one_thread_and_counts_its_empty_passes_body() {
    let clients = echo_nonblocking::Clients {
        count: 5,
        messages_each: 3,
        pause: Duration::from_millis(2),
        verbose: false,
    };
    let outcome = echo_nonblocking::run(&clients).expect("the run succeeds");
    assert_eq!(outcome.echoes_ok, 15);
    assert_eq!(outcome.served.connections, 5);
    assert_eq!(outcome.served.threads, 1);
    // Clients that pause between lines leave passes with nothing to do.
    assert!(outcome.served.idle_looks > 0, "{outcome:?}");
    assert!(
        outcome.served.idle_looks < outcome.served.looks,
        "{outcome:?}"
    );
    assert!(echo_nonblocking::idle_percent(&outcome.served) > 0.0);
}

#[test]
fn echo_epoll_serves_everyone_on_one_thread() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        echo_epoll_serves_everyone_on_one_thread_body,
    );
}

fn echo_epoll_serves_everyone_on_one_thread_body() {
    let clients = echo_epoll::Clients {
        count: 5,
        messages_each: 3,
        pause: Duration::from_millis(2),
        verbose: false,
    };
    let outcome = echo_epoll::run(&clients).expect("the run succeeds");
    assert_eq!(outcome.echoes_ok, 15);
    assert_eq!(outcome.served.connections, 5);
    assert_eq!(outcome.served.threads, 1);
    assert!(outcome.served.most_at_once >= 1);
    assert!(
        outcome.served.looks > outcome.served.idle_looks,
        "{outcome:?}"
    );
}

#[test]
fn echo_async_serves_everyone_as_tasks_on_one_thread() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads and its event loop",
        echo_async_serves_everyone_as_tasks_on_one_thread_body,
    );
}

fn echo_async_serves_everyone_as_tasks_on_one_thread_body() {
    let clients = echo_async::Clients {
        count: 5,
        messages_each: 3,
        pause: Duration::from_millis(2),
        verbose: false,
    };
    let outcome = echo_async::run(&clients).expect("the run succeeds");
    assert_eq!(outcome.echoes_ok, 15);
    assert_eq!(outcome.served.connections, 5);
    assert_eq!(outcome.served.threads, 1);
    assert!(outcome.served.most_at_once >= 1, "{outcome:?}");
}

#[test]
fn echo_tokio_serves_everyone_on_one_thread() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        echo_tokio_serves_everyone_on_one_thread_body,
    );
}

fn echo_tokio_serves_everyone_on_one_thread_body() {
    let clients = echo_tokio::Clients {
        count: 5,
        messages_each: 3,
        pause: Duration::from_millis(2),
        verbose: false,
    };
    let outcome = echo_tokio::run(&clients).expect("the run succeeds");
    assert_eq!(outcome.echoes_ok, 15);
    // The connection that wakes `accept` to stop the server sends nothing:
    // it is not counted.
    assert_eq!(outcome.served.connections, 5);
    assert_eq!(outcome.served.threads, 1);
    assert!(outcome.served.most_at_once >= 1, "{outcome:?}");
}

#[test]
fn echo_bench_runs_every_model_on_the_same_clients() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        echo_bench_runs_every_model_on_the_same_clients_body,
    );
}

fn echo_bench_runs_every_model_on_the_same_clients_body() {
    let setup = echo_bench::Setup {
        clients: 6,
        messages: 4,
        pause: Duration::from_millis(1),
    };
    let rows = echo_bench::run(setup).expect("the bench runs");
    let threads: Vec<usize> = rows.iter().map(|row| row.threads).collect();
    assert_eq!(threads, [7, 1, 1, 1, 1]);
    for row in &rows {
        assert_eq!(row.echoes_ok, 24, "{row:?}");
        assert_eq!(row.connections, 6, "{row:?}");
        assert!(row.per_second() > 0.0, "{row:?}");
    }
    let table = echo_bench::table(&rows);
    assert_eq!(table.lines().count(), 2 + 5, "{table}");
    assert!(table.contains("none: the OS wakes it"), "{table}");
    assert!(table.contains("not counted"), "{table}");
    assert!(
        echo_bench::run(echo_bench::Setup {
            clients: 0,
            ..setup
        })
        .is_err()
    );
    assert!(
        echo_bench::run(echo_bench::Setup {
            messages: 0,
            ..setup
        })
        .is_err()
    );
}

#[test]
fn crawler_concurrent_downloads_take_about_the_longest_one() {
    common::within(
        2 * common::PATIENCE,
        "the example's server thread and its two crawls",
        crawler_concurrent_downloads_take_about_the_longest_one_body,
    );
}

fn crawler_concurrent_downloads_take_about_the_longest_one_body() {
    let delay = Duration::from_millis(300);
    let crawls = crawler::crawl_all(delay).expect("the crawls succeed");
    let (one_by_one, at_once) = (&crawls.sequential, &crawls.concurrent);
    for crawl in [one_by_one, at_once, &crawls.blocking_tasks] {
        let paths: Vec<&str> = crawl.pages.iter().map(|page| page.path.as_str()).collect();
        assert_eq!(paths, crawler::PAGES, "{crawl:?}");
        for page in &crawl.pages {
            assert_eq!(page.body, format!("<h1>{}</h1>\n", page.path), "{page:?}");
            // The server sleeps before it answers: no download is faster.
            assert!(page.took >= delay, "{page:?}");
        }
    }
    // Each download waits for the one before: three delays at least.
    assert!(one_by_one.took >= 3 * delay, "{one_by_one:?}");
    // Overlapped: about one delay. Two leave a whole delay of slack for a
    // busy machine, and are still well short of the three it would take
    // if the tasks did not overlap.
    assert!(at_once.took < 2 * delay, "{at_once:?}");
    // Tasks whose sockets block the thread take turns, download by download.
    assert!(
        crawls.blocking_tasks.took >= 3 * delay,
        "{:?}",
        crawls.blocking_tasks
    );
}

#[test]
fn crawler_reports_a_refused_connection_and_a_server_that_hangs_up() {
    common::within(
        common::PATIENCE,
        "the example's server thread and a download",
        crawler_reports_a_refused_connection_and_a_server_that_hangs_up_body,
    );
}

fn crawler_reports_a_refused_connection_and_a_server_that_hangs_up_body() {
    // A port where nothing listens any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback");
    let nobody = closed.local_addr().expect("an address");
    drop(closed);
    let error = turnstile::event_loop::run(crawler::download(nobody, "/news")).unwrap_err();
    assert!(error.starts_with("/news: cannot connect"), "{error}");
    // A server that accepts, reads the request and closes without a word.
    let rude = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback");
    let address = rude.local_addr().expect("an address");
    let hang_up = std::thread::spawn(move || {
        let (mut stream, _) = rude.accept().expect("the download connects");
        let mut request = [0u8; 256];
        let _ = std::io::Read::read(&mut stream, &mut request);
    });
    let error = turnstile::event_loop::run(crawler::download(address, "/news")).unwrap_err();
    assert!(error.contains("no end of headers"), "{error}");
    common::join_within("the server that hangs up", hang_up);
    // The slow server, stopped before anyone asked: it answered nobody,
    // and `stop` returns only once its thread has ended.
    let server = crawler::SlowServer::start(Duration::from_millis(1)).expect("loopback");
    assert_eq!(server.stop(), 0);
}

#[test]
fn counter_race_with_the_mutex_loses_no_update() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        counter_race_with_the_mutex_loses_no_update_body,
    );
}

fn counter_race_with_the_mutex_loses_no_update_body() {
    let g_num = turnstile::Mutex::new(0);
    counter_race::race(&g_num, counter_race::add_one_locked);
    assert_eq!(
        g_num.into_inner(),
        counter_race::THREADS * counter_race::INCREMENTS
    );
}

/// The worked example of `turnstile::model`: loom finds the oversell in the
/// booking logic without its lock, prints it as a timeline naming the read
/// and the write of the count, and finds nothing with the lock. The real
/// run sells exactly the tickets there are.
#[cfg(feature = "model")]
#[test]
fn booking_model_finds_the_oversell_without_the_lock_and_none_with_it() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        booking_model_finds_the_oversell_without_the_lock_and_none_with_it_body,
    );
}

#[cfg(feature = "model")]
fn booking_model_finds_the_oversell_without_the_lock_and_none_with_it_body() {
    let failure = booking_model::check_two_buyers(false).expect("loom finds the oversell");
    assert!(
        failure.message().contains("sold 2 tickets"),
        "{}",
        failure.message()
    );
    let timeline = failure.timeline();
    let office = include_str!("../examples/booking_model/office.rs");
    for step in ["// dic = json.load", "// json.dump"] {
        let line = 1 + office
            .lines()
            .position(|line| line.contains(step))
            .expect("office.rs reads and writes the count");
        let site = format!("office.rs:{line}");
        assert!(timeline.contains(&site), "no {site} ({step}):\n{timeline}");
    }
    assert!(timeline.contains("thread 1"), "{timeline}");
    assert!(booking_model::check_two_buyers(true).is_none());
    assert_eq!(booking_model::real_run(), 3);
}

#[test]
fn coroutines_two_sleeps_share_one_thread_and_take_one_nap() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        coroutines_two_sleeps_share_one_thread_and_take_one_nap_body,
    );
}

fn coroutines_two_sleeps_share_one_thread_and_take_one_nap_body() {
    let nap = Duration::from_millis(150);
    let timeline = coroutines::f1_and_f2(nap, false);
    assert_eq!(timeline.lines, ["f1 start", "f2 start", "f1 end", "f2 end"]);
    assert!(
        timeline
            .threads
            .iter()
            .all(|&thread| thread == timeline.threads[0]),
        "all on the loop's one thread"
    );
    assert!(timeline.took >= nap, "{:?}", timeline.took);
    assert!(
        timeline.took < 2 * nap,
        "one after the other would take {:?}: {:?}",
        2 * nap,
        timeline.took
    );
}

#[test]
fn coroutines_a_blocking_sleep_stops_the_loop() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        coroutines_a_blocking_sleep_stops_the_loop_body,
    );
}

fn coroutines_a_blocking_sleep_stops_the_loop_body() {
    let nap = Duration::from_millis(100);
    let timeline = coroutines::f1_and_f2(nap, true);
    assert_eq!(timeline.lines, ["f1 start", "f1 end", "f2 start", "f2 end"]);
    assert!(timeline.took >= 2 * nap, "{:?}", timeline.took);
}

#[test]
fn coroutines_chef_and_eater_take_turns_at_a_full_table() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        coroutines_chef_and_eater_take_turns_at_a_full_table_body,
    );
}

fn coroutines_chef_and_eater_take_turns_at_a_full_table_body() {
    assert_eq!(
        coroutines::chef_and_eater(4, 2),
        [
            "chef put dish 0",
            "chef put dish 1",
            "eater ate dish 0",
            "eater ate dish 1",
            "chef put dish 2",
            "chef put dish 3",
            "eater ate dish 2",
            "eater ate dish 3",
        ]
    );
}

#[test]
fn coroutines_run_in_executor_counts_on_the_pool_while_the_loop_ticks() {
    common::within(
        2 * common::PATIENCE,
        "the example's threads, processes and waits",
        coroutines_run_in_executor_counts_on_the_pool_while_the_loop_ticks_body,
    );
}

fn coroutines_run_in_executor_counts_on_the_pool_while_the_loop_ticks_body() {
    let pool = turnstile::ThreadPool::new(2).unwrap();
    let offloaded = coroutines::offload(&pool, &[200_000, 100_000], Duration::from_millis(1));
    assert_eq!(offloaded.counts, [17984, 9592]);
    assert!(
        offloaded
            .worker_threads
            .iter()
            .all(|&worker| worker != offloaded.loop_thread),
        "the counting ran off the loop's thread"
    );
    assert!(offloaded.ticks >= 1, "the loop ran the ticker meanwhile");
}

#[test]
fn folder_copier_copies_every_file_and_reports_each_on_the_process_queue() {
    common::within(
        2 * common::PATIENCE,
        "the folder copier's workers and its progress queue",
        folder_copier_copies_every_file_and_reports_each_on_the_process_queue_body,
    );
}

fn folder_copier_copies_every_file_and_reports_each_on_the_process_queue_body() {
    let root = std::env::temp_dir().join(format!(
        "turnstile-folder-copier-test-{}",
        std::process::id()
    ));
    let source = root.join("photos");
    let mut names = folder_copier::make_source(&source, 12).expect("the source folder");
    // A folder among the files: its copy fails, and must still be reported
    // (in Python's lesson the progress loop would wait for it forever).
    std::fs::create_dir(source.join("albums")).expect("a subfolder");
    names.push(String::from("albums"));
    names.sort();
    let report = folder_copier::run(&source, 3, false);
    let _ = std::fs::remove_dir_all(&root);
    let report = report.expect("the lesson runs");
    assert_eq!(report.files, 13);
    assert_eq!(report.identical, 12, "every file copied byte for byte");
    let mut reported: Vec<String> = report.progress.iter().map(|p| p.name.clone()).collect();
    reported.sort();
    assert_eq!(reported, names, "every file reported once on the queue");
    for progress in &report.progress {
        assert_eq!(
            progress.copied.is_err(),
            progress.name == "albums",
            "{progress:?}"
        );
        assert!(
            report.workers.contains(&progress.pid),
            "{} was copied by process {}, not one of the pool's",
            progress.name,
            progress.pid
        );
    }
    assert_eq!(report.percent.last().map(String::as_str), Some("100.00%"));
}

#[test]
fn process_pool_apply_runs_ten_tasks_on_three_reused_processes_three_at_a_time() {
    common::within(
        2 * common::PATIENCE,
        "the Pool(3) lesson's workers",
        process_pool_apply_runs_ten_tasks_on_three_reused_processes_three_at_a_time_body,
    );
}

fn process_pool_apply_runs_ten_tasks_on_three_reused_processes_three_at_a_time_body() {
    let report = process_pool_apply::run(10, 3, false).expect("the lesson runs");
    let numbers: Vec<u32> = report.ran.iter().map(|r| r.msg).collect();
    assert_eq!(
        numbers,
        (0..10).collect::<Vec<_>>(),
        "every task's result, in order"
    );
    assert_eq!(report.workers.len(), 3);
    for ran in &report.ran {
        assert!(
            report.workers.contains(&ran.pid),
            "task {} ran in process {}, not one of the pool's three",
            ran.msg,
            ran.pid
        );
    }
    assert!(
        (1..=3).contains(&report.most_at_once),
        "never more than three at once: {}",
        report.most_at_once
    );
    assert!(
        report.join_before_close.contains("close()"),
        "{}",
        report.join_before_close
    );
}

#[test]
fn process_cooks_join_returns_once_every_dish_is_eaten_exactly_once() {
    common::within(
        2 * common::PATIENCE,
        "two cook and two eater processes",
        || {
            let report = process_cooks::run().expect("the lesson runs");
            assert_eq!(
                report.cook_codes,
                [0, 0],
                "both cooks cooked all their dishes"
            );
            assert_eq!(report.unfinished_after_join, 0);
            assert_eq!(report.left_in_queue, 0);
            let mut dishes: Vec<&str> = report.eaten.iter().map(|(_, d)| d.as_str()).collect();
            dishes.sort_unstable();
            let mut expected: Vec<String> = ["cook A", "cook B"]
                .iter()
                .flat_map(|cook| {
                    (0..process_cooks::DISHES).map(move |i| format!("{cook}'s dish {i}"))
                })
                .collect();
            expected.sort_unstable();
            assert_eq!(dishes, expected, "every dish eaten exactly once");
            assert_eq!(
                report.eater_codes,
                [-15, -15],
                "the daemon eaters were ended"
            );
        },
    );
}

#[test]
fn process_killed_holder_tells_the_next_owner_and_python_stays_locked() {
    common::within(
        2 * common::PATIENCE,
        "the killed holder's waiters and the Python run",
        process_killed_holder_tells_the_next_owner_and_python_stays_locked_body,
    );
}

fn process_killed_holder_tells_the_next_owner_and_python_stays_locked_body() {
    let report = process_killed_holder::run(2).expect("the lesson runs");
    assert_eq!(report.holder_code, -9, "the holder was killed by SIGKILL");
    let mut codes = report.waiter_codes.clone();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [0, 3],
        "one waiter is told and repairs, the other finds it clean"
    );
    assert_eq!(
        report.accounts,
        [50, 50],
        "the half-done transfer was repaired"
    );
    if let Some(answer) = process_killed_holder::python() {
        assert_eq!(
            answer, "still locked",
            "Python's lock stays locked after its holder is killed"
        );
    }
}

#[test]
fn process_shared_map_gets_every_write_of_ten_processes() {
    common::within(
        common::PATIENCE,
        "ten processes writing a shared map",
        || {
            let report = process_shared_map::run(10).expect("the lesson runs");
            assert_eq!(report.codes, [0; 10], "every worker exited cleanly");
            let expected: Vec<_> = {
                let mut e: Vec<_> = (0..10_u64)
                    .map(|i| (format!("worker-{i}"), i * i))
                    .collect();
                e.sort();
                e
            };
            assert_eq!(report.map, expected);
            let mut list = report.list.clone();
            list.sort_unstable();
            assert_eq!(list, (0..10).collect::<Vec<_>>(), "each item appended once");
        },
    );
}
