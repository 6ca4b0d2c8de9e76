//! The JSON API under /api/v1, for consultants and viewers, by API token
//! (`Authorization: Bearer …`) or session cookie.
//!
//! Every route is a row of [`ROUTES`]: the router is built from the table,
//! and a test checks the table against the OpenAPI document
//! (`openapi.json`, served at /api/v1/openapi.json), so the document cannot
//! drift from what the server answers. The respondent routes under
//! /api/v1/r/{token} are served by the `respond` module and only listed
//! here for the document.
//!
//! Access rules: anyone signed in may read the organisations they were
//! granted (admins: all) and their assessments, participation and results;
//! only consultants and admins may write, download responses or see who
//! was granted an organisation; only admins list and add users; everyone
//! signed in may list the stored models and change their own password.
//! Model stewards and admins see how model versions are used, pooled
//! calibrations and proposals; consultants with access and admins
//! re-score an assessment under another model version (`steward.rs`).
//! Another tenant's object answers 404, exactly like a missing one.

mod dto;
pub(crate) mod fields;
mod handlers;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::{AppError, AppState};

/// The OpenAPI 3.1 document of every /api/v1 route.
pub const OPENAPI_DOCUMENT: &str = include_str!("openapi.json");

/// Who serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// This module.
    Api(Operation),
    /// The respondent module (`respond.rs`).
    Respond,
}

/// The operations this module serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListOrganizations,
    CreateOrganization,
    GetOrganization,
    ListAssessments,
    CreateAssessment,
    GetAssessment,
    OpenAssessment,
    CloseAssessment,
    Snapshot,
    CreateInvitations,
    Participation,
    Comments,
    Results,
    ResponsesCsv,
    ListAccess,
    GrantAccess,
    ListModels,
    /// The steward's routes, served by `steward::api`.
    ModelVersions,
    Calibration,
    Proposal,
    Rescore,
    ListUsers,
    CreateUser,
    ChangePassword,
    OpenApi,
}

/// One route: method (lower case, as in OpenAPI), path template (axum's
/// and OpenAPI's `{param}` syntax are the same) and who serves it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub owner: Owner,
}

const fn api(method: &'static str, path: &'static str, operation: Operation) -> Route {
    Route {
        method,
        path,
        owner: Owner::Api(operation),
    }
}

const fn respond(method: &'static str, path: &'static str) -> Route {
    Route {
        method,
        path,
        owner: Owner::Respond,
    }
}

/// Every route under /api/v1.
pub const ROUTES: &[Route] = &[
    api("get", "/api/v1/organizations", Operation::ListOrganizations),
    api(
        "post",
        "/api/v1/organizations",
        Operation::CreateOrganization,
    ),
    api(
        "get",
        "/api/v1/organizations/{org}",
        Operation::GetOrganization,
    ),
    api(
        "get",
        "/api/v1/organizations/{org}/assessments",
        Operation::ListAssessments,
    ),
    api(
        "post",
        "/api/v1/organizations/{org}/assessments",
        Operation::CreateAssessment,
    ),
    api("get", "/api/v1/assessments/{id}", Operation::GetAssessment),
    api(
        "post",
        "/api/v1/assessments/{id}/open",
        Operation::OpenAssessment,
    ),
    api(
        "post",
        "/api/v1/assessments/{id}/close",
        Operation::CloseAssessment,
    ),
    api(
        "post",
        "/api/v1/assessments/{id}/snapshot",
        Operation::Snapshot,
    ),
    api(
        "post",
        "/api/v1/assessments/{id}/invitations",
        Operation::CreateInvitations,
    ),
    api(
        "get",
        "/api/v1/assessments/{id}/participation",
        Operation::Participation,
    ),
    api(
        "get",
        "/api/v1/assessments/{id}/comments",
        Operation::Comments,
    ),
    api(
        "get",
        "/api/v1/assessments/{id}/results",
        Operation::Results,
    ),
    api(
        "get",
        "/api/v1/assessments/{id}/responses.csv",
        Operation::ResponsesCsv,
    ),
    api(
        "get",
        "/api/v1/organizations/{org}/access",
        Operation::ListAccess,
    ),
    api(
        "post",
        "/api/v1/organizations/{org}/access",
        Operation::GrantAccess,
    ),
    api("get", "/api/v1/models", Operation::ListModels),
    api(
        "get",
        "/api/v1/models/{model_id}/versions",
        Operation::ModelVersions,
    ),
    api(
        "get",
        "/api/v1/models/{model_id}/versions/{version}/calibration",
        Operation::Calibration,
    ),
    api(
        "get",
        "/api/v1/models/{model_id}/versions/{version}/proposal.toml",
        Operation::Proposal,
    ),
    api(
        "get",
        "/api/v1/assessments/{id}/rescore",
        Operation::Rescore,
    ),
    api("get", "/api/v1/users", Operation::ListUsers),
    api("post", "/api/v1/users", Operation::CreateUser),
    api(
        "post",
        "/api/v1/account/password",
        Operation::ChangePassword,
    ),
    api("get", "/api/v1/openapi.json", Operation::OpenApi),
    respond("get", "/api/v1/r/{token}"),
    respond("put", "/api/v1/r/{token}/answers/{item}"),
    respond("post", "/api/v1/r/{token}/submit"),
];

fn method_filter(method: &str) -> MethodFilter {
    match method {
        "get" => MethodFilter::GET,
        "post" => MethodFilter::POST,
        "put" => MethodFilter::PUT,
        "patch" => MethodFilter::PATCH,
        "delete" => MethodFilter::DELETE,
        other => unreachable!("the route table has no method {other:?}"),
    }
}

