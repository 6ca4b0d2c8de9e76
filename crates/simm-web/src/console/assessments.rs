//! An assessment's page: its state, opening and closing, invitation links
//! (made in bulk with preset attributes, or from a pasted CSV), and
//! participation counts.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simm_core::{Model, attribute_value};
use simm_store::{
    Assessment, AssessmentState, Attributes, NewInvitation, Organization, ParticipationRow,
    hash_token, new_token,
};

use super::organizations::{version_label, visible_organization};
use super::{
    Empty, Nav, NoticeQuery, attachment, invalid, is_consultant, render, see_other, short_id,
};
use crate::auth::{Consultant, CsrfForm, CurrentUser};
use crate::{AppError, AppState};

/// The most links one request makes: enough for a large organisation,
/// small enough that the page and the transaction stay quick.
pub(super) const MAX_LINKS: usize = 5000;
/// The prefix of the form fields that preset an attribute, e.g. `attr:role`.
const ATTRIBUTE_FIELD: &str = "attr:";

/// The assessment and its organisation, if the user may see them; 404
/// otherwise.
pub(crate) async fn visible_assessment(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> Result<(Assessment, Organization), AppError> {
    let assessment = crate::auth::visible_assessment(state, current, id).await?;
    let organization = visible_organization(state, current, &assessment.organization_id).await?;
    Ok((assessment, organization))
}

/// Invitations by state: counts only.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    /// Of all the invitations, those whose link was opened.
    pub opened: i64,
    pub pending: i64,
    pub started: i64,
    pub submitted: i64,
}

impl Counts {
    fn add(&mut self, row: &ParticipationRow) {
        self.opened += row.opened;
        match row.state {
            simm_store::InvitationState::Pending => self.pending += row.invitations,
            simm_store::InvitationState::Started => self.started += row.invitations,
            simm_store::InvitationState::Submitted => self.submitted += row.invitations,
        }
    }

    pub fn total(&self) -> i64 {
        self.pending + self.started + self.submitted
    }

    /// Submitted invitations as a share of all invitations.
    pub fn rate(&self) -> String {
        match simm_core::response_rate(self.total(), self.submitted) {
            None => "–".to_owned(),
            Some(rate) => simm_report::format::percent(rate),
        }
    }

    /// Whether the group's rate is below the 60 % survey practice flags.
    pub fn low(&self) -> bool {
        simm_core::rate_standing(self.total(), self.submitted) == simm_core::RateStanding::Low
    }

    /// Whether the rate reaches the 75 % survey practice aims for.
    pub fn meets_target(&self) -> bool {
        simm_core::rate_standing(self.total(), self.submitted)
            == simm_core::RateStanding::MeetsTarget
    }
}

pub(super) struct BreakdownRow {
    pub label: String,
    pub counts: Counts,
}

pub(super) struct Breakdown {
    pub attribute: String,
    pub rows: Vec<BreakdownRow>,
}

/// Participation: invitations by state, and by each preset attribute of
/// the model.
pub(super) struct Participation {
    pub total: Counts,
    pub breakdowns: Vec<Breakdown>,
    /// Responses uploaded offline (`uploads`): they have no invitation.
    pub imported: i64,
}

pub(super) fn participation(
    model: &Model,
    rows: &[ParticipationRow],
    imported: i64,
) -> Participation {
    let mut total = Counts::default();
    for row in rows {
        total.add(row);
    }
    let breakdowns = model
        .attributes()
        .iter()
        .map(|attribute| {
            let mut groups: BTreeMap<Option<&str>, Counts> = BTreeMap::new();
            for row in rows {
                let value = row
                    .attributes
                    .get(attribute.id.as_str())
                    .map(String::as_str);
                groups.entry(value).or_default().add(row);
            }
            // Declared values first, in the model's order; then the rest.
            let mut ordered: Vec<(Option<&str>, Counts)> = Vec::new();
            if let Some(values) = &attribute.values {
                for value in values {
                    if let Some(counts) = groups.remove(&Some(value.as_str())) {
                        ordered.push((Some(value.as_str()), counts));
                    }
                }
            }
            let not_preset = groups.remove(&None);
            ordered.extend(groups);
            ordered.extend(not_preset.map(|counts| (None, counts)));
            Breakdown {
                attribute: attribute.name.clone(),
                rows: ordered
                    .into_iter()
                    .map(|(value, counts)| BreakdownRow {
                        label: value.unwrap_or("(not preset)").to_owned(),
                        counts,
                    })
                    .collect(),
            }
        })
        .filter(|breakdown| !breakdown.rows.is_empty())
        .collect();
    Participation {
        total,
        breakdowns,
        imported,
    }
}

