//! The console's target form and action plan pages, the form that adopts
//! a roadmap practice as an action, and the plan's CSV and JSON
//! downloads. Viewers granted the organisation see the same pages; their
//! forms change only an action's status and notes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use simm_core::{ActionStatus, CalendarDate, Model, Target};
use simm_store::{Action, Organization, StatusChange};

use super::api::{change_action, visible_action};
use super::dto::ActionDto;
use super::edits::ActionInput;
use super::{
    OrganizationTarget, current_stages, organization_model, organization_target, overdue,
    practice_of, timestamp, today,
};
use crate::auth::{Consultant, CsrfForm, CurrentUser, visible_organization};
use crate::console::{NoticeQuery, invalid, is_consultant, see_other, short_id};
use crate::layout::{Nav, attachment, render};
use crate::routes::{Route, route};
use crate::{AppError, AppState};

pub const ROUTES: &[Route] = &[
    route!(GET "/organizations/{id}/target" => target_page),
    route!(POST "/organizations/{id}/target" => set_target),
    route!(GET "/organizations/{id}/actions" => actions_page),
    route!(POST "/organizations/{id}/actions" => create),
    route!(POST "/organizations/{id}/actions/adopt" => adopt),
    route!(GET "/organizations/{id}/actions.csv" => actions_csv),
    route!(GET "/organizations/{id}/actions.json" => actions_json),
    route!(POST "/actions/{id}" => update),
    route!(POST "/actions/{id}/delete" => delete),
];

/// An option of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A target stage's row of the form: the area and its stages.
struct TargetRow {
    id: String,
    name: String,
    stage: String,
    stages: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "console/target.html")]
