//! The JSON API under /api/v1, for consultants and viewers, by API token
//! (`Authorization: Bearer …`) or session cookie.
//!
//! Every route is a row of [`ROUTES`], from which the router is built. The
//! steward's API routes are in `steward::api` and the respondent's under
//! /api/v1/r/{token} in `respond::api`; a test checks the /api/v1 routes of
//! every module's table against the OpenAPI document (`openapi.json`,
//! served at /api/v1/openapi.json), so the document cannot drift from what
//! the server answers.
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

pub(crate) mod dto;
mod handlers;

pub(crate) use dto::DEFAULT_MODEL;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::AppState;
use crate::routes::{Route, route};

/// The OpenAPI 3.1 document of every /api/v1 route.
pub const OPENAPI_DOCUMENT: &str = include_str!("openapi.json");

/// The routes of this module.
pub const ROUTES: &[Route] = {
    use handlers::*;
    &[
        route!(GET "/api/v1/organizations" => list_organizations),
        route!(POST "/api/v1/organizations" => create_organization),
        route!(GET "/api/v1/organizations/{org}" => get_organization),
        route!(GET "/api/v1/organizations/{org}/assessments" => list_assessments),
        route!(POST "/api/v1/organizations/{org}/assessments" => create_assessment),
        route!(GET "/api/v1/assessments/{id}" => get_assessment),
        route!(POST "/api/v1/assessments/{id}/open" => open_assessment),
        route!(POST "/api/v1/assessments/{id}/close" => close_assessment),
        route!(POST "/api/v1/assessments/{id}/snapshot" => snapshot),
        route!(POST "/api/v1/assessments/{id}/invitations" => create_invitations),
        route!(GET "/api/v1/assessments/{id}/participation" => participation),
        route!(GET "/api/v1/assessments/{id}/comments" => comments),
        route!(GET "/api/v1/assessments/{id}/results" => results),
        route!(GET "/api/v1/assessments/{id}/report.pdf" => report_pdf),
        route!(GET "/api/v1/assessments/{id}/slides.pdf" => slides_pdf),
        route!(GET "/api/v1/assessments/{id}/responses.csv" => responses_csv),
        route!(GET "/api/v1/assessments/{id}/results.xlsx" => results_xlsx),
        route!(GET "/api/v1/organizations/{org}/access" => list_access),
        route!(POST "/api/v1/organizations/{org}/access" => grant_access),
        route!(GET "/api/v1/models" => list_models),
        route!(GET "/api/v1/users" => list_users),
        route!(POST "/api/v1/users" => create_user),
        route!(POST "/api/v1/account/password" => change_password),
        route!(GET "/api/v1/openapi.json" => openapi),
    ]
};

pub fn router() -> Router<AppState> {
    crate::routes::router(ROUTES)
}

/// The layers of the API for signed-in callers, around this module's
/// routes and the steward's: API writes by session cookie need the CSRF
/// header, and a 401 names the bearer scheme.
pub fn with_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::api_session_writes_need_csrf,
        ))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

    fn document() -> Value {
        serde_json::from_str(OPENAPI_DOCUMENT).expect("openapi.json is JSON")
    }

    /// Every router is built from its module's table, so the tables stand
    /// exactly for the routes the server answers.
    #[test]
    fn the_document_describes_exactly_the_api_routes_of_every_table() {
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
        // The document covers the machines' routes: the API and the
        // operator's probes and metrics; pages and assets are not in it.
        let api_routes: Vec<_> = crate::routes()
            .filter(|route| {
                route.path.starts_with("/api/")
                    || crate::ops::ROUTES
                        .iter()
                        .any(|op| (&op.method, op.path) == (&route.method, route.path))
            })
            .map(|route| (route.method.as_str().to_lowercase(), route.path.to_owned()))
            .collect();
        let routed: BTreeSet<(String, String)> = api_routes.iter().cloned().collect();
        assert_eq!(routed.len(), api_routes.len(), "a table repeats a route");
        assert!(routed.len() > ROUTES.len(), "the other modules' API routes");
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
