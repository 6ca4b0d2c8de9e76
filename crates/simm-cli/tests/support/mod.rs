//! The real `simm serve` in a child process, for the backup and log tests.
// TODO(#9): durability.rs starts its server the same way; it should use
// this once its own changes (the event-driven wait) have landed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

pub struct Server {
    child: Child,
    /// e.g. http://127.0.0.1:41234
    pub address: String,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

/// Starts `simm serve` on port 0 with `args` after the database and the
/// environment variables `env`, and waits for the line that says it is
/// serving. Its output is kept, and drained so that it never blocks.
pub fn start_server(database: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
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
        stdout,
        stderr,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Kills the server (SIGKILL: nothing is flushed at exit that was not
    /// written already) and returns its standard output and error.
    pub fn kill(mut self) -> (String, String) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        (self.stdout.join().unwrap(), self.stderr.join().unwrap())
    }
}
