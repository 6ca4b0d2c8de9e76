//! The access-control matrix: every API route and every page route, called
//! by each kind of caller, with the status each must get. One table, every
//! row run, every mismatch reported in one assertion message.
//!
//! Each cell runs against a fresh world (an organisation of the owner with
//! an open assessment, enough responses to show results, and an invitation)
//! and a fresh session, so no cell depends on what another changed: closing
//! an assessment, submitting, or signing out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use simm_core::ActionStatus;
use simm_store::{
    NewAction, NewInvitation, NewOrganization, Role, User, hash_token, new_id, new_token,
};

use crate::{TestApp, spawn_app};

/// Who calls, in the order of a row's expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// No credentials at all.
    Anonymous,
    /// Holds only an invitation link, and offers its token as a bearer
    /// token: it must open nothing but the respondent's own routes.
    Respondent,
    /// A viewer granted the organisation.
    Viewer,
    /// The consultant who created the organisation.
    Owner,
    Admin,
    /// A consultant of another tenant.
    Other,
    /// A model steward: sees model versions and pooled calibrations, no
    /// organisation.
    Steward,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Respondent,
    Caller::Viewer,
    Caller::Owner,
    Caller::Admin,
    Caller::Other,
    Caller::Steward,
];

struct Row {
    method: &'static str,
    /// With `{org}`, `{id}` (assessment), `{action}`, `{token}`
    /// (invitation), `{item}`;
    /// bodies may hold these, `{model_version}` (the built-in model's
    /// stored version), `{unique}` (a fresh id) and `{csrf}`.
    path: &'static str,
    /// JSON for /api/ routes, a form for pages (`{csrf}` is the session's
    /// token); `None` for no body.
    body: Option<&'static str>,
    /// anonymous, respondent, viewer, owner, admin, other tenant, steward.
    expect: [u16; 7],
}

const fn row(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    expect: [u16; 7],
) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

// Shorthands for the common rows. Pages answer 303 to /login where the API
// answers 401.
/// Read by anyone granted; 404 for the other tenant.
const API_READ: [u16; 7] = [401, 401, 200, 200, 200, 404, 404];
/// Changed by anyone granted the organisation, viewers too.
const API_VIEWER_WRITE: [u16; 7] = [401, 401, 200, 200, 200, 404, 404];
/// Written by consultants with access.
const API_WRITE: [u16; 7] = [401, 401, 403, 200, 200, 404, 403];
const API_CREATE: [u16; 7] = [401, 401, 403, 201, 201, 404, 403];
const API_PUBLIC: [u16; 7] = [200; 7];
/// Read by consultants with access and admins only: the e-mail list.
const API_CONSULTANT_READ: [u16; 7] = [401, 401, 403, 200, 200, 404, 403];
/// Removed by consultants with access: 204.
const API_DELETE: [u16; 7] = [401, 401, 403, 204, 204, 404, 403];
/// Put in the outbox by consultants with access: 202, sent later.
const API_QUEUE: [u16; 7] = [401, 401, 403, 202, 202, 404, 403];
/// An interim snapshot: allowed to consultants with access and admins, and
/// refused (409) by the data, since the fixture's responses are released
/// already and none wait.
const API_SNAPSHOT: [u16; 7] = [401, 401, 403, 409, 409, 404, 403];
/// Read by those with access, but refused (409) while the fixture's
/// assessment has too few responses to show it.
const API_READ_WITHHELD: [u16; 7] = [401, 401, 409, 409, 409, 404, 404];
const PAGE_SIGNED_IN: [u16; 7] = [303, 303, 200, 200, 200, 200, 200];
const PAGE_READ: [u16; 7] = [303, 303, 200, 200, 200, 404, 404];
/// A change by a consultant with access: 303 to the changed page.
const PAGE_WRITE: [u16; 7] = [303, 303, 403, 303, 303, 404, 403];
const PAGE_CONSULTANT_READ: [u16; 7] = [303, 303, 403, 200, 200, 404, 403];
const PAGE_PUBLIC: [u16; 7] = [200; 7];
/// The model steward's reads: stewards and admins.
const API_STEWARD: [u16; 7] = [401, 401, 403, 403, 200, 403, 200];
const PAGE_STEWARD: [u16; 7] = [303, 303, 403, 403, 200, 403, 200];
/// A calibration, or a proposal that needs one: every world adds the same
/// five responses, in which an item has no variance, so stewards and admins
/// pass and are refused (409) by the data, however many worlds came before.
const API_CALIBRATE: [u16; 7] = [401, 401, 403, 403, 409, 403, 409];
const PAGE_CALIBRATE: [u16; 7] = [303, 303, 403, 403, 409, 403, 409];

