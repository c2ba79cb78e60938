//! Store throughput and latency on a file database, as the data service would use it.
//!
//! `cargo run --release -p ampbase-store --example store_bench [-- seconds-per-row]`
//!
//! Runs on a tokio runtime with 2 worker threads (this project's reference machine has 2
//! cores). Each row runs N tasks in a closed loop for the given time; latency is per call.
//! The `spawn_blocking` row is the alternative the read path was measured against.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ampbase_store::{Condition, IndexSchema, Item, Key, Query, SqliteStore, Store, TableSchema};
use serde_json::json;

const ITEMS: usize = 10_000;

fn todo(i: usize) -> Item {
    let v = json!({
        "id": format!("{:08x}-7c1e-4c55-9a8e-{:012x}", i.wrapping_mul(2_654_435_761) as u32, i),
        "__typename": "Todo",
        "content": format!("Buy {} litres of milk and some bread for the weekend", i % 17),
        "done": i.is_multiple_of(3),
        "priority": i % 5,
        "owner": format!("user-{}", i % 100),
        "createdAt": "2026-11-22T10:15:30.123Z",
        "updatedAt": "2026-11-22T10:15:30.123Z",
    });
    match v {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn key(i: usize) -> Key {
    Key::new(todo(i)["id"].as_str().unwrap())
}

struct Row {
    name: String,
    tasks: usize,
    ops: usize,
    secs: f64,
    p50: Duration,
    p99: Duration,
}

/// Runs `tasks` tasks calling `op(task, n)` in a loop for `secs`.
async fn measure<F, Fut>(name: &str, tasks: usize, secs: f64, op: F) -> Option<Row>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let only = std::env::args().nth(2).unwrap_or_default();
    if !name.contains(only.as_str()) {
        return None;
    }
    let op = Arc::new(op);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let op = op.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut n = 0;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                op(t, n).await;
                lat.push(t0.elapsed());
                n += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Some(Row {
        name: name.to_owned(),
        tasks,
        ops: all.len(),
        secs: elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
    })
}

fn print(rows: &[Row]) {
    println!();
    println!("| operation | tasks | ops/s | p50 µs | p99 µs |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.1} |",
            r.name,
            r.tasks,
            r.ops as f64 / r.secs,
            r.p50.as_secs_f64() * 1e6,
            r.p99.as_secs_f64() * 1e6
        );
    }
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2.0);
    // Optional: run only the rows whose name contains this.
    let only = std::env::args().nth(2).unwrap_or_default();
    let wanted = |name: &str| name.contains(only.as_str());
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteStore::open(dir.path().join("bench.db")).unwrap());
    let store = Store::from_backend(sqlite.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Synchronous, no runtime: the store's own cost of a get.
    let mut rows = Vec::new();
    runtime.block_on(async {
        let schema = TableSchema::new("Todo", "id")
            .with_index(IndexSchema::new("byOwner", "owner").with_sort_key("createdAt"));
        store.ensure_table(&schema).await.unwrap();
        let t0 = Instant::now();
        let mut loaders = Vec::new();
        for t in 0..16 {
            let store = store.clone();
            loaders.push(tokio::spawn(async move {
                for i in (t..ITEMS).step_by(16) {
                    store.put("Todo", todo(i), None).await.unwrap();
                }
            }));
        }
        for l in loaders {
            l.await.unwrap();
        }
        eprintln!("loaded {ITEMS} items in {:?}", t0.elapsed());
    });

    if wanted("get_blocking") {
        let t0 = Instant::now();
        let mut lat = Vec::new();
        let mut n = 0;
        while t0.elapsed().as_secs_f64() < secs {
            let s = Instant::now();
            sqlite
                .get_blocking("Todo", &key(n % ITEMS))
                .unwrap()
                .unwrap();
            lat.push(s.elapsed());
            n += 1;
        }
        let elapsed = t0.elapsed().as_secs_f64();
        lat.sort();
        rows.push(Row {
            name: "get, get_blocking on one thread (no runtime)".into(),
            tasks: 1,
            ops: lat.len(),
            secs: elapsed,
            p50: lat[lat.len() / 2],
            p99: lat[lat.len() * 99 / 100],
        });
    }

    runtime.block_on(async {
        let keys: Arc<Vec<Key>> = Arc::new((0..ITEMS).map(key).collect());
        for tasks in [1, 64] {
            let (s, k) = (store.clone(), keys.clone());
            rows.extend(
                measure("get (inline on the worker)", tasks, secs, move |t, n| {
                    let (s, k) = (s.clone(), k.clone());
                    async move {
                        let key = &k[(t * 7919 + n * 31) % ITEMS];
                        s.get("Todo", key).await.unwrap().unwrap();
                    }
                })
                .await,
            );
        }
        for tasks in [1, 64] {
            let (s, k) = (sqlite.clone(), keys.clone());
            rows.extend(
                measure(
                    "get via spawn_blocking (rejected)",
                    tasks,
                    secs,
                    move |t, n| {
                        let (s, k) = (s.clone(), k.clone());
                        async move {
                            tokio::task::spawn_blocking(move || {
                                let key = &k[(t * 7919 + n * 31) % ITEMS];
                                s.get_blocking("Todo", key).unwrap().unwrap();
                            })
                            .await
                            .unwrap();
                        }
                    },
                )
                .await,
            );
        }
        for tasks in [1, 64] {
            let s = store.clone();
            let base = ITEMS * 10 * tasks;
            rows.extend(
                measure(
                    "put, create (condition: not exists)",
                    tasks,
                    secs,
                    move |t, n| {
                        let s = s.clone();
                        async move {
                            let item = todo(base + t * 1_000_000 + n);
                            s.put("Todo", item, Some(Condition::not_exists()))
                                .await
                                .unwrap();
                        }
                    },
                )
                .await,
            );
        }
        for tasks in [1, 64] {
            let s = store.clone();
            rows.extend(
                measure("query index, limit 20", tasks, secs, move |t, n| {
                    let s = s.clone();
                    async move {
                        let q = Query::new(format!("user-{}", (t + n) % 100))
                            .index("byOwner")
                            .limit(20);
                        let page = s.query("Todo", &q).await.unwrap();
                        assert_eq!(page.items.len(), 20);
                    }
                })
                .await,
            );
        }
    });
    print(&rows);
    let wal = std::fs::metadata(dir.path().join("bench.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    let db = std::fs::metadata(dir.path().join("bench.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "database {:.1} MB, write-ahead log {:.1} MB",
        db as f64 / 1e6,
        wal as f64 / 1e6
    );
}
