//! The `simm` command line. Parsing of arguments lives here; each command is
//! a plain function in `commands`, `server`, `calibrate` or `backup`.

mod backup;
mod calibrate;
mod commands;
mod config;
mod import;
mod output;
mod server;
mod trend;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use simm_core::Replicates;

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
    /// Print the model's questionnaire: an empty response sheet (CSV
    /// header), or a survey to import into LimeSurvey or Qualtrics.
    Template {
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        /// csv (simm's response sheet), limesurvey-tsv (LimeSurvey's
        /// tab-separated survey structure) or qualtrics-txt (Qualtrics'
        /// Advanced Format TXT); docs/import.md, "Exporting the
        /// questionnaire".
        #[arg(long, default_value = "csv", value_parser = questionnaire_format)]
        format: simm_sheet::QuestionnaireFormat,
        /// Render in this locale of the model (e.g. de); the model's own language by default.
        #[arg(long, value_name = "LOCALE")]
        locale: Option<String>,
        /// Write to this file instead of standard output (written whole or not at all).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Run the web platform.
    Serve(server::ServeArgs),
    /// Manage user accounts of the platform.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy the SQLite database to FILE while the server runs: a
    /// consistent copy of one moment, checked, never over an existing
    /// file. For PostgreSQL, use pg_dump.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        database: server::DatabaseArgs,
    },
    /// Put a backup made by `simm backup` in place of the SQLite database,
    /// whole or not at all. Refused while a simm server uses the database.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        database: server::DatabaseArgs,
    },
    /// Turn a survey tool's export into simm's response sheet
    /// (docs/import.md). Columns that identify people are dropped and
    /// listed on standard error.
    Import {
        /// The tool the export comes from.
        #[arg(long, value_name = "TOOL", value_parser = import::source)]
        from: simm_sheet::import::Source,
        /// The export: CSV for qualtrics, limesurvey and google-forms; .xlsx for microsoft-forms and xlsx.
        export: PathBuf,
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The mapping file (TOML): which column is which item or attribute, what labels mean, what to drop.
        #[arg(long, value_name = "MAP.toml")]
        mapping: Option<PathBuf>,
        /// Write the sheet to this file instead of standard output (written whole or not at all).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Draft a mapping for the export into this file, for review, instead of importing.
        #[arg(long, value_name = "MAP.toml", conflicts_with_all = ["mapping", "output"])]
        write_mapping: Option<PathBuf>,
    },
    /// Score a response sheet: stages per area and overall, gaps, consensus.
    Score {
        /// The response sheet (CSV; comma, semicolon or tab), or - for
        /// standard input; with --from, the survey tool's export.
        #[arg(long)]
        responses: PathBuf,
        /// The responses are this survey tool's export, imported first (see `simm import`).
        #[arg(long, value_name = "TOOL", value_parser = import::source)]
        from: Option<simm_sheet::import::Source>,
        /// The mapping file for --from.
        #[arg(long, value_name = "MAP.toml", requires = "from")]
        mapping: Option<PathBuf>,
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Break the results down by this respondent attribute, e.g. role.
        #[arg(long, value_name = "ATTRIBUTE")]
        group_by: Option<String>,
        /// Render in this locale of the model (e.g. de); the model's own language by default.
        #[arg(long, value_name = "LOCALE")]
        locale: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// Write to this file instead of standard output (written whole or not at all).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Bootstrap replicates behind the 95 % intervals and stage
        /// probabilities (docs/scoring.md, "How sure a stage is"); more
        /// are steadier and slower.
        #[arg(long, value_name = "N", default_value_t = Replicates::DEFAULT.get(), value_parser = replicates)]
        replicates: u32,
        /// The stages to reach, e.g. vision=3,technology=3; areas not named
        /// aim at their next stage. Adds the roadmap to the output.
        #[arg(long, value_name = "AREA=STAGE,…")]
        target: Option<String>,
        /// The date of the target, YYYY-MM-DD.
        #[arg(long, value_name = "DATE", requires = "target")]
        target_date: Option<String>,
        /// A TOML config file whose `[branding]` table (name, logo, accent)
        /// the pdf and slides formats show.
        #[arg(long, env = "SIMM_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Compare response sheets as rounds, the earliest first: each round's
    /// stages and scores with their intervals, and the change from the
    /// round before, real only when its interval leaves out 0.
    Trend {
        /// The rounds' response sheets, the earliest first.
        #[arg(long, required = true, num_args = 2..)]
        responses: Vec<PathBuf>,
        /// A model file; the built-in Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// Write to this file instead of standard output (written whole or not at all).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Bootstrap replicates behind the intervals.
        #[arg(long, value_name = "N", default_value_t = Replicates::DEFAULT.get(), value_parser = replicates)]
        replicates: u32,
        /// A target to draw on the charts, e.g. vision=3,technology=3.
        #[arg(long, value_name = "AREA=STAGE,…")]
        target: Option<String>,
        /// The date of the target, YYYY-MM-DD.
        #[arg(long, value_name = "DATE", requires = "target")]
        target_date: Option<String>,
    },
    /// Calibrate a model from pooled response sheets: classical item
    /// analysis, Rasch calibration (CML), fit, reliability, a check of
    /// each item's stage against its calibrated location, and DIF.
    ///
    /// docs/calibration.md explains the methods and how to read the report.
    Calibrate {
        /// Response sheets collected with the model; several are pooled.
        #[arg(long, required = true, num_args = 1..)]
        responses: Vec<PathBuf>,
        /// The model file the answers were collected with; the built-in
        /// Smartsourcing model by default.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Compare item locations between the groups of this respondent
        /// attribute (differential item functioning), e.g. role.
        #[arg(long, value_name = "ATTRIBUTE")]
        group_by: Option<String>,
        /// The measurement model; rasch for 2-point scales and pcm above by default.
        #[arg(long, value_enum)]
        method: Option<MethodArg>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// Write the report to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Write a proposed new model version to this file: version bumped,
        /// the items the data place at another stage moved, every change
        /// and its reason listed in comments at the top.
        #[arg(long, value_name = "NEW_MODEL.toml")]
        propose: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    /// The dichotomous Rasch model (2-point scales).
    Rasch,
    /// The rating scale model: one set of thresholds shared by all items.
    Rsm,
    /// The partial credit model: thresholds per item.
    Pcm,
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
    /// Compare two versions of a model file.
    ///
    /// Lists items added, removed, reworded, moved to another stage or
    /// area, and reweighted, and changes to the stages, areas, attributes,
    /// scale, scoring settings and version. Items, areas and attributes are
    /// matched by id, stages by level.
    ///
    /// Exit status: 0 whether or not the models differ (the output says
    /// which), 2 when either file is invalid, with the problems of both.
    Diff {
        /// The earlier version.
        old: PathBuf,
        /// The later version.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = commands::DiffFormat::Text)]
        format: commands::DiffFormat,
    },
    /// Print a model for people (markdown) or programs (json).
    Show {
        #[arg(long)]
        model: Option<PathBuf>,
        /// Render in this locale of the model (e.g. de); the model's own language by default.
        #[arg(long, value_name = "LOCALE")]
        locale: Option<String>,
        #[arg(long, value_enum, default_value_t = ModelFormat::Markdown)]
        format: ModelFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Json,
    Markdown,
    Html,
    /// The report as PDF (A4), for `simm score`.
    Pdf,
    /// A 16:9 slide deck as PDF, for `simm score`.
    Slides,
    /// A workbook for analysts; needs --output or a pipe.
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelFormat {
    Markdown,
    Json,
}

fn report_format(format: ReportFormat) -> commands::Format {
    match format {
        ReportFormat::Json => commands::Format::Json,
        ReportFormat::Markdown => commands::Format::Markdown,
        ReportFormat::Html => commands::Format::Html,
        ReportFormat::Pdf => commands::Format::Pdf,
        ReportFormat::Slides => commands::Format::Slides,
        ReportFormat::Xlsx => commands::Format::Xlsx,
    }
}

/// `--replicates`: refused by clap with the core's message.
pub(crate) fn replicates(text: &str) -> Result<u32, simm_core::ReplicatesError> {
    Replicates::parse(text).map(Replicates::get)
}

fn questionnaire_format(text: &str) -> Result<simm_sheet::QuestionnaireFormat, String> {
    text.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Model(ModelCommand::Check { file }) => commands::model_check(&file),
        Command::Model(ModelCommand::Diff { old, new, format }) => {
            commands::model_diff(&old, &new, format)
        }
        Command::Model(ModelCommand::Show {
            model,
            locale,
            format,
        }) => commands::model_show(
            model.as_deref(),
            locale.as_deref(),
            matches!(format, ModelFormat::Json),
        ),
        Command::Model(ModelCommand::Import { file, database }) => {
            server::model_import(&file, &database)
        }
        Command::Template {
            model,
            format,
            locale,
            output,
        } => commands::template(
            model.as_deref(),
            locale.as_deref(),
            format,
            output.as_deref(),
        ),
        Command::Serve(args) => server::serve(args),
        Command::User(UserCommand::Add {
            email,
            role,
            database,
        }) => server::user_add(&email, role, &database),
        Command::Token(TokenCommand::Create { email, database }) => {
            server::token_create(&email, &database)
        }
        Command::Backup { file, database } => backup::backup(&file, &database),
        Command::Restore { file, database } => backup::restore(&file, &database),
        Command::Import {
            from,
            export,
            model,
            mapping,
            output,
            write_mapping,
        } => import::import(&import::ImportRequest {
            from,
            export: &export,
            model: model.as_deref(),
            mapping: mapping.as_deref(),
            output: output.as_deref(),
            write_mapping: write_mapping.as_deref(),
        }),
        Command::Score {
            responses,
            from,
            mapping,
            model,
            group_by,
            locale,
            format,
            output,
            replicates,
            target,
            target_date,
            config,
        } => {
            let format = report_format(format);
            commands::score(&commands::ScoreRequest {
                responses: &responses,
                model: model.as_deref(),
                locale: locale.as_deref(),
                group_by: group_by.as_deref(),
                format,
                output: output.as_deref(),
                replicates: Replicates::new(replicates).expect("checked by the parser"),
                target: target.as_deref(),
                target_date: target_date.as_deref(),
                config: config.as_deref(),
                from,
                mapping: mapping.as_deref(),
            })
        }
        Command::Trend {
            responses,
            model,
            format,
            output,
            replicates,
            target,
            target_date,
        } => trend::trend(&trend::TrendRequest {
            responses: &responses,
            model: model.as_deref(),
            format: report_format(format),
            output: output.as_deref(),
            replicates: Replicates::new(replicates).expect("checked by the parser"),
            target: target.as_deref(),
            target_date: target_date.as_deref(),
        }),
        Command::Calibrate {
            responses,
            model,
            group_by,
            method,
            format,
            output,
            propose,
        } => calibrate::calibrate(&calibrate::CalibrateRequest {
            responses: &responses,
            model: model.as_deref(),
            group_by: group_by.as_deref(),
            method: method.map(|m| match m {
                MethodArg::Rasch => simm_core::Method::Rasch,
                MethodArg::Rsm => simm_core::Method::Rsm,
                MethodArg::Pcm => simm_core::Method::Pcm,
            }),
            format: report_format(format),
            output: output.as_deref(),
            propose: propose.as_deref(),
        }),
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