/// An upload of offline responses: a one-row sheet of simm's layout,
/// answering the model's first item, as a multipart body.
const MULTIPART: &str = "multipart/form-data; boundary=matrix";
const MULTIPART_START: &str = "--matrix\r\n";
const UPLOAD: &str = "--matrix\r\nContent-Disposition: form-data; name=\"file\"; filename=\"paper.csv\"\r\n\r\nrespondent,{item}\r\np1,4\r\n\r\n--matrix--\r\n";
const PAGE_UPLOAD: &str = "--matrix\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--matrix\r\nContent-Disposition: form-data; name=\"file\"; filename=\"paper.csv\"\r\n\r\nrespondent,{item}\r\np1,4\r\n\r\n--matrix--\r\n";

/// The e-mail page's form with a one-address list.
const PAGE_EMAILS: &str = "--matrix\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--matrix\r\nContent-Disposition: form-data; name=\"list\"; filename=\"people.csv\"\r\n\r\nemail,role\r\n{unique}@matrix.example,partner\r\n\r\n--matrix\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nHello\r\n--matrix\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{link}\r\n--matrix\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nsend\r\n--matrix--\r\n";

const MATRIX: &[Row] = &[
    // ----- the consultant and viewer API
    row(
        "GET",
        "/api/v1/organizations",
        None,
        [401, 401, 200, 200, 200, 200, 200],
    ),
    row(
        "POST",
        "/api/v1/organizations",
        Some(r#"{"name": "New"}"#),
        [401, 401, 403, 201, 201, 201, 403],
    ),
    row("GET", "/api/v1/organizations/{org}", None, API_READ),
    row(
        "GET",
        "/api/v1/organizations/{org}/assessments",
        None,
        API_READ,
    ),
    row(
        "POST",
        "/api/v1/organizations/{org}/assessments",
        Some(r#"{"title": "T"}"#),
        API_CREATE,
    ),
    // ----- the target and the action plan (plan/api.rs): viewers read
    // both and change an action's status and notes; the organisation is
    // looked up first, so a steward or another tenant gets 404
    row("GET", "/api/v1/organizations/{org}/target", None, API_READ),
    row(
        "PUT",
        "/api/v1/organizations/{org}/target",
        Some(r#"{"areas": {"vision": 3}, "date": "2027-12-31"}"#),
        [401, 401, 403, 200, 200, 404, 404],
    ),
    row("GET", "/api/v1/organizations/{org}/actions", None, API_READ),
    row(
        "POST",
        "/api/v1/organizations/{org}/actions",
        Some(r#"{"title": "T", "item": "{item}", "due": "2027-12-31"}"#),
        API_CREATE,
    ),
    row("GET", "/api/v1/actions/{action}", None, API_READ),
    row(
        "PATCH",
        "/api/v1/actions/{action}",
        Some(r#"{"status": "in_progress", "notes": "Started"}"#),
        API_VIEWER_WRITE,
    ),
    row(
        "PATCH",
        "/api/v1/actions/{action}",
        Some(r#"{"title": "Renamed"}"#),
        [401, 401, 403, 200, 200, 404, 404],
    ),
    row(
        "DELETE",
        "/api/v1/actions/{action}",
        None,
        [401, 401, 403, 204, 204, 404, 403],
    ),
    row("GET", "/api/v1/actions/{action}/history", None, API_READ),
    row("GET", "/api/v1/assessments/{id}", None, API_READ),
    row("POST", "/api/v1/assessments/{id}/open", None, API_WRITE),
    row("POST", "/api/v1/assessments/{id}/close", None, API_WRITE),
    row(
        "POST",
        "/api/v1/assessments/{id}/snapshot",
        None,
        API_SNAPSHOT,
    ),
    row(
        "POST",
        "/api/v1/assessments/{id}/invitations",
        Some(r#"{"count": 2, "attributes": {"role": "partner"}}"#),
        API_CREATE,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/participation",
        None,
        API_READ,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/comments",
        None,
        API_READ_WITHHELD,
    ),
    row("GET", "/api/v1/assessments/{id}/results", None, API_READ),
    row("GET", "/api/v1/assessments/{id}/report.pdf", None, API_READ),
    row("GET", "/api/v1/assessments/{id}/slides.pdf", None, API_READ),
    // The journey (journey/api.rs): whoever reads the results reads the
    // roadmap and the trend.
    row("GET", "/api/v1/assessments/{id}/roadmap", None, API_READ),
    // Offline responses (uploads/api.rs): consultants with access upload,
    // whoever reads participation reads the uploads' counts.
    row("GET", "/api/v1/assessments/{id}/imports", None, API_READ),
    row(
        "POST",
        "/api/v1/assessments/{id}/imports",
        Some(UPLOAD),
        API_CREATE,
    ),
    // Campaigns (campaigns/api.rs): consultants with access send and
    // list, since the list holds addresses; viewers see counts only, in
    // participation.
    row(
        "POST",
        "/api/v1/assessments/{id}/invitations/email",
        Some(
            r#"{"recipients": [{"email": "{unique}@matrix.example", "attributes": {"role": "partner"}}]}"#,
        ),
        API_QUEUE,
    ),
    row(
        "POST",
        "/api/v1/assessments/{id}/invitations/email/preview",
        Some(r#"{"kind": "reminder"}"#),
        API_WRITE,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/emails",
        None,
        API_CONSULTANT_READ,
    ),
    row(
        "POST",
        "/api/v1/assessments/{id}/reminders",
        Some("{}"),
        API_QUEUE,
    ),
    // The deadline (campaigns/deadline.rs): read by anyone granted, set
    // by consultants with access.
    row("GET", "/api/v1/assessments/{id}/deadline", None, API_READ),
    row(
        "PUT",
        "/api/v1/assessments/{id}/deadline",
        Some(
            r#"{"closes_at": "2099-12-15T17:00", "time_zone": "Europe/Berlin", "reminders": [3, 1]}"#,
        ),
        API_WRITE,
    ),
    row(
        "DELETE",
        "/api/v1/assessments/{id}/deadline",
        None,
        API_DELETE,
    ),
    row("GET", "/api/v1/organizations/{org}/trend", None, API_READ),
    row(
        "GET",
        "/api/v1/assessments/{id}/results?group_by=role",
        None,
        API_READ,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/results.xlsx",
        None,
        API_READ,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/responses.csv",
        None,
        [401, 401, 403, 200, 200, 404, 403],
    ),
    row(
        "GET",
        "/api/v1/organizations/{org}/access",
        None,
        [401, 401, 403, 200, 200, 404, 403],
    ),
    // The viewer of the world has access already: 200 rather than 201.
    row(
        "POST",
        "/api/v1/organizations/{org}/access",
        Some(r#"{"email": "viewer@example.com"}"#),
        API_WRITE,
    ),
    row(
        "GET",
        "/api/v1/models",
        None,
        [401, 401, 200, 200, 200, 200, 200],
    ),
    // ----- the model steward's API (steward.rs)
    row(
        "GET",
        "/api/v1/models/{model_id}/versions",
        None,
        API_STEWARD,
    ),
    row(
        "GET",
        "/api/v1/models/{model_id}/versions/{version}/calibration",
        None,
        API_CALIBRATE,
    ),
    row(
        "GET",
        "/api/v1/models/{model_id}/versions/{version}/calibration?group_by=role",
        None,
        API_CALIBRATE,
    ),
    row(
        "GET",
        "/api/v1/models/{model_id}/versions/{version}/proposal.toml",
        None,
        API_CALIBRATE,
    ),
    row(
        "GET",
        "/api/v1/assessments/{id}/rescore?version=1.1.0",
        None,
        [401, 401, 403, 200, 200, 404, 403],
    ),
    row(
        "GET",
        "/api/v1/users",
        None,
        [401, 401, 403, 403, 200, 403, 403],
    ),
    row(
        "POST",
        "/api/v1/users",
        Some(
            r#"{"email": "{unique}@example.com", "role": "viewer", "password": "correct horse battery"}"#,
        ),
        [401, 401, 403, 403, 201, 403, 403],
    ),
    // A wrong current password: refused, but only after the caller passed.
    row(
        "POST",
        "/api/v1/account/password",
        Some(r#"{"current_password": "wrong", "new_password": "another long password"}"#),
        [401, 401, 400, 400, 400, 400, 400],
    ),
    row("GET", "/api/v1/openapi.json", None, API_PUBLIC),
    // ----- the respondent API: the link is the credential, whoever holds it
    row("GET", "/api/v1/r/{token}", None, API_PUBLIC),
    row(
        "PUT",
        "/api/v1/r/{token}/answers/{item}",
        Some(r#"{"value": 3}"#),
        API_PUBLIC,
    ),
    row("POST", "/api/v1/r/{token}/submit", None, API_PUBLIC),
    row("GET", "/api/v1/r/missing", None, [404; 7]),
    // ----- operations (ops.rs): the probes are public; /metrics answers
    // every loopback caller while no metrics token is set (ops.rs tests
    // the refusals)
    row("GET", "/healthz", None, API_PUBLIC),
    row("GET", "/readyz", None, API_PUBLIC),
    row("GET", "/metrics", None, API_PUBLIC),
    // ----- pages (console.rs and respond/pages.rs)
    row(
        "POST",
        "/login",
        Some("email={unique}%40example.com&password=wrong"),
        [401; 7],
    ),
    row("GET", "/login", None, PAGE_PUBLIC),
    row("POST", "/logout", Some("csrf={csrf}"), [303; 7]),
    row("GET", "/", None, PAGE_SIGNED_IN),
    row(
        "POST",
        "/organizations",
        Some("csrf={csrf}&name=New"),
        [303, 303, 403, 303, 303, 303, 403],
    ),
    row("GET", "/organizations/{org}", None, PAGE_READ),
    row(
        "POST",
        "/organizations/{org}/assessments",
        Some("csrf={csrf}&title=T&model_version={model_version}"),
        PAGE_WRITE,
    ),
    row(
        "POST",
        "/organizations/{org}/access",
        Some("csrf={csrf}&email=viewer%40example.com"),
        PAGE_WRITE,
    ),
    // The target and the action plan (plan/pages.rs).
    row("GET", "/organizations/{org}/target", None, PAGE_READ),
    row(
        "POST",
        "/organizations/{org}/target",
        Some("csrf={csrf}&area%3Avision=3&date=2027-12-31"),
        PAGE_WRITE,
    ),
    row("GET", "/organizations/{org}/actions", None, PAGE_READ),
    row(
        "POST",
        "/organizations/{org}/actions",
        Some("csrf={csrf}&title=T&item=&owner=&due=&status=planned&notes="),
        PAGE_WRITE,
    ),
    row(
        "POST",
        "/organizations/{org}/actions/adopt",
        Some("csrf={csrf}&item={item}"),
        PAGE_WRITE,
    ),
    row("GET", "/organizations/{org}/actions.csv", None, PAGE_READ),
    row("GET", "/organizations/{org}/actions.json", None, PAGE_READ),
    row(
        "POST",
        "/actions/{action}",
        Some("csrf={csrf}&status=done&notes=Done"),
        [303, 303, 303, 303, 303, 404, 404],
    ),
    row(
        "POST",
        "/actions/{action}",
        Some("csrf={csrf}&title=Renamed&status=done&notes="),
        [303, 303, 403, 303, 303, 404, 404],
    ),
    row(
        "POST",
        "/actions/{action}/delete",
        Some("csrf={csrf}"),
        PAGE_WRITE,
    ),
    row("GET", "/assessments/{id}", None, PAGE_READ),
    row(
        "POST",
        "/assessments/{id}/open",
        Some("csrf={csrf}"),
        PAGE_WRITE,
    ),
    row(
        "POST",
        "/assessments/{id}/close",
        Some("csrf={csrf}"),
        PAGE_WRITE,
    ),
    row(
        "POST",
        "/assessments/{id}/snapshot",
        Some("csrf={csrf}"),
        PAGE_WRITE,
    ),
    row(
        "POST",
        "/assessments/{id}/invitations",
        Some("csrf={csrf}&count=2&attr%3Arole=partner"),
        PAGE_CONSULTANT_READ,
    ),
    row(
        "POST",
        "/assessments/{id}/invitations/csv",
        Some("csrf={csrf}&csv=role%0Amanager%0Apartner%0A"),
        PAGE_CONSULTANT_READ,
    ),
    row("GET", "/assessments/{id}/results", None, PAGE_READ),
    row("GET", "/assessments/{id}/roadmap", None, PAGE_READ),
    row(
        "GET",
        "/assessments/{id}/upload",
        None,
        PAGE_CONSULTANT_READ,
    ),
    // The e-mail page (campaigns/pages.rs): consultants with access. Its
    // posts answer with the page (200), not a redirect.
    row(
        "GET",
        "/assessments/{id}/emails",
        None,
        PAGE_CONSULTANT_READ,
    ),
    row(
        "POST",
        "/assessments/{id}/emails",
        Some(PAGE_EMAILS),
        PAGE_CONSULTANT_READ,
    ),
    row(
        "POST",
        "/assessments/{id}/reminders",
        Some("csrf={csrf}"),
        PAGE_CONSULTANT_READ,
    ),
    row(
        "POST",
        "/assessments/{id}/upload",
        Some(PAGE_UPLOAD),
        // It answers with what it stored (200), not a redirect.
        PAGE_CONSULTANT_READ,
    ),
    row("GET", "/organizations/{org}/trend", None, PAGE_READ),
    row("GET", "/assessments/{id}/results.json", None, PAGE_READ),
    row("GET", "/assessments/{id}/report.html", None, PAGE_READ),
    row("GET", "/assessments/{id}/report.pdf", None, PAGE_READ),
    row("GET", "/assessments/{id}/slides.pdf", None, PAGE_READ),
    // The workbook: viewers get it too, without the Responses sheet.
    row("GET", "/assessments/{id}/results.xlsx", None, PAGE_READ),
    row(
        "GET",
        "/assessments/{id}/responses.csv",
        None,
        PAGE_CONSULTANT_READ,
    ),
    // The model steward's pages and the re-score page (steward.rs).
    row("GET", "/models", None, PAGE_STEWARD),
    row("GET", "/models/calibration.css", None, PAGE_PUBLIC),
    row(
        "GET",
        "/models/smartsourcing/versions/1.1.0",
        None,
        PAGE_STEWARD,
    ),
    row(
        "GET",
        "/models/smartsourcing/versions/1.1.0/calibration",
        None,
        PAGE_CALIBRATE,
    ),
    row(
        "GET",
        "/models/smartsourcing/versions/1.1.0/proposal.toml",
        None,
        PAGE_CALIBRATE,
    ),
    row(
        "GET",
        "/assessments/{id}/rescore",
        None,
        [303, 303, 403, 200, 200, 404, 403],
    ),
    row("GET", "/users", None, [303, 303, 403, 403, 200, 403, 403]),
    row(
        "POST",
        "/users",
        Some("csrf={csrf}&email={unique}%40example.com&role=viewer&password=correct+horse+battery"),
        [303, 303, 403, 403, 303, 403, 403],
    ),
    row("GET", "/account/password", None, PAGE_SIGNED_IN),
    // A wrong current password: refused, but only after the caller passed.
    row(
        "POST",
        "/account/password",
        Some("csrf={csrf}&current=wrong&new=another+long+password&repeat=another+long+password"),
        [303, 303, 422, 422, 422, 422, 422],
    ),
    // Respondent pages: the link is the credential.
    row("GET", "/r/{token}", None, PAGE_PUBLIC),
    row("GET", "/r/{token}/area/1", None, PAGE_PUBLIC),
    row(
        "POST",
        "/r/{token}/area/1",
        Some("comment=Fine&go=next"),
        [303; 7],
    ),
    row(
        "POST",
        "/r/{token}/answer",
        Some("item={item}&value=3"),
        PAGE_PUBLIC,
    ),
    row(
        "POST",
        "/r/{token}/comment",
        Some("area={area}&comment=Fine"),
        PAGE_PUBLIC,
    ),
    row("GET", "/r/{token}/review", None, PAGE_PUBLIC),
    row("POST", "/r/{token}/submit", None, [303; 7]),
    row("GET", "/r/missing", None, [404; 7]),
    row("GET", "/assets/simm.css", None, PAGE_PUBLIC),
];

/// The users of the matrix, with their API tokens.
struct People {
    viewer: User,
    owner: User,
    admin: User,
    other: User,
    steward: User,
    api_tokens: BTreeMap<&'static str, String>,
}

impl People {
    async fn new(app: &TestApp) -> People {
        let mut api_tokens = BTreeMap::new();
        let mut user = async |name: &'static str, role: Role| {
            let user = app
                .store
                .create_user(&format!("{name}@example.com"), "no password", role)
                .await
                .unwrap();
            let token = new_token();
            app.store
                .create_api_token(&user.id, &hash_token(&token))
                .await
                .unwrap();
            api_tokens.insert(name, token);
            user
        };
        let viewer = user("viewer", Role::Viewer).await;
        let owner = user("owner", Role::Consultant).await;
        let admin = user("admin", Role::Admin).await;
        let other = user("other", Role::Consultant).await;
        let steward = user("steward", Role::Steward).await;
        People {
            viewer,
            owner,
            admin,
            other,
            steward,
            api_tokens,
        }
    }

    fn user(&self, caller: Caller) -> Option<(&'static str, &User)> {
        match caller {
            Caller::Anonymous | Caller::Respondent => None,
            Caller::Viewer => Some(("viewer", &self.viewer)),
            Caller::Owner => Some(("owner", &self.owner)),
            Caller::Admin => Some(("admin", &self.admin)),
            Caller::Other => Some(("other", &self.other)),
            Caller::Steward => Some(("steward", &self.steward)),
        }
    }
}

/// What one cell runs against.
struct World {
    org: String,
    id: String,
    action: String,
    token: String,
    item: String,
    area: String,
}

async fn world(app: &TestApp, people: &People) -> World {
    let store = &app.store;
    let model = simm_core::builtin_model();
    let organization = store
        .create_organization(
            &NewOrganization {
                name: "Matrix".into(),
                industry: None,
                size: None,
                country: None,
            },
            &people.owner.id,
        )
        .await
        .unwrap();
    store
        .grant_access(&organization.id, &people.viewer.id)
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&organization.id, "Matrix", &app.builtin_model_version)
        .await
        .unwrap();
    let token = new_token();
    store
        .create_invitations(
            &assessment.id,
            &[NewInvitation {
                token_hash: hash_token(&token),
                attributes: BTreeMap::from([("role".into(), "employee".into())]),
            }],
        )
        .await
        .unwrap();
    let k = model.scoring().anonymity_min.get();
    let responses = simm_web::demo::synthetic_responses(&model, k as usize, 7);
    store
        .insert_responses(&assessment.id, &responses)
        .await
        .unwrap();
    store.open_assessment(&assessment.id, k).await.unwrap();
    simm_web::release_assessment(&app.state, &assessment.id, false)
        .await
        .unwrap();
    let action = store
        .create_action(
            &organization.id,
            &NewAction {
                title: "Matrix".into(),
                item: None,
                area: None,
                owner: None,
                due: None,
                status: ActionStatus::Planned,
                notes: String::new(),
            },
            &people.owner.id,
        )
        .await
        .unwrap();
    World {
        org: organization.id,
        id: assessment.id,
        action: action.id,
        token,
        item: model.items()[0].id.to_string(),
        area: model.areas()[0].id.to_string(),
    }
}

/// Runs one cell and returns its status, and the redirect target if any.
async fn run_cell(
    app: &TestApp,
    people: &People,
    row: &Row,
    caller: Caller,
) -> (u16, Option<String>, String) {
    let world = world(app, people).await;
    let fill = |template: &str, csrf: &str| {
        template
            .replace("{org}", &world.org)
            .replace("{id}", &world.id)
            .replace("{action}", &world.action)
            .replace("{token}", &world.token)
            .replace("{item}", &world.item)
            .replace("{area}", &world.area)
            .replace("{model_version}", &app.builtin_model_version)
            .replace("{model_id}", "smartsourcing")
            .replace("{version}", "1.1.0")
            .replace("{unique}", &new_id())
            .replace("{csrf}", csrf)
    };
    let path = fill(row.path, "");
    let is_api = path.starts_with("/api/");
    let mut request = app
        .client()
        .request(row.method.parse().unwrap(), app.url(&path));
    let mut csrf = String::new();
    match (caller, people.user(caller)) {
        (Caller::Respondent, _) => request = request.bearer_auth(&world.token),
        (_, Some((name, _))) if is_api => request = request.bearer_auth(&people.api_tokens[name]),
        (_, Some((_, user))) => {
            let session = new_token();
            csrf = new_token();
            app.store
                .create_session(&hash_token(&session), &user.id, &csrf)
                .await
                .unwrap();
            request = request.header("cookie", format!("simm_session={session}"));
        }
        (_, None) => {}
    }
    if let Some(body) = row.body {
        let body = fill(body, &csrf);
        let content_type = if body.starts_with(MULTIPART_START) {
            MULTIPART
        } else if is_api {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        request = request.header("content-type", content_type).body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body: String = response.text().await.unwrap().chars().take(160).collect();
    (status, location, body)
}

#[tokio::test]
async fn every_caller_gets_exactly_the_access_of_its_role() {
    let app = spawn_app().await;
    let people = People::new(&app).await;
    let mut mismatches = String::new();
    let mut cells = 0;
    for row in MATRIX {
        for (caller, expected) in CALLERS.into_iter().zip(row.expect) {
            cells += 1;
            let (status, location, body) = run_cell(&app, &people, row, caller).await;
            let anonymous = matches!(caller, Caller::Anonymous | Caller::Respondent);
            // A respondent's page moves on to the next; no other page
            // sends a caller without credentials anywhere but to sign in.
            let wrong_redirect = status == 303
                && expected == 303
                && anonymous
                && !row.path.starts_with("/r/")
                && location.as_deref() != Some("/login");
            if status != expected || wrong_redirect {
                writeln!(
                    mismatches,
                    "{} {} as {caller:?}: expected {expected}, got {status}{} {body:?}",
                    row.method,
                    row.path,
                    location.map(|l| format!(" to {l}")).unwrap_or_default(),
                )
                .unwrap();
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "access mismatches ({} of {cells} cells):\n{mismatches}",
        mismatches.lines().count()
    );
}

/// Every API route of the OpenAPI document is in the matrix, so a new
/// route cannot be added without deciding who may call it.
#[tokio::test]
async fn the_matrix_covers_every_documented_api_route() {
    let app = spawn_app().await;
    let document: serde_json::Value = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut missing = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let covered = MATRIX
                .iter()
                .any(|row| row.method.eq_ignore_ascii_case(method) && instance_of(path, row.path));
            if !covered {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "not in the access matrix: {missing:?}");
}

/// Every route of every feature module's table is in the matrix, pages
/// too: the routers are built from the tables, so no route is served
/// before someone decided who may call it.
#[test]
fn the_matrix_covers_every_route_the_server_serves() {
    let missing: Vec<String> = simm_web::routes()
        .filter(|route| {
            !MATRIX
                .iter()
                .any(|row| row.method == route.method.as_str() && instance_of(route.path, row.path))
        })
        .map(|route| format!("{} {}", route.method, route.path))
        .collect();
    assert!(missing.is_empty(), "not in the access matrix: {missing:?}");
}

/// Whether a row's path, its query left out, is an instance of a route's
/// path template, where each `{param}` stands for any one segment.
fn instance_of(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    template.split('/').count() == path.split('/').count()
        && template
            .split('/')
            .zip(path.split('/'))
            .all(|(template, segment)| {
                template == segment || (template.starts_with('{') && template.ends_with('}'))
            })
}
