//! Seeds a database for the web benchmark (bench/web.sh): a consultant with
//! an API token, an organisation, and an assessment with N submitted
//! synthetic responses. Prints `ASSESSMENT_ID TOKEN EMAIL PASSWORD`.
//!
//! Usage: cargo run --release -p simm-web --example bench_seed -- DATABASE_URL RESPONDENTS

use simm_store::{NewOrganization, Role, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: bench_seed DATABASE_URL RESPONDENTS"))?;
    let respondents: usize = args.next().unwrap_or_else(|| "10000".into()).parse()?;
    let store = Store::connect(&url).await?;
    let version = simm_web::import_builtin_model(&store)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    let email = format!("bench-{}@example.com", &simm_store::new_id()[..8]);
    let password = "benchmark-password".to_owned();
    simm_web::accounts::add_user(&store, &email, Role::Consultant, &password).await?;
    let token = simm_web::accounts::create_token(&store, &email).await?;
    let user = store.user_by_email(&email).await?.expect("just added");
    let organization = store
        .create_organization(
            &NewOrganization {
                name: "Benchmark (synthetic)".into(),
                industry: None,
                size: None,
                country: None,
            },
            &user.id,
        )
        .await?;
    let assessment = store
        .create_assessment(&organization.id, "Benchmark", &version.id)
        .await?;
    store.open_assessment(&assessment.id, 5).await?;
    let model = simm_core::builtin_model();
    for chunk in simm_web::demo::synthetic_responses(&model, respondents, 11).chunks(2000) {
        store.insert_responses(&assessment.id, chunk).await?;
    }
    // Results come from released responses: release them as closing does,
    // through the privacy policy, and time it, since a consultant waits
    // for it when closing a large assessment.
    if respondents > 0 {
        let state = simm_web::AppState::new(store.clone(), simm_web::Config::new(String::new()));
        let started = std::time::Instant::now();
        let outcome = simm_web::release_assessment(&state, &assessment.id, true)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
        eprintln!(
            "bench_seed: released {} responses in {:.2} s",
            outcome.released,
            started.elapsed().as_secs_f64()
        );
    }
    println!("{} {token} {email} {password}", assessment.id);
    store.close().await;
    Ok(())
}
