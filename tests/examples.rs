//! Runs the core of every lesson example (the same source files as
//! `cargo run --example …`, included here) and checks its outcome: what
//! happened, never the exact interleaving.

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
#[path = "../examples/counter_race.rs"]
#[allow(dead_code)]
mod counter_race;
#[path = "../examples/deadlock.rs"]
#[allow(dead_code)]
mod deadlock;
#[path = "../examples/echo_server.rs"]
#[allow(dead_code)]
mod echo_server;
#[path = "../examples/pool_callbacks.rs"]
#[allow(dead_code)]
mod pool_callbacks;
#[path = "../examples/producer_consumer.rs"]
#[allow(dead_code)]
mod producer_consumer;
#[path = "../examples/ticket_booking.rs"]
#[allow(dead_code)]
mod ticket_booking;

use std::path::PathBuf;
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
    let scratch = Scratch::new("tickets-race");
    let config = ticket_booking::Config {
        buyers: 5,
        tickets: 2,
        latency: Duration::ZERO,
        locked: false,
        force_race: true,
        dir: Some(scratch.0.clone()),
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

#[test]
fn producer_consumer_eats_every_dish_once_and_everyone_goes_home() {
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
    let report = deadlock::run();
    assert!(report.as_the_notes_say(), "{report}");
}

#[test]
fn parking_lot_never_holds_more_cars_than_spaces() {
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
    let config = echo_server::Config {
        pause: Duration::from_millis(2),
        ..echo_server::Config::default()
    };
    let report = echo_server::run(&config).expect("the run succeeds");
    assert_eq!(report.echoes_ok, config.clients * config.messages_each);
    assert_eq!(report.connections_served, config.clients);
    assert!(report.most_at_once <= config.max_served, "{report:?}");
    assert_ne!(report.port, 0);
}

#[test]
fn counter_race_with_the_mutex_loses_no_update() {
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
