//! A PostgreSQL database of its own for one test, on the server of
//! `SIMM_TEST_POSTGRES_URL` (which `./scripts/test` sets after starting
//! one). The store's, the web's and the CLI's tests include this file, as
//! they include `full_disk.rs`, so the setup exists once.
//!
//! The database is dropped when its guard is: at the end of the test, and
//! on a failure too, as the guard drops while the panic unwinds. Without
//! the variable the test fails, rather than passing on SQLite alone.

#![allow(dead_code)]

use sqlx::Connection as _;

/// A database created for one test; dropping it drops the database,
/// whatever connections to it are still open.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let admin_url = std::env::var("SIMM_TEST_POSTGRES_URL").expect(
            "SIMM_TEST_POSTGRES_URL is not set; run ./scripts/test, which starts PostgreSQL",
        );
        // A random name: tests run in parallel, and in several checkouts
        // against one server.
        let name = format!("simm_test_{}", simm_store::new_id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("SIMM_TEST_POSTGRES_URL ends in /database");
        let url = format!("{base}/{name}");
        TestDatabase {
            admin_url,
            name,
            url,
        }
    }

    /// The URL of the test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // A thread with a runtime of its own: the guard may drop inside the
        // test's runtime, where blocking on another future panics, or
        // outside any runtime, or while the test's runtime shuts down.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?
                .block_on(drop_database(&admin_url, &name))
                .map_err(|error| error.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            // Never a panic here: this may run while a failed test unwinds.
            Ok(Err(error)) => eprintln!("could not drop the test database {}: {error}", self.name),
            Err(_) => eprintln!("could not drop the test database {}", self.name),
        }
    }
}

/// Drops the database, ending the connections still open to it: the pools
/// of a store or of a server the test started, which may outlive it.
async fn drop_database(admin_url: &str, name: &str) -> sqlx::Result<()> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(&mut admin)
        .await?;
    if version.parse::<u32>().unwrap_or(0) >= 130_000 {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
    } else {
        // Before PostgreSQL 13 there is no FORCE: end the sessions first.
        // A pool may reconnect in between, hence the few tries.
        let mut tries = 0;
        loop {
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(name)
            .execute(&mut admin)
            .await?;
            match sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await
            {
                Err(sqlx::Error::Database(error))
                    if error.code().as_deref() == Some("55006") && tries < 5 =>
                {
                    tries += 1;
                }
                other => {
                    other?;
                    break;
                }
            }
        }
    }
    admin.close().await
}
