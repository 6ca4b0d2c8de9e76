//! The dashboard (the organisations a user may see) and an organisation's
//! page: its assessments, who has access, and the forms to add to both.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use simm_store::{ModelVersion, NewOrganization, Organization};

use super::{Nav, NoticeQuery, invalid, is_consultant, optional, render, see_other};
use crate::accounts::{self, AccountError};
use crate::auth::{Consultant, CsrfForm, CurrentUser};
use crate::{AppError, AppState};

/// The size bands offered for an organisation, by number of employees.
pub(super) const SIZE_BANDS: &[&str] = &["1-49", "50-249", "250-999", "1000-4999", "5000+"];
const MAX_NAME_CHARS: usize = 200;
const MAX_FIELD_CHARS: usize = 100;
/// The model an assessment uses unless another is chosen.
const DEFAULT_MODEL: &str = "smartsourcing";

pub(super) struct OrganizationRow {
    id: String,
    name: String,
    details: String,
}

/// "Logistics · 1000-4999 employees · NL", leaving out what is not known.
pub(super) fn details(organization: &Organization) -> String {
    [
        organization.industry.clone(),
        organization
            .size
            .as_ref()
            .map(|size| format!("{size} employees")),
        organization.country.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

pub(super) struct SizeOption {
    value: &'static str,
    selected: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct OrganizationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    country: String,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    organizations: Vec<OrganizationRow>,
    can_create: bool,
    form: OrganizationForm,
    sizes: Vec<SizeOption>,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

async fn dashboard_page(
    state: &AppState,
    current: &CurrentUser,
    form: OrganizationForm,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Result<DashboardPage, AppError> {
    let organizations = state
        .store
        .organizations_for(&current.user)
        .await?
        .iter()
        .map(|organization| OrganizationRow {
            id: organization.id.clone(),
            name: organization.name.clone(),
            details: details(organization),
        })
        .collect();
    let sizes = SIZE_BANDS
        .iter()
        .map(|value| SizeOption {
            value,
            selected: form.size == *value,
        })
        .collect();
    Ok(DashboardPage {
        nav: Nav::of(current),
        organizations,
        can_create: is_consultant(current),
        form,
        sizes,
        errors,
        notice,
    })
}

pub(super) async fn dashboard(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    render(
        &dashboard_page(
            &state,
            &current,
            OrganizationForm::default(),
            Vec::new(),
            query.message(),
        )
        .await?,
    )
}

fn too_long(label: &str, text: &str, limit: usize, errors: &mut Vec<String>) {
    if text.trim().chars().count() > limit {
        errors.push(format!(
            "{label} is too long: use at most {limit} characters."
        ));
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    CsrfForm { form, .. }: CsrfForm<OrganizationForm>,
) -> Result<Response, AppError> {
    let mut errors = Vec::new();
    if form.name.trim().is_empty() {
        errors.push("Give the organisation a name.".to_owned());
    }
    too_long("The name", &form.name, MAX_NAME_CHARS, &mut errors);
    too_long("The industry", &form.industry, MAX_FIELD_CHARS, &mut errors);
    too_long("The country", &form.country, MAX_FIELD_CHARS, &mut errors);
    let size = optional(&form.size);
    if let Some(size) = &size
        && !SIZE_BANDS.contains(&size.as_str())
    {
        errors.push(format!(
            "Choose a size from the list ({}).",
            SIZE_BANDS.join(", ")
        ));
    }
    if !errors.is_empty() {
        return invalid(&dashboard_page(&state, &current, form, errors, None).await?);
    }
    let organization = state
        .store
        .create_organization(
            &NewOrganization {
                name: form.name.trim().to_owned(),
                industry: optional(&form.industry),
                size,
                country: optional(&form.country),
            },
            &current.user.id,
        )
        .await?;
    Ok(see_other(&format!(
        "/organizations/{}?notice=created",
        organization.id
    )))
}

pub(super) struct AssessmentRow {
    id: String,
    title: String,
    model: String,
    state: &'static str,
    submitted: i64,
}

pub(super) struct VersionOption {
    id: String,
    label: String,
    selected: bool,
}

pub(super) struct AccessRow {
    email: String,
    role: &'static str,
}

/// Which form on the organisation page the errors belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum OrganizationFormKind {
    Neither,
    Assessment,
    Access,
}

#[derive(Template)]
#[template(path = "console/organization.html")]
struct OrganizationPage {
    nav: Nav,
    organization: Organization,
    details: String,
    assessments: Vec<AssessmentRow>,
    can_manage: bool,
    versions: Vec<VersionOption>,
    title_value: String,
    access: Vec<AccessRow>,
    email_value: String,
    assessment_errors: Vec<String>,
    access_errors: Vec<String>,
    notice: Option<&'static str>,
}

pub(super) fn version_label(version: &ModelVersion) -> String {
    format!("{} {}", version.title, version.version)
}

/// The model version a new assessment gets unless another is chosen: the
/// newest stored version of the built-in model.
async fn default_version(
    state: &AppState,
    versions: &[ModelVersion],
) -> Result<Option<String>, AppError> {
    Ok(
        match state.store.latest_model_version(DEFAULT_MODEL).await? {
            Some(version) => Some(version.id),
            None => versions.last().map(|version| version.id.clone()),
        },
    )
}

pub(super) use crate::auth::visible_organization;

struct PageInput {
    title_value: String,
    version_value: Option<String>,
    email_value: String,
    errors: Vec<String>,
    errors_of: OrganizationFormKind,
    notice: Option<&'static str>,
}

impl PageInput {
    fn blank(notice: Option<&'static str>) -> PageInput {
        PageInput {
            title_value: String::new(),
            version_value: None,
            email_value: String::new(),
            errors: Vec::new(),
            errors_of: OrganizationFormKind::Neither,
            notice,
        }
    }
}

async fn organization_page(
    state: &AppState,
    current: &CurrentUser,
    organization: Organization,
    input: PageInput,
) -> Result<OrganizationPage, AppError> {
    let versions = state.store.model_versions().await?;
    let labels: HashMap<&str, String> = versions
        .iter()
        .map(|version| (version.id.as_str(), version_label(version)))
        .collect();
    let mut assessments = Vec::new();
    for assessment in state.store.assessments_of(&organization.id).await? {
        assessments.push(AssessmentRow {
            submitted: state.store.response_count(&assessment.id).await?,
            model: labels
                .get(assessment.model_version_id.as_str())
                .cloned()
                .unwrap_or_default(),
            state: assessment.state.as_str(),
            id: assessment.id,
            title: assessment.title,
        });
    }
    let can_manage = is_consultant(current);
    let selected = match input.version_value {
        Some(id) => Some(id),
        None => default_version(state, &versions).await?,
    };
    let access = if can_manage {
        state
            .store
            .users_with_access(&organization.id)
            .await?
            .into_iter()
            .map(|user| AccessRow {
                email: user.email,
                role: user.role.as_str(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (assessment_errors, access_errors) = match input.errors_of {
        OrganizationFormKind::Assessment => (input.errors, Vec::new()),
        OrganizationFormKind::Access => (Vec::new(), input.errors),
        OrganizationFormKind::Neither => (Vec::new(), Vec::new()),
    };
    Ok(OrganizationPage {
        nav: Nav::of(current),
        details: details(&organization),
        organization,
        assessments,
        can_manage,
        versions: versions
            .iter()
            .map(|version| VersionOption {
                id: version.id.clone(),
                label: version_label(version),
                selected: selected.as_deref() == Some(version.id.as_str()),
            })
            .collect(),
        title_value: input.title_value,
        access,
        email_value: input.email_value,
        assessment_errors,
        access_errors,
        notice: input.notice,
    })
}

pub(super) async fn page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    render(
        &organization_page(
            &state,
            &current,
            organization,
            PageInput::blank(query.message()),
        )
        .await?,
    )
}

#[derive(Deserialize)]
pub(crate) struct AssessmentForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    model_version: String,
}

pub(super) async fn create_assessment(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<AssessmentForm>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let mut errors = Vec::new();
    let title = form.title.trim();
    if title.is_empty() {
        errors.push("Give the assessment a title, e.g. \"Baseline 2026\".".to_owned());
    }
    too_long("The title", title, MAX_NAME_CHARS, &mut errors);
    let versions = state.store.model_versions().await?;
    if !versions
        .iter()
        .any(|version| version.id == form.model_version)
    {
        errors.push("Choose a model version from the list.".to_owned());
    }
    if !errors.is_empty() {
        let input = PageInput {
            title_value: form.title,
            version_value: Some(form.model_version),
            email_value: String::new(),
            errors,
            errors_of: OrganizationFormKind::Assessment,
            notice: None,
        };
        return invalid(&organization_page(&state, &current, organization, input).await?);
    }
    let assessment = state
        .store
        .create_assessment(&organization.id, title, &form.model_version)
        .await?;
    Ok(see_other(&format!(
        "/assessments/{}?notice=assessment-created",
        assessment.id
    )))
}

#[derive(Deserialize)]
pub(crate) struct AccessForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn grant_access(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<AccessForm>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let problem = match accounts::grant_access(&state.store, &organization.id, &form.email).await {
        Ok(_) => None,
        Err(error @ AccountError::InvalidEmail(_)) => Some(format!("{error}.")),
        Err(AccountError::CannotBeGranted) => Some(
            "No viewer or consultant with that email can be granted access; an admin adds users under Users."
                .to_owned(),
        ),
        Err(AccountError::Store(error)) => return Err(error.into()),
        Err(other) => return Err(AppError::internal(other)),
    };
    if let Some(problem) = problem {
        let input = PageInput {
            email_value: form.email,
            errors: vec![problem],
            errors_of: OrganizationFormKind::Access,
            ..PageInput::blank(None)
        };
        return invalid(&organization_page(&state, &current, organization, input).await?);
    }
    Ok(see_other(&format!(
        "/organizations/{}?notice=access-granted",
        organization.id
    )))
}
