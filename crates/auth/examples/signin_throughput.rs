//! Sign-ins per second through the domain (no HTTP): `cargo run --release -p ampbase-auth
//! --example signin_throughput [seconds] [tasks]`. Prints SRP sign-ins (InitiateAuth +
//! RespondToAuthChallenge, client side computed too), USER_PASSWORD_AUTH, refreshes and
//! GetUser per second.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ampbase_auth::{AuthStep, PoolConfig, SandboxDelivery, UserPool, crypto, srp};
use ampbase_store::Store;
use base64::Engine;
use num_bigint::BigUint;

const PW: &str = "Passw0rd!";

fn p(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn srp_sign_in(pool: &UserPool, user: &str) {
    let c = pool.config().client_id.clone();
    let a = BigUint::from_bytes_be(&crypto::random_bytes(32));
    let a_pub = ampbase_auth::modpow_g(&a);
    let AuthStep::Challenge {
        parameters,
        session,
        ..
    } = pool
        .initiate_auth(
            &c,
            "USER_SRP_AUTH",
            &p(&[("USERNAME", user), ("SRP_A", &a_pub.to_str_radix(16))]),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    let salt = BigUint::parse_bytes(parameters["SALT"].as_bytes(), 16).unwrap();
    let b_pub = BigUint::parse_bytes(parameters["SRP_B"].as_bytes(), 16).unwrap();
    let uid = &parameters["USER_ID_FOR_SRP"];
    let key = srp::client_session_key(&a, &b_pub, &salt, pool.config().pool_name(), uid, PW);
    let ts = srp::format_timestamp(pool.now());
    let block = crypto::decode_b64_any(&parameters["SECRET_BLOCK"]).unwrap();
    let sig = srp::claim_signature(&key, pool.config().pool_name(), uid, &block, &ts);
    let sig = base64::engine::general_purpose::STANDARD.encode(sig);
    let r = pool
        .respond_to_auth_challenge(
            &c,
            "PASSWORD_VERIFIER",
            &p(&[
                ("USERNAME", uid),
                ("PASSWORD_CLAIM_SECRET_BLOCK", &parameters["SECRET_BLOCK"]),
                ("TIMESTAMP", &ts),
                ("PASSWORD_CLAIM_SIGNATURE", &sig),
            ]),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(matches!(r, AuthStep::Authenticated(_)));
}

async fn run<F, Fut>(name: &str, secs: u64, tasks: usize, f: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = ()> + Send,
{
    let count = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (f, count) = (f.clone(), count.clone());
        handles.push(tokio::spawn(async move {
            while Instant::now() < end {
                f(t).await;
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    println!(
        "{name:<24} {:>8.0}/s",
        count.load(Ordering::Relaxed) as f64 / secs as f64
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let tasks: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.sqlite")).unwrap();
    let pool = Arc::new(
        UserPool::open(
            PoolConfig::new("us-east-1_Bench1234", "benchclient"),
            store.clone(),
            SandboxDelivery::quiet(store),
        )
        .await
        .unwrap(),
    );
    let mut users = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..tasks {
        let email = format!("user{i}@example.com");
        pool.sign_up("benchclient", &email, PW, &[]).await.unwrap();
        let id = pool.config().user_pool_id.clone();
        pool.admin_confirm_sign_up(&id, &email).await.unwrap();
        let AuthStep::Authenticated(t) = pool
            .initiate_auth(
                "benchclient",
                "USER_PASSWORD_AUTH",
                &p(&[("USERNAME", &email), ("PASSWORD", PW)]),
            )
            .await
            .unwrap()
        else {
            panic!()
        };
        users.push(email);
        tokens.push(t);
    }
    let (users, tokens) = (Arc::new(users), Arc::new(tokens));
    println!("{tasks} concurrent tasks, {secs} s each");
    {
        let e = BigUint::from_bytes_be(&crypto::random_bytes(32));
        let t = Instant::now();
        for _ in 0..100 {
            std::hint::black_box(ampbase_auth::modpow_n(&srp::G, &e));
        }
        println!(
            "modpow 256-bit exponent   {:>8.3} ms",
            t.elapsed().as_secs_f64() * 10.0
        );
        let t = Instant::now();
        for _ in 0..100 {
            std::hint::black_box(ampbase_auth::modpow_g(&e));
        }
        println!(
            "g^e from the fixed table  {:>8.3} ms",
            t.elapsed().as_secs_f64() * 10.0
        );
        let t = Instant::now();
        for _ in 0..10 {
            std::hint::black_box(srp::make_verifier("pool", "user", PW));
        }
        println!(
            "make_verifier             {:>8.3} ms",
            t.elapsed().as_secs_f64() * 100.0
        );
    }
    let (pl, us) = (pool.clone(), users.clone());
    run("SRP sign-in", secs, tasks, move |t| {
        let (pl, us) = (pl.clone(), us.clone());
        async move { srp_sign_in(&pl, &us[t]).await }
    })
    .await;
    let (pl, us) = (pool.clone(), users.clone());
    run("USER_PASSWORD_AUTH", secs, tasks, move |t| {
        let (pl, us) = (pl.clone(), us.clone());
        async move {
            pl.initiate_auth(
                "benchclient",
                "USER_PASSWORD_AUTH",
                &p(&[("USERNAME", &us[t]), ("PASSWORD", PW)]),
            )
            .await
            .unwrap();
        }
    })
    .await;
    let (pl, tk) = (pool.clone(), tokens.clone());
    run("refresh", secs, tasks, move |t| {
        let (pl, tk) = (pl.clone(), tk.clone());
        async move {
            pl.refresh("benchclient", tk[t].refresh_token.as_deref().unwrap())
                .await
                .unwrap();
        }
    })
    .await;
    let (pl, tk) = (pool.clone(), tokens.clone());
    run("GetUser", secs, tasks, move |t| {
        let (pl, tk) = (pl.clone(), tk.clone());
        async move {
            pl.get_user_by_token(&tk[t].access_token).await.unwrap();
        }
    })
    .await;
    let (pl, tk) = (pool.clone(), tokens.clone());
    run("verify access token", secs, tasks, move |t| {
        let (pl, tk) = (pl.clone(), tk.clone());
        async move {
            pl.verify_access_or_id_token(&tk[t].access_token)
                .await
                .unwrap();
        }
    })
    .await;
}