pub(super) struct AttributeField {
    id: String,
    name: String,
    values: Option<Vec<ValueOption>>,
    value: String,
}

pub(super) struct ValueOption {
    value: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console/assessment.html")]
struct AssessmentPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    model: String,
    anonymity: String,
    publication: Publication,
    can_manage: bool,
    can_open: bool,
    can_close: bool,
    attributes: Vec<AttributeField>,
    attribute_ids: String,
    example_csv: String,
    count_value: String,
    csv_value: String,
    max_links: usize,
    participation: Participation,
    link_errors: Vec<String>,
    csv_errors: Vec<String>,
    notice: Option<&'static str>,
}

/// What the invitation forms held, to show them again with their errors.
#[derive(Default)]
struct FormsInput {
    count: String,
    presets: BTreeMap<String, String>,
    csv: String,
    link_errors: Vec<String>,
    csv_errors: Vec<String>,
}

async fn assessment_page(
    state: &AppState,
    current: &CurrentUser,
    assessment: Assessment,
    organization: Organization,
    input: FormsInput,
    notice: Option<&'static str>,
) -> Result<AssessmentPage, AppError> {
    let model = state.model(&assessment.model_version_id).await?;
    let version = state
        .store
        .model_versions()
        .await?
        .into_iter()
        .find(|version| version.id == assessment.model_version_id)
        .map_or_else(
            || model.title().to_owned(),
            |version| version_label(&version),
        );
    let minimum = crate::results::policy(&assessment, &model).minimum();
    let anonymity = if assessment.anonymity_min.is_some() {
        format!(
            "{minimum} respondents, frozen when the assessment was first opened: results appear once {minimum} responses are released, and smaller groups stay hidden."
        )
    } else {
        format!(
            "{minimum} respondents (the model's setting); it is frozen when the assessment first opens."
        )
    };
    let attributes = model
        .attributes()
        .iter()
        .map(|attribute| {
            let value = input
                .presets
                .get(attribute.id.as_str())
                .cloned()
                .unwrap_or_default();
            AttributeField {
                id: attribute.id.to_string(),
                name: attribute.name.clone(),
                values: attribute.values.as_ref().map(|values| {
                    values
                        .iter()
                        .map(|v| ValueOption {
                            selected: *v == value,
                            value: v.clone(),
                        })
                        .collect()
                }),
                value,
            }
        })
        .collect();
    let attribute_ids = model
        .attributes()
        .iter()
        .map(|a| a.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let example_csv = example_csv(&model);
    let rows = state.store.participation(&assessment.id).await?;
    let can_manage = is_consultant(current);
    Ok(AssessmentPage {
        nav: Nav::of(current),
        model: version,
        anonymity,
        publication: publication(state, &assessment, &model).await?,
        can_open: can_manage && assessment.state != AssessmentState::Open,
        can_close: can_manage && assessment.state == AssessmentState::Open,
        can_manage,
        attributes,
        attribute_ids,
        example_csv,
        count_value: if input.count.is_empty() {
            "10".to_owned()
        } else {
            input.count
        },
        csv_value: input.csv,
        max_links: MAX_LINKS,
        participation: participation(
            &model,
            &rows,
            crate::uploads::imported_count(state, &assessment.id).await?,
        ),
        link_errors: input.link_errors,
        csv_errors: input.csv_errors,
        notice,
        assessment,
        organization,
    })
}

/// Two example rows for the CSV form, from the model's own attributes.
fn example_csv(model: &Model) -> String {
    let header = model
        .attributes()
        .iter()
        .map(|a| a.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let row = |pick: usize| {
        model
            .attributes()
            .iter()
            .map(|a| match &a.values {
                Some(values) => values[pick.min(values.len() - 1)].clone(),
                None => ["Operations", "Sales"][pick % 2].to_owned(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("{header}\n{}\n{}", row(0), row(1))
}

pub(super) async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    render(
        &assessment_page(
            &state,
            &current,
            assessment,
            organization,
            FormsInput::default(),
            query.message(),
        )
        .await?,
    )
}

pub(super) async fn open(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    state
        .store
        .open_assessment(
            &assessment.id,
            simm_core::Policy::of_model(&model).minimum(),
        )
        .await?;
    Ok(see_other(&format!(
        "/assessments/{}?notice=opened",
        assessment.id
    )))
}

/// Closes the assessment, releasing what waits as the final snapshot (or
/// holding back too few, which the page then says).
pub(super) async fn close(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    crate::results::release(&state, &assessment, true).await?;
    Ok(see_other(&format!(
        "/assessments/{}?notice=closed",
        assessment.id
    )))
}

/// Publishes an interim snapshot of an open assessment.
pub(super) async fn snapshot(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (assessment, _) = visible_assessment(&state, &current, &id).await?;
    let released = crate::results::release(&state, &assessment, false).await?;
    let notice = if released.outcome.released > 0 {
        "snapshot"
    } else {
        "snapshot-too-few"
    };
    Ok(see_other(&format!(
        "/assessments/{}?notice={notice}#publication",
        assessment.id
    )))
}

/// Where the responses of an assessment stand: published, waiting for the
/// next release, and what a release needs. Counts only.
pub(super) struct Publication {
    pub released: i64,
    pub waiting: u64,
    pub blank: u64,
    pub anonymity_min: u32,
    /// Answering responses still needed before a release can publish.
    pub needed: u64,
    pub snapshots: usize,
    pub open: bool,
}

pub(super) async fn publication(
    state: &AppState,
    assessment: &Assessment,
    model: &Model,
) -> Result<Publication, AppError> {
    let policy = crate::results::policy(assessment, model);
    let pending = state.store.pending_counts(&assessment.id).await?;
    let releases = state.store.releases(&assessment.id).await?;
    Ok(Publication {
        released: state.store.response_count(&assessment.id).await?,
        waiting: pending.answering,
        blank: pending.blank,
        anonymity_min: policy.minimum(),
        needed: policy.missing(pending.answering),
        snapshots: releases.iter().filter(|release| !release.at_close).count(),
        open: assessment.state == AssessmentState::Open,
    })
}

/// Whether the new links are shown on a page or downloaded as CSV.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Page,
    Csv,
}

impl Output {
    fn parse(text: Option<&str>) -> Output {
        if text == Some("csv") {
            Output::Csv
        } else {
            Output::Page
        }
    }
}

pub(super) async fn create_links(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    };
    let output = Output::parse(field("output"));
    let count_text = field("count").unwrap_or_default().to_owned();
    let mut errors = Vec::new();
    let count = match count_text.parse::<usize>() {
        Ok(0) | Err(_) => {
            errors.push(format!(
                "Give the number of links as a whole number from 1 to {MAX_LINKS}."
            ));
            0
        }
        Ok(n) if n > MAX_LINKS => {
            errors.push(format!(
                "At most {MAX_LINKS} links can be made at once; you asked for {n}. Make them in several batches."
            ));
            0
        }
        Ok(n) => n,
    };
    let mut presets = BTreeMap::new();
    let mut attributes = Attributes::new();
    for attribute in model.attributes() {
        let text = field(&format!("{ATTRIBUTE_FIELD}{}", attribute.id)).unwrap_or_default();
        presets.insert(attribute.id.to_string(), text.to_owned());
        if text.is_empty() {
            continue;
        }
        match attribute_value(attribute, text) {
            Ok(Some(value)) => {
                attributes.insert(attribute.id.to_string(), value.to_owned());
            }
            Ok(None) => {}
            Err(problem) => errors.push(format!("{}: {problem}", attribute.name)),
        }
    }
    if !errors.is_empty() {
        let input = FormsInput {
            count: count_text,
            presets,
            link_errors: errors,
            ..FormsInput::default()
        };
        return invalid(
            &assessment_page(&state, &current, assessment, organization, input, None).await?,
        );
    }
    let rows = vec![attributes; count];
    make_links(
        &state,
        &current,
        &model,
        assessment,
        organization,
        rows,
        output,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct CsvForm {
    #[serde(default)]
    csv: String,
    #[serde(default)]
    output: String,
}

pub(super) async fn create_links_from_csv(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<CsvForm>,
) -> Result<Response, AppError> {
    let (assessment, organization) = visible_assessment(&state, &current, &id).await?;
    let model = state.model(&assessment.model_version_id).await?;
    let output = Output::parse(Some(form.output.as_str()));
    match parse_invitation_csv(&model, &form.csv) {
        Ok(rows) => {
            make_links(
                &state,
                &current,
                &model,
                assessment,
                organization,
                rows,
                output,
            )
            .await
        }
        Err(errors) => {
            let input = FormsInput {
                csv: form.csv,
                csv_errors: errors,
                ..FormsInput::default()
            };
            invalid(
                &assessment_page(&state, &current, assessment, organization, input, None).await?,
            )
        }
    }
}

/// Reads a pasted invitation sheet ([`simm_sheet::read_invitations`]),
/// refused whole, with every problem named, when any row is wrong or it
/// asks for more than [`MAX_LINKS`] links.
fn parse_invitation_csv(model: &Model, text: &str) -> Result<Vec<Attributes>, Vec<String>> {
    let rows =
        simm_sheet::read_invitations(model, text).map_err(|error| error.render_lines("CSV"))?;
    if rows.len() > MAX_LINKS {
        return Err(vec![format!(
            "At most {MAX_LINKS} links can be made at once; the CSV has {} rows. Split it into several batches.",
            rows.len()
        )]);
    }
    Ok(rows)
}

pub(super) struct LinkRow {
    link: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/links.html")]
struct LinksPage {
    nav: Nav,
    organization: Organization,
    assessment: Assessment,
    columns: Vec<String>,
    links: Vec<LinkRow>,
    all_links: String,
    is_open: bool,
}

/// Makes one invitation per row of preset attributes, stores only the
/// tokens' hashes, and hands the links out this once.
async fn make_links(
    state: &AppState,
    current: &CurrentUser,
    model: &Model,
    assessment: Assessment,
    organization: Organization,
    rows: Vec<Attributes>,
    output: Output,
) -> Result<Response, AppError> {
    let mut invitations = Vec::with_capacity(rows.len());
    let mut links = Vec::with_capacity(rows.len());
    for attributes in rows {
        let token = new_token();
        links.push(LinkRow {
            link: format!("{}/r/{token}", state.config.public_url),
            cells: model
                .attributes()
                .iter()
                .map(|a| attributes.get(a.id.as_str()).cloned().unwrap_or_default())
                .collect(),
        });
        invitations.push(NewInvitation {
            token_hash: hash_token(&token),
            attributes,
        });
    }
    state
        .store
        .create_invitations(&assessment.id, &invitations)
        .await?;
    match output {
        Output::Csv => Ok(links_csv(model, &assessment, &links)),
        Output::Page => {
            let all_links = links
                .iter()
                .map(|row| row.link.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            Ok(render(&LinksPage {
                nav: Nav::of(current),
                columns: model.attributes().iter().map(|a| a.name.clone()).collect(),
                links,
                all_links,
                is_open: assessment.state == AssessmentState::Open,
                organization,
                assessment,
            })?
            .into_response())
        }
    }
}

/// The links as a CSV download: a `link` column, then one column per model
/// attribute. Every cell is neutralised so a spreadsheet never runs it.
fn links_csv(model: &Model, assessment: &Assessment, links: &[LinkRow]) -> Response {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("link").chain(model.attributes().iter().map(|a| a.id.as_str()));
    let mut write = |record: Vec<String>| {
        writer
            .write_record(&record)
            .expect("writing to memory cannot fail");
    };
    write(header.map(simm_sheet::neutralise_formula).collect());
    for row in links {
        write(
            std::iter::once(row.link.as_str())
                .chain(row.cells.iter().map(String::as_str))
                .map(simm_sheet::neutralise_formula)
                .collect(),
        );
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    let body = String::from_utf8(bytes).expect("the cells are UTF-8 text");
    attachment(
        "text/csv; charset=utf-8",
        &format!("simm-links-{}.csv", short_id(&assessment.id)),
        body,
    )
}
