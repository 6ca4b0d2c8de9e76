//! A real `simm serve` process for the tests that kill one, back one up
//! or read its logs: started on port 0, ready once it prints the address
//! it serves on, killed with SIGKILL on demand or when dropped, its output
//! kept; and the open assessment such a test answers.

// Each test that includes this file uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

use simm_store::{NewInvitation, NewOrganization, Store, User, hash_token};

pub struct Server {
    child: Child,
    /// e.g. http://127.0.0.1:41234
    pub address: String,
    /// What the process printed, drained so that it never blocks on a
    /// full pipe.
    output: Option<(JoinHandle<String>, JoinHandle<String>)>,
}

impl Server {
    /// Starts `simm serve` on the database and waits for the line it prints
    /// once it is serving: the process tells when it is ready, so nothing
    /// polls.
    pub fn start(database: &str) -> Server {
        Server::start_with(database, &[], &[])
    }

    /// Starts `simm serve` with `args` after the database and the
    /// environment variables `env`.
    pub fn start_with(database: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_simm"))
            .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("simm starts");
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            stderr.read_to_string(&mut text).unwrap();
            text
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = String::new();
        let address = loop {
            let Some(line) = lines.next() else {
                let _ = child.wait();
                panic!(
                    "simm stopped before serving:\n{seen}{}",
                    stderr.join().unwrap()
                );
            };
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if let Some(rest) = line.strip_prefix("simm is serving on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        let stdout = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                seen.push_str(&line);
                seen.push('\n');
            }
            seen
        });
        Server {
            child,
            address,
            output: Some((stdout, stderr)),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The questionnaire of an invitation with its saved answers, as the
    /// respondent API gives it.
    pub async fn questionnaire(&self, client: &reqwest::Client, token: &str) -> serde_json::Value {
        client
            .get(self.url(&format!("/api/v1/r/{token}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Kills the process without warning (SIGKILL: nothing is flushed at
    /// exit that was not written already) and waits until it is gone.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Kills the process and returns its standard output and error.
    pub fn kill_and_read(mut self) -> (String, String) {
        self.kill();
        let (stdout, stderr) = self.output.take().expect("read once");
        (stdout.join().unwrap(), stderr.join().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stores the built-in model and makes the user an organisation with an
/// open assessment of it titled `title`, with one invitation per token;
/// the assessment's id.
#[allow(
    dead_code,
    reason = "the log test sets its assessment up as a consultant would"
)]
pub async fn open_assessment(store: &Store, user: &User, title: &str, tokens: &[String]) -> String {
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
    assessment.id
}