struct TargetPage {
    nav: Nav,
    organization: Organization,
    rows: Vec<TargetRow>,
    date: String,
    /// "The default: …" or "Set by … on …".
    source: String,
    can_manage: bool,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

/// The stage of `level` as a select shows it: "3 · Integrated".
fn stage_label(model: &Model, level: simm_core::StageLevel) -> String {
    format!("{level} · {}", model.stage(level).name)
}

fn target_page_of(
    current: &CurrentUser,
    organization: Organization,
    model: &Model,
    target: &OrganizationTarget,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> TargetPage {
    let rows = model
        .areas()
        .iter()
        .map(|area| {
            let chosen = target.target.stage_of(&area.id);
            TargetRow {
                id: area.id.to_string(),
                name: area.name.clone(),
                stage: chosen.map_or_else(String::new, |level| stage_label(model, level)),
                stages: model
                    .stages()
                    .iter()
                    .map(|stage| Choice {
                        value: stage.level.to_string(),
                        label: stage_label(model, stage.level),
                        selected: chosen == Some(stage.level),
                    })
                    .collect(),
            }
        })
        .collect();
    let source = match &target.set {
        Some((email, at)) => format!("Set by {email} on {}.", &timestamp(*at)[..10]),
        None => "No target is set yet: these are the defaults, the next stage of every area after the latest round.".to_owned(),
    };
    TargetPage {
        nav: Nav::of(current),
        organization,
        rows,
        date: target
            .target
            .date()
            .map(|date| date.to_string())
            .unwrap_or_default(),
        source,
        can_manage: is_consultant(current),
        errors,
        notice,
    }
}

async fn target_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let model = organization_model(&state, &organization.id).await?;
    let target = organization_target(&state, &organization.id, &model).await?;
    render(&target_page_of(
        &current,
        organization,
        &model.model,
        &target,
        Vec::new(),
        query.message(),
    ))
}

/// The prefix of the target form's area fields, e.g. `area:vision`.
const AREA_FIELD: &str = "area:";

async fn set_target(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let model = organization_model(&state, &organization.id).await?;
    let mut errors = Vec::new();
    let mut areas = Vec::new();
    let mut date = None;
    for (name, value) in &form {
        if let Some(area) = name.strip_prefix(AREA_FIELD) {
            match value.trim().parse::<u8>() {
                Ok(stage) => areas.push((area, stage)),
                Err(_) => errors.push(format!("areas.{area}: choose a stage from the list")),
            }
        } else if name == "date" && !value.trim().is_empty() {
            date = Some(value.trim());
        }
    }
    let stages = current_stages(&state, model.latest_round.as_ref()).await?;
    if errors.is_empty() {
        match Target::parse(&model.model, &areas, date, &stages) {
            Ok(target) => {
                state
                    .store
                    .set_target(&organization.id, &target, &current.user.id)
                    .await?;
                return Ok(see_other(&format!(
                    "/organizations/{}/target?notice=target-set",
                    organization.id
                )));
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    let target = organization_target(&state, &organization.id, &model).await?;
    invalid(&target_page_of(
        &current,
        organization,
        &model.model,
        &target,
        errors,
        None,
    ))
}

struct HistoryRow {
    from: Option<&'static str>,
    to: &'static str,
    by: String,
    at: String,
}

impl From<StatusChange> for HistoryRow {
    fn from(change: StatusChange) -> HistoryRow {
        HistoryRow {
            from: change.from.map(ActionStatus::label),
            to: change.to.label(),
            by: change.changed_by_email,
            at: timestamp(change.changed_at)
                .replace('T', " ")
                .replace('Z', " UTC"),
        }
    }
}

/// An action as the plan's table and its edit form show it.
struct ActionRow {
    id: String,
    title: String,
    item: String,
    practice: String,
    area: String,
    owner: String,
    due: String,
    status: &'static str,
    status_label: &'static str,
    overdue: bool,
    notes: String,
    history: Vec<HistoryRow>,
    /// What its edit form shows: the action, or what was sent when the
    /// change was refused.
    edit: EditValues,
    statuses: Vec<Choice>,
    items: Vec<Choice>,
}

struct EditValues {
    title: String,
    owner: String,
    due: String,
    notes: String,
}

/// The values of the create form, kept when it is shown again.
#[derive(Deserialize, Default, Clone)]
struct ActionForm {
    title: Option<String>,
    item: Option<String>,
    owner: Option<String>,
    due: Option<String>,
    status: Option<String>,
    notes: Option<String>,
}

impl ActionForm {
    /// What the form asks for: an empty item, owner or due date is none.
    fn input(self) -> ActionInput {
        let cleared =
            |text: Option<String>| text.map(|text| Some(text).filter(|t| !t.trim().is_empty()));
        ActionInput {
            title: self.title,
            item: cleared(self.item),
            owner: cleared(self.owner),
            due: cleared(self.due),
            status: self.status,
            notes: self.notes.map(Some),
        }
    }
}

#[derive(Template)]
#[template(path = "console/actions.html")]
struct ActionsPage {
    nav: Nav,
    organization: Organization,
    actions: Vec<ActionRow>,
    can_manage: bool,
    today: String,
    overdue_count: usize,
    statuses: Vec<Choice>,
    items: Vec<Choice>,
    form: ActionForm,
    /// The errors, and the action whose form they belong to (`None`: the
    /// create form).
    errors: Vec<String>,
    errors_of: Option<String>,
    notice: Option<&'static str>,
}

fn status_choices(selected: ActionStatus) -> Vec<Choice> {
    ActionStatus::ALL
        .iter()
        .map(|status| Choice {
            value: status.as_str().to_owned(),
            label: status.label().to_owned(),
            selected: *status == selected,
        })
        .collect()
}

/// Every item of the model, by id, with its area and practice.
fn item_choices(model: &Model, selected: Option<&str>) -> Vec<Choice> {
    model
        .items()
        .iter()
        .map(|item| {
            let area = model.area(&item.area).map_or("", |area| area.name.as_str());
            Choice {
                value: item.id.to_string(),
                label: format!("{} · {area}: {}", item.id, item.practice),
                selected: selected == Some(item.id.as_str()),
            }
        })
        .collect()
}

fn area_name(model: &Model, id: Option<&str>) -> String {
    let Some(id) = id else { return String::new() };
    model
        .areas()
        .iter()
        .find(|area| area.id.as_str() == id)
        .map_or_else(|| id.to_owned(), |area| area.name.clone())
}

/// The action's row; `sent` is the refused change of its form, whose
/// values the form shows again.
async fn action_row(
    state: &AppState,
    model: &Model,
    action: Action,
    today: CalendarDate,
    sent: Option<&ActionForm>,
) -> Result<ActionRow, AppError> {
    let history = state.store.action_history(&action.id).await?;
    let shown = |sent: Option<&Option<String>>, stored: Option<&str>| match sent {
        Some(Some(text)) => text.clone(),
        _ => stored.unwrap_or_default().to_owned(),
    };
    let due = action.due.map(|due| due.to_string());
    let edit = EditValues {
        title: shown(sent.map(|f| &f.title), Some(&action.title)),
        owner: shown(sent.map(|f| &f.owner), action.owner.as_deref()),
        due: shown(sent.map(|f| &f.due), due.as_deref()),
        notes: shown(sent.map(|f| &f.notes), Some(&action.notes)),
    };
    let item = shown(sent.map(|f| &f.item), action.item.as_deref());
    let status = sent
        .and_then(|f| f.status.as_deref())
        .and_then(|status| ActionStatus::parse(status).ok())
        .unwrap_or(action.status);
    Ok(ActionRow {
        overdue: overdue(&action, today),
        practice: practice_of(model, action.item.as_deref())
            .unwrap_or_default()
            .to_owned(),
        area: area_name(model, action.area.as_deref()),
        items: item_choices(model, Some(&item)),
        statuses: status_choices(status),
        edit,
        history: history.into_iter().map(Into::into).collect(),
        status: action.status.as_str(),
        status_label: action.status.label(),
        due: action.due.map(|due| due.to_string()).unwrap_or_default(),
        owner: action.owner.unwrap_or_default(),
        item: action.item.unwrap_or_default(),
        id: action.id,
        title: action.title,
        notes: action.notes,
    })
}

async fn actions_page_of(
    state: &AppState,
    current: &CurrentUser,
    organization: Organization,
    form: ActionForm,
    errors: (Vec<String>, Option<(String, ActionForm)>),
    notice: Option<&'static str>,
) -> Result<ActionsPage, AppError> {
    let model = organization_model(state, &organization.id).await?.model;
    let today = today();
    let (errors, refused) = errors;
    let mut actions = Vec::new();
    for action in state.store.actions(&organization.id).await? {
        let sent = refused
            .as_ref()
            .filter(|(id, _)| *id == action.id)
            .map(|(_, sent)| sent);
        actions.push(action_row(state, &model, action, today, sent).await?);
    }
    let selected = form
        .status
        .as_deref()
        .and_then(|status| ActionStatus::parse(status).ok())
        .unwrap_or(ActionStatus::Planned);
    Ok(ActionsPage {
        nav: Nav::of(current),
        overdue_count: actions.iter().filter(|action| action.overdue).count(),
        actions,
        can_manage: is_consultant(current),
        today: today.to_string(),
        statuses: status_choices(selected),
        items: item_choices(&model, form.item.as_deref()),
        form,
        errors,
        errors_of: refused.map(|(id, _)| id),
        notice,
        organization,
    })
}

async fn actions_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    render(
        &actions_page_of(
            &state,
            &current,
            organization,
            ActionForm::default(),
            (Vec::new(), None),
            query.message(),
        )
        .await?,
    )
}

fn plan_path(organization: &Organization, notice: &str, action: &str) -> String {
    format!(
        "/organizations/{}/actions?notice={notice}#action-{action}",
        organization.id
    )
}

/// Creates the action the input asks for, or shows the form again with
/// what is wrong.
async fn create_from(
    state: &AppState,
    current: &CurrentUser,
    organization: Organization,
    form: ActionForm,
) -> Result<Response, AppError> {
    let model = organization_model(state, &organization.id).await?.model;
    let new = match form.clone().input().into_new(&model) {
        Ok(new) => new,
        Err(AppError::BadRequest(message)) => {
            let page = actions_page_of(
                state,
                current,
                organization,
                form,
                (vec![message], None),
                None,
            )
            .await?;
            return invalid(&page);
        }
        Err(other) => return Err(other),
    };
    let action = state
        .store
        .create_action(&organization.id, &new, &current.user.id)
        .await?;
    Ok(see_other(&plan_path(
        &organization,
        "action-created",
        &action.id,
    )))
}

async fn create(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<ActionForm>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    create_from(&state, &current, organization, form).await
}

#[derive(Deserialize)]
struct AdoptForm {
    #[serde(default)]
    item: String,
}

/// Adopts a practice of the roadmap: an action titled with the practice
/// text, planned, for the item.
async fn adopt(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm<AdoptForm>,
) -> Result<Response, AppError> {
    let organization = visible_organization(&state, &current, &id).await?;
    let form = ActionForm {
        item: Some(form.item),
        ..ActionForm::default()
    };
    create_from(&state, &current, organization, form).await
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm {
        user: current,
        form,
    }: CsrfForm<ActionForm>,
) -> Result<Response, AppError> {
    match change_action(&state, &current, &id, form.clone().input()).await {
        Ok((action, organization)) => Ok(see_other(&plan_path(
            &organization,
            "action-saved",
            &action.id,
        ))),
        Err(AppError::BadRequest(message)) => {
            let (action, organization) = visible_action(&state, &current, &id).await?;
            let page = actions_page_of(
                &state,
                &current,
                organization,
                ActionForm::default(),
                (vec![message], Some((action.id, form))),
                None,
            )
            .await?;
            invalid(&page)
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn delete(
    State(state): State<AppState>,
    Consultant(current): Consultant,
    Path(id): Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let (action, organization) = visible_action(&state, &current, &id).await?;
    state.store.delete_action(&action.id).await?;
    Ok(see_other(&format!(
        "/organizations/{}/actions?notice=action-deleted",
        organization.id
    )))
}

/// The plan's actions as the API gives them.
async fn action_dtos(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
) -> Result<(Organization, Vec<ActionDto>), AppError> {
    let organization = visible_organization(state, current, id).await?;
    let model = organization_model(state, &organization.id).await?.model;
    let today = today();
    let actions = state.store.actions(&organization.id).await?;
    let dtos = actions
        .into_iter()
        .map(|action| ActionDto::new(action, &model, today))
        .collect();
    Ok((organization, dtos))
}

/// The header of the plan's CSV download.
pub const CSV_HEADER: [&str; 11] = [
    "id",
    "title",
    "item",
    "area",
    "owner",
    "due",
    "status",
    "overdue",
    "notes",
    "created_at",
    "updated_at",
];

/// The plan as CSV. Every cell is neutralised, so that a title or notes
/// starting with `=` never run as a formula in a spreadsheet.
fn plan_csv(actions: &[ActionDto]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |record: Vec<String>| {
        writer
            .write_record(&record)
            .expect("writing to memory cannot fail");
    };
    write(CSV_HEADER.map(simm_sheet::neutralise_formula).to_vec());
    for action in actions {
        let overdue = if action.overdue { "yes" } else { "no" };
        let cells = [
            action.id.as_str(),
            &action.title,
            action.item.as_deref().unwrap_or_default(),
            action.area.as_deref().unwrap_or_default(),
            action.owner.as_deref().unwrap_or_default(),
            action.due.as_deref().unwrap_or_default(),
            action.status.as_str(),
            overdue,
            &action.notes,
            &action.created_at,
            &action.updated_at,
        ];
        write(cells.map(simm_sheet::neutralise_formula).to_vec());
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the cells are UTF-8 text")
}

fn download_name(organization: &Organization, extension: &str) -> String {
    format!("simm-actions-{}.{extension}", short_id(&organization.id))
}

async fn actions_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (organization, actions) = action_dtos(&state, &current, &id).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &download_name(&organization, "csv"),
        plan_csv(&actions),
    ))
}

async fn actions_json(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (organization, actions) = action_dtos(&state, &current, &id).await?;
    let body = serde_json::to_string_pretty(&actions).map_err(AppError::internal)?;
    Ok(attachment(
        "application/json",
        &download_name(&organization, "json"),
        body,
    )
    .into_response())
}
