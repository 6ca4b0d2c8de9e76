//! The `simm` command line. Parsing of arguments lives here; each command is
//! a plain function in `commands`.

mod commands;
mod output;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "simm",
    version,
    about = "Assess organisations against the Smartsourcing Innovation Model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with model files.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Print an empty response sheet (CSV header) for a model.
    Template {
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Run the web platform.
    Serve(server::ServeArgs),
    /// Manage user accounts of the platform.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Score a response sheet: stages per area and overall, gaps, consensus.
    Score {
        /// The response sheet (CSV; comma, semicolon or tab), or - for standard input.
        #[arg(long)]
        responses: PathBuf,
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Break the results down by this respondent attribute, e.g. role.
        #[arg(long, value_name = "ATTRIBUTE")]
        group_by: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// Write to this file instead of standard output (written whole or not at all).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from standard input, or generated
    /// and printed once when standard input is a terminal or empty.
    Add {
        email: String,
        #[arg(long, value_enum)]
        role: server::RoleArg,
        #[command(flatten)]
        database: server::DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (it is shown only once).
    Create {
        email: String,
        #[command(flatten)]
        database: server::DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Validate a model file.
    Check { file: PathBuf },
    /// Store a model version on the platform; stored versions never change.
    Import {
        file: PathBuf,
        #[command(flatten)]
        database: server::DatabaseArgs,
    },
    /// Print a model for people (markdown) or programs (json).
    Show {
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ModelFormat::Markdown)]
        format: ModelFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelFormat {
    Markdown,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Model(ModelCommand::Check { file }) => commands::model_check(&file),
        Command::Model(ModelCommand::Show { model, format }) => {
            commands::model_show(model.as_deref(), matches!(format, ModelFormat::Json))
        }
        Command::Model(ModelCommand::Import { file, database }) => {
            server::model_import(&file, &database)
        }
        Command::Template { model } => commands::template(model.as_deref()),
        Command::Serve(args) => server::serve(args),
        Command::User(UserCommand::Add {
            email,
            role,
            database,
        }) => server::user_add(&email, role, &database),
        Command::Token(TokenCommand::Create { email, database }) => {
            server::token_create(&email, &database)
        }
        Command::Score {
            responses,
            model,
            group_by,
            format,
            output,
        } => {
            let format = match format {
                ReportFormat::Json => commands::Format::Json,
                ReportFormat::Markdown => commands::Format::Markdown,
                ReportFormat::Html => commands::Format::Html,
            };
            commands::score(&commands::ScoreRequest {
                responses: &responses,
                model: model.as_deref(),
                group_by: group_by.as_deref(),
                format,
                output: output.as_deref(),
            })
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Bad input is the user's to fix and gets its plain message;
            // anything else is ours, with its whole cause chain.
            if let Some(bad) = error.downcast_ref::<commands::BadInput>() {
                eprintln!("{bad}");
                ExitCode::from(2)
            } else {
                eprintln!("simm: {error:#}");
                ExitCode::from(1)
            }
        }
    }
}