fn endpoint(filter: MethodFilter, operation: Operation) -> MethodRouter<AppState> {
    use handlers::*;
    match operation {
        Operation::ListOrganizations => on(filter, list_organizations),
        Operation::CreateOrganization => on(filter, create_organization),
        Operation::GetOrganization => on(filter, get_organization),
        Operation::ListAssessments => on(filter, list_assessments),
        Operation::CreateAssessment => on(filter, create_assessment),
        Operation::GetAssessment => on(filter, get_assessment),
        Operation::OpenAssessment => on(filter, open_assessment),
        Operation::CloseAssessment => on(filter, close_assessment),
        Operation::Snapshot => on(filter, snapshot),
        Operation::CreateInvitations => on(filter, create_invitations),
        Operation::Participation => on(filter, participation),
        Operation::Comments => on(filter, comments),
        Operation::Results => on(filter, results),
        Operation::ResponsesCsv => on(filter, responses_csv),
        Operation::ListAccess => on(filter, list_access),
        Operation::GrantAccess => on(filter, grant_access),
        Operation::ListModels => on(filter, list_models),
        Operation::ModelVersions => on(filter, crate::steward::api::model_versions),
        Operation::Calibration => on(filter, crate::steward::api::calibration),
        Operation::Proposal => on(filter, crate::steward::api::proposal_toml),
        Operation::Rescore => on(filter, crate::steward::api::assessment_rescore),
        Operation::ListUsers => on(filter, list_users),
        Operation::CreateUser => on(filter, create_user),
        Operation::ChangePassword => on(filter, change_password),
        Operation::OpenApi => on(filter, openapi),
    }
}

pub fn router() -> Router<AppState> {
    ROUTES
        .iter()
        .filter_map(|route| match route.owner {
            Owner::Api(operation) => Some((route, operation)),
            Owner::Respond => None,
        })
        .fold(Router::new(), |router, (route, operation)| {
            // Routes of one path with several methods merge.
            router.route(route.path, endpoint(method_filter(route.method), operation))
        })
        .layer(axum::middleware::map_response(challenge_on_unauthorized))
}

/// RFC 6750: a 401 names the scheme the client should use.
async fn challenge_on_unauthorized(mut response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"simm\""),
        );
    }
    response
}

/// A JSON request body whose every rejection (missing or wrong content
/// type, malformed JSON, a field of the wrong type, an unknown field) is a
/// 400 with the parser's message, which names the field and position; a
/// body above the limit is a 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, state)),
        }
    }
}

/// The API's answer to a JSON body axum could not take.
pub fn json_rejection(rejection: JsonRejection, state: &AppState) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        crate::error::too_large(state.config.body_limit)
    } else {
        AppError::BadRequest(rejection.body_text())
    }
}

/// A query string, refused with a 400 naming the problem. Query DTOs
/// refuse unknown parameters (`deny_unknown_fields`), so that a misspelt
/// one is not silently ignored; routes that take none extract
/// `ApiQuery<NoQuery>`.
pub struct ApiQuery<T>(pub T);

/// The query of a route that takes no parameter: any is refused.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    fn document() -> Value {
        serde_json::from_str(OPENAPI_DOCUMENT).expect("openapi.json is JSON")
    }

    /// The router is built from `ROUTES`, so the table standing for the
    /// router is exact for this module's routes.
    #[test]
    fn the_document_describes_exactly_the_routes_of_the_table() {
        let document = document();
        assert_eq!(document["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in METHODS {
                if item.get(method).is_some() {
                    documented.insert((method.to_owned(), path.clone()));
                }
            }
        }
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|route| (route.method, route.path))
            .chain(crate::ops::ROUTES.iter().copied())
            .map(|(method, path)| (method.to_owned(), path.to_owned()))
            .collect();
        assert_eq!(
            routed.len(),
            ROUTES.len() + crate::ops::ROUTES.len(),
            "the table repeats a route"
        );
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routes missing from openapi.json: {undocumented:?}; documented but not routed: {unrouted:?}"
        );
    }

    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(reference)) => found.push(reference.clone()),
                        _ => references(value, found),
                    }
                }
            }
            Value::Array(values) => values.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_of_the_document_resolves_and_every_operation_is_complete() {
        let document = document();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(!found.is_empty());
        for reference in found {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{reference} is not local"));
            assert!(
                document.pointer(pointer).is_some(),
                "{reference} does not resolve"
            );
        }
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let id = operation["operationId"].as_str().unwrap_or_default();
                assert!(
                    ids.insert(id.to_owned()),
                    "{method} {path}: operationId {id:?} missing or repeated"
                );
                assert!(
                    operation["summary"].is_string(),
                    "{method} {path}: no summary"
                );
                let responses = operation["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|status| status.starts_with('2')),
                    "{method} {path}: no success response"
                );
                let params: BTreeSet<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(item["parameters"].as_array().into_iter().flatten())
                    .filter_map(|p| {
                        let p = match p.get("$ref").and_then(Value::as_str) {
                            Some(r) => document.pointer(&r[1..]).unwrap(),
                            None => p,
                        };
                        (p["in"] == "path").then(|| p["name"].as_str().unwrap())
                    })
                    .collect();
                let in_path: BTreeSet<&str> = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                    .collect();
                assert_eq!(params, in_path, "{method} {path}: path parameters");
            }
        }
    }
}
