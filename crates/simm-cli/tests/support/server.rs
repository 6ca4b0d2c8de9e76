//! A real `simm serve` process for the tests that kill one: started on
//! port 0, ready once it prints the address it serves on, killed with
//! SIGKILL on demand or when dropped; and the open assessment such a test
//! answers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use simm_store::{NewInvitation, NewOrganization, Store, User, hash_token};

pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts `simm serve` on the database and waits for the line it prints
    /// once it is serving: the process tells when it is ready, so nothing
    /// polls.
    pub fn start(database: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_simm"))
            .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("simm starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("simm prints its address before it exits")
                .unwrap();
            if let Some(rest) = line.strip_prefix("simm is serving on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, address }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Kills the process without warning and waits until it is gone.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stores the built-in model and makes the user an organisation with an
/// open assessment of it titled `title`, with one invitation per token.
pub async fn open_assessment(store: &Store, user: &User, title: &str, tokens: &[String]) {
    let model = simm_core::builtin_model();
    let version = store
        .store_model_version(&model, simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let organization = store
        .create_organization(
            &NewOrganization {
                name: "Acme".into(),
                industry: None,
                size: None,
                country: None,
            },
            &user.id,
        )
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&organization.id, title, &version.id)
        .await
        .unwrap();
    let invitations: Vec<NewInvitation> = tokens
        .iter()
        .map(|token| NewInvitation {
            token_hash: hash_token(token),
            attributes: BTreeMap::new(),
        })
        .collect();
    store
        .create_invitations(&assessment.id, &invitations)
        .await
        .unwrap();
    store.open_assessment(&assessment.id, 5).await.unwrap();
}
